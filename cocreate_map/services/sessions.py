"""Sign-in sessions that a cookie carries: households (after their code) and staff.

The cookie holds a random token (256 bits); the database keeps only its sha256, with an idle and
an absolute expiry and a revocation time. Every page run resolves the token again, so signing
out, a disabled account, a changed password or a renewed household code ends the session at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from cocreate_map.domain.annotations import Role
from cocreate_map.services import staff as staff_service
from cocreate_map.services.households import HouseholdInfo, household_info_or_none
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import auth_repo, staff_repo
from cocreate_map.storage.auth_tables import AuthSessionRow
from cocreate_map.storage.tables import utcnow


@dataclass(frozen=True)
class Lifetime:
    idle: timedelta  # unused this long: the session ends
    absolute: timedelta  # after this long it ends whatever happens


HOUSEHOLD_LIFETIME = Lifetime(timedelta(days=60), timedelta(days=180))
STAFF_LIFETIME = Lifetime(timedelta(hours=2), timedelta(hours=12))
_TOUCH_EVERY = timedelta(minutes=2)  # last_seen_at is written at most this often


def token_hash(token: str) -> str:
    return hashlib.sha256(f"cocreate-session:{token}".encode()).hexdigest()


def _new_token() -> str:
    return secrets.token_hex(32)


def _open(session: Session, row: AuthSessionRow) -> str:
    token = _new_token()
    row.token_hash = token_hash(token)
    auth_repo.add_session(session, row)
    return token


def open_household_session(session: Session, household_id: int, now: datetime | None = None) -> str:
    """A new token for a household that just joined with its code (shown once, for the cookie)."""
    now = now or utcnow()
    return _open(
        session,
        AuthSessionRow(
            kind="household",
            household_id=household_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + HOUSEHOLD_LIFETIME.absolute,
        ),
    )


def open_staff_session(session: Session, who: StaffIdentity, now: datetime | None = None) -> str:
    """A new token for a staff member who just signed in with their password."""
    now = now or utcnow()
    if who.id is None:
        credential = staff_service.credential_of_bootstrap(staff_service.bootstrap_password())
    else:
        row = staff_repo.by_id(session, who.id)
        assert row is not None
        credential = staff_service.credential_of_account(row)
    return _open(
        session,
        AuthSessionRow(
            kind="staff",
            staff_user_id=who.id,
            username=who.username,
            credential=credential,
            created_at=now,
            last_seen_at=now,
            expires_at=now + STAFF_LIFETIME.absolute,
        ),
    )


def _live(
    session: Session, token: str | None, kind: str, life: Lifetime, now: datetime
) -> AuthSessionRow | None:
    if not token or len(token) > 200:
        return None
    row = auth_repo.session_by_token_hash(session, token_hash(token))
    if row is None or row.kind != kind or row.revoked_at is not None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= life.idle:
        return None
    if now - row.last_seen_at >= _TOUCH_EVERY:
        auth_repo.touch_session(session, row.id, now)
    return row


def household_of(
    session: Session, slug: str, token: str | None, now: datetime | None = None
) -> HouseholdInfo | None:
    """The household a cookie's token names in community ``slug``, or None (unknown, expired,
    signed out, or the household's code was renewed)."""
    row = _live(session, token, "household", HOUSEHOLD_LIFETIME, now or utcnow())
    if row is None or row.household_id is None:
        return None
    info = household_info_or_none(session, row.household_id)
    if info is None or info.community_slug != slug:
        return None
    return info


def staff_of(
    session: Session, token: str | None, now: datetime | None = None
) -> StaffIdentity | None:
    """The staff member a cookie's token names, checked again on every page run: None when
    the session expired or was ended, the account is disabled, or its password changed."""
    row = _live(session, token, "staff", STAFF_LIFETIME, now or utcnow())
    if row is None:
        return None
    if row.staff_user_id is None:  # the bootstrap admin
        try:
            password = staff_service.bootstrap_password()
        except Exception:  # noqa: BLE001 - a too-short password disables it
            return None
        if not password or staff_service.real_admin_exists(session):
            return None
        expected = staff_service.credential_of_bootstrap(password)
        if not hmac.compare_digest(expected, row.credential):
            return None
        return StaffIdentity(staff_service.BOOTSTRAP_NAME, Role.ADMIN)
    account = staff_repo.by_id(session, row.staff_user_id)
    if account is None or account.disabled_at is not None:
        return None
    if not hmac.compare_digest(staff_service.credential_of_account(account), row.credential):
        return None
    return staff_service.identity_of(account)


def end_session(session: Session, token: str | None, now: datetime | None = None) -> None:
    """Sign out: the token stops working (on every tab and after a reload)."""
    if token:
        auth_repo.revoke_token_hash(session, token_hash(token), now or utcnow())
