"""Staff accounts: admins, planners and building chiefs, with argon2 password hashes.

``COCREATE_ADMIN_PASSWORD`` stays as the bootstrap account: user name ``admin`` with that
password signs in as an admin of every community while no staff account named ``admin`` exists.
Wrong passwords count per account; after :data:`MAX_FAILURES` the account waits
:data:`LOCKOUT`.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cocreate_map import config
from cocreate_map.domain.annotations import Role
from cocreate_map.domain.households import clean_label
from cocreate_map.errors import AlreadyExists, InvalidInput, NotFound, PermissionDenied
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.mark_tables import StaffUserRow
from cocreate_map.storage.tables import utcnow

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()


@dataclass(frozen=True)
class StaffIdentity:
    """Who is acting: plain values the permission predicates take."""

    username: str
    role: Role
    community_id: int | None = None  # None: every community
    buildings: tuple[str, ...] = field(default_factory=tuple)
    id: int | None = None  # None for the bootstrap admin
    district: str | None = None  # district_admin: the sub-district it oversees

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"

    def may_work_in(self, community_id: int) -> bool:
        """Whether the account acts for the community. District admins act for none: they
        oversee their district read-only (the overview and every community's public pages)."""
        if self.role is Role.DISTRICT_ADMIN:
            return False
        return self.community_id is None or self.community_id == community_id


def _identity(row: StaffUserRow) -> StaffIdentity:
    return StaffIdentity(
        row.username,
        Role(row.role),
        row.community_id,
        tuple(row.buildings or ()),
        row.id,
        row.district,
    )


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    *,
    community_slug: str | None = None,
    buildings: Sequence[str] = (),
    display_name: str = "",
    district: str | None = None,
) -> StaffIdentity:
    """Create a staff account. Building chiefs need a community and at least one building;
    district admins a district and no community."""
    name = username.strip().lower()
    if not _USERNAME.match(name):
        raise InvalidInput(
            f"user name {username!r} is not usable; use 2–64 lower-case letters, digits, "
            "dots, dashes or underscores, e.g. wang.li"
        )
    try:
        parsed_role = Role(role.strip().lower().replace("-", "_"))
    except ValueError:
        raise InvalidInput(
            f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}"
        ) from None
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD}"
        )
    community_id = None
    if community_slug:
        community_id = repo.community_by_slug(session, community_slug).id
    labels = sorted({clean_label(b) for b in buildings if str(b).strip()})
    if parsed_role is Role.BUILDING_CHIEF and (community_id is None or not labels):
        raise InvalidInput(
            "a building chief needs --community SLUG and --buildings, e.g. --buildings 1,2"
        )
    district = (district or "").strip() or None
    if parsed_role is Role.DISTRICT_ADMIN and (district is None or community_id is not None):
        raise InvalidInput(key="staff.district_admin_needs_district")
    if district is not None and parsed_role is not Role.DISTRICT_ADMIN:
        raise InvalidInput(key="staff.district_only_for_district_admin", role=parsed_role.value)
    if session.scalar(select(StaffUserRow.id).where(StaffUserRow.username == name)):
        raise AlreadyExists(f"a staff account {name!r} exists already; pick another user name")
    row = StaffUserRow(
        username=name,
        display_name=display_name.strip()[:100],
        role=parsed_role.value,
        community_id=community_id,
        buildings=labels,
        district=district,
        password_hash=_hasher.hash(password),
        failures=0,
    )
    session.add(row)
    session.flush()
    return _identity(row)


def list_users(session: Session) -> list[StaffUserRow]:
    return list(session.scalars(select(StaffUserRow).order_by(StaffUserRow.username)))


def authenticate(
    session: Session, username: str, password: str, now: datetime | None = None
) -> StaffIdentity:
    """The identity behind a user name and password; PermissionDenied saying what to do.

    A wrong password is counted (the caller commits even on failure: use a transaction that
    commits, then raise) — see :func:`sign_in`.
    """
    identity, error = sign_in(session, username, password, now)
    if identity is None:
        raise PermissionDenied(error)
    return identity


def sign_in(
    session: Session, username: str, password: str, now: datetime | None = None
) -> tuple[StaffIdentity | None, str]:
    """(identity, "") or (None, message). Never raises for a wrong password, so the failure
    count the caller's transaction holds is committed."""
    now = now or utcnow()
    name = username.strip().lower()
    row = session.scalar(select(StaffUserRow).where(StaffUserRow.username == name))
    if row is None:
        bootstrap = config.get("admin_password")
        if name == "admin" and bootstrap and hmac.compare_digest(password, bootstrap):
            return StaffIdentity("admin", Role.ADMIN), ""
        return None, "wrong user name or password; ask your community's admin if you forgot it"
    if row.disabled_at is not None:
        return None, f"the account {name!r} is disabled; ask your community's admin"
    if row.locked_until is not None and row.locked_until > now:
        minutes = int((row.locked_until - now).total_seconds() // 60) + 1
        return None, f"too many wrong passwords for {name!r}; try again in {minutes} min"
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        # counted in the database (parallel wrong guesses must not overwrite each other)
        failures = session.execute(
            update(StaffUserRow)
            .where(StaffUserRow.id == row.id)
            .values(failures=StaffUserRow.failures + 1)
            .returning(StaffUserRow.failures)
        ).scalar_one()
        if failures >= MAX_FAILURES:
            session.execute(
                update(StaffUserRow)
                .where(StaffUserRow.id == row.id)
                .values(locked_until=now + LOCKOUT, failures=0)
            )
        session.expire(row)
        return None, "wrong user name or password; ask your community's admin if you forgot it"
    row.failures = 0
    row.locked_until = None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    session.flush()
    return _identity(row), ""


def set_password(session: Session, username: str, password: str) -> None:
    row = session.scalar(
        select(StaffUserRow).where(StaffUserRow.username == username.strip().lower())
    )
    if row is None:
        raise NotFound(f"no staff account {username!r}; list them with cocreate user list")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD}"
        )
    row.password_hash = _hasher.hash(password)
    row.failures = 0
    row.locked_until = None
    session.flush()


def disable_user(session: Session, username: str, now: datetime | None = None) -> None:
    row = session.scalar(
        select(StaffUserRow).where(StaffUserRow.username == username.strip().lower())
    )
    if row is None:
        raise NotFound(f"no staff account {username!r}; list them with cocreate user list")
    row.disabled_at = now or utcnow()
    session.flush()


def staff_identity(session: Session, username: str) -> StaffIdentity:
    """The identity of an existing, enabled staff account (the CLI's ``--by USER``); else
    NotFound / PermissionDenied saying what to do. Never the bootstrap admin: a command line
    names a real account, so the audit log names a person."""
    name = (username or "").strip().lower()
    row = session.scalar(select(StaffUserRow).where(StaffUserRow.username == name))
    if row is None:
        raise NotFound(key="staff.unknown_user", user=name[:64])
    if row.disabled_at is not None:
        raise PermissionDenied(key="staff.disabled_user", user=name)
    return _identity(row)
