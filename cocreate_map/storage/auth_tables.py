"""Tables of sign-in throttles and sign-in sessions (issue 11, findings 1, 3, 8, 9).

``throttles`` holds one counter per key ("join:client:…", "staff:account:…"); it is only ever
written with one ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` per attempt, so parallel guesses
never overwrite each other's counts. ``auth_sessions`` holds the sign-ins that cookies carry: only
a sha256 of the random token is stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cocreate_map.storage.tables import Base, utcnow


class ThrottleRow(Base):
    """Attempts under one key in the current window; a lock with backoff after the limit."""

    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
    lockouts: Mapped[int] = mapped_column(Integer, default=0)  # consecutive locks: the backoff


class AuthSessionRow(Base):
    """A signed-in browser: a household (``household_id``) or a staff member (``username``)."""

    __tablename__ = "auth_sessions"
    __table_args__ = (
        Index("ix_auth_sessions_household", "household_id"),
        Index("ix_auth_sessions_username", "username"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # household | staff
    household_id: Mapped[int | None] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE")
    )
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE")
    )
    username: Mapped[str | None] = mapped_column(String(64))  # staff; "admin" for the bootstrap
    # the credential the session was opened with (a keyed hash of the bootstrap password, or the
    # account's password hash prefix): a change ends the session
    credential: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]  # absolute end
    revoked_at: Mapped[datetime | None]
