"""Queries of sign-in throttles and sign-in sessions. Functions take a Session and never commit.

A throttle attempt is one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``: the database counts,
so parallel attempts on PostgreSQL (row lock) and SQLite (database write lock) each see their own
count, and at most ``limit`` attempts per window are ever allowed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, delete, not_, select, update
from sqlalchemy.orm import Session

from cocreate_map.domain.throttle import Policy, Verdict
from cocreate_map.storage.auth_tables import AuthSessionRow, ThrottleRow
from cocreate_map.storage.db import upsert_insert

_FAR_PAST = datetime(2000, 1, 1)


@dataclass(frozen=True)
class Attempt:
    key: str
    verdict: Verdict
    lockouts: int
    last_locked_until: datetime | None


def attempt(session: Session, key: str, policy: Policy, now: datetime) -> Attempt:
    """Count one attempt under ``key`` and say whether it may be checked."""
    t = ThrottleRow
    locked = and_(t.locked_until.is_not(None), t.locked_until > now)
    fresh = and_(not_(locked), t.window_started_at <= now - policy.window)
    insert = upsert_insert(session)
    stmt = (
        insert(ThrottleRow)
        .values(key=key, attempts=1, window_started_at=now, locked_until=None, lockouts=0)
        .on_conflict_do_update(
            index_elements=[ThrottleRow.key],
            set_={
                "attempts": case((locked, t.attempts), (fresh, 1), else_=t.attempts + 1),
                "window_started_at": case((fresh, now), else_=t.window_started_at),
            },
        )
        .returning(t.attempts, t.window_started_at, t.locked_until, t.lockouts)
    )
    count, started, locked_until, lockouts = session.execute(stmt).one()
    if locked_until is not None and locked_until > now:
        verdict = Verdict(False, 0, locked_until)
    elif count > policy.limit:  # the limit was used up by an attempt that then succeeded
        verdict = Verdict(False, 0, started + policy.window)
    else:
        verdict = Verdict(True, policy.limit - count)
    return Attempt(key, verdict, int(lockouts or 0), locked_until)


def lock(session: Session, taken: Attempt, policy: Policy, now: datetime) -> datetime:
    """The last allowed attempt failed: lock the key with backoff; the end of the lock."""
    lockouts = taken.lockouts
    last = taken.last_locked_until
    if last is not None and now - last > policy.forget_after:
        lockouts = 0
    until = now + policy.lock_for(lockouts)
    session.execute(
        update(ThrottleRow)
        .where(ThrottleRow.key == taken.key)
        .values(
            locked_until=until,
            lockouts=lockouts + 1,
            attempts=0,
            window_started_at=_FAR_PAST,  # after the lock, a fresh window
        )
    )
    return until


def clear(session: Session, key: str) -> None:
    session.execute(delete(ThrottleRow).where(ThrottleRow.key == key))


def clear_prefix(session: Session, prefix: str) -> int:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result = session.execute(
        delete(ThrottleRow).where(ThrottleRow.key.like(escaped + "%", escape="\\"))
    )
    return int(getattr(result, "rowcount", 0) or 0)


def locked_keys(session: Session, prefix: str, now: datetime) -> list[tuple[str, datetime]]:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = session.execute(
        select(ThrottleRow.key, ThrottleRow.locked_until)
        .where(
            ThrottleRow.key.like(escaped + "%", escape="\\"),
            ThrottleRow.locked_until.is_not(None),
            ThrottleRow.locked_until > now,
        )
        .order_by(ThrottleRow.key)
    ).all()
    return [(k, u) for k, u in rows]


def throttle_row(session: Session, key: str) -> ThrottleRow | None:
    return session.get(ThrottleRow, key)


# ---------------------------------------------------------------- sessions


def add_session(session: Session, row: AuthSessionRow) -> AuthSessionRow:
    session.add(row)
    session.flush()
    return row


def session_by_token_hash(session: Session, token_hash: str) -> AuthSessionRow | None:
    return session.scalar(select(AuthSessionRow).where(AuthSessionRow.token_hash == token_hash))


def touch_session(session: Session, session_id: int, now: datetime) -> None:
    session.execute(
        update(AuthSessionRow).where(AuthSessionRow.id == session_id).values(last_seen_at=now)
    )


def revoke_token_hash(session: Session, token_hash: str, now: datetime) -> None:
    session.execute(
        update(AuthSessionRow)
        .where(AuthSessionRow.token_hash == token_hash, AuthSessionRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def revoke_households(session: Session, household_ids: Sequence[int], now: datetime) -> int:
    if not household_ids:
        return 0
    result = session.execute(
        update(AuthSessionRow)
        .where(
            AuthSessionRow.household_id.in_(list(household_ids)),
            AuthSessionRow.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def revoke_staff(session: Session, username: str, now: datetime) -> int:
    result = session.execute(
        update(AuthSessionRow)
        .where(
            AuthSessionRow.kind == "staff",
            AuthSessionRow.username == username,
            AuthSessionRow.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)
