"""Staff accounts: admins, planners and building chiefs, with argon2 password hashes.

``COCREATE_ADMIN_PASSWORD`` (at least :data:`MIN_BOOTSTRAP` characters) is the bootstrap account:
user name ``admin`` with that password signs in as an admin of every community until a real admin
account exists. Wrong passwords are throttled per (account, client) and per client address, with
backoff (``domain/throttle.py``): a stranger guessing locks only their own browser, never the
owner, who is told when the account frees; another admin can unlock it at once
(:func:`unlock_user`). An unknown user name costs the same argon2 check as a known one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from cocreate_map import config, keys
from cocreate_map.domain.annotations import Role
from cocreate_map.domain.china_time import china_time
from cocreate_map.domain.households import clean_label
from cocreate_map.domain.throttle import Policy, split_client
from cocreate_map.errors import (
    AlreadyExists,
    CocreateError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from cocreate_map.storage import auth_repo, staff_repo
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.mark_tables import StaffUserRow
from cocreate_map.storage.tables import utcnow

MAX_FAILURES = 5  # wrong passwords per (account, client) in a window
#: per (account, client): 5 tries per 15 min, then 5, 10, 20 … min (at most 4 h)
ACCOUNT_POLICY = Policy(
    MAX_FAILURES, timedelta(minutes=15), timedelta(minutes=5), timedelta(hours=4)
)
#: per client address, over every account (password spraying): 30 per 15 min, then 5, 10 … min
ADDRESS_POLICY = Policy(30, timedelta(minutes=15), timedelta(minutes=5), timedelta(hours=2))
LOCKOUT = ACCOUNT_POLICY.base_lock
MIN_PASSWORD = 10
MIN_BOOTSTRAP = 12
BOOTSTRAP_NAME = "admin"
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


def identity_of(row: StaffUserRow) -> StaffIdentity:
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
    if staff_repo.username_taken(session, name):
        raise AlreadyExists(f"a staff account {name!r} exists already; pick another user name")
    row = StaffUserRow(
        username=name,
        display_name=display_name.strip()[:100],
        role=parsed_role.value,
        community_id=community_id,
        buildings=labels,
        district=district,
        password_hash=_hasher.hash(password),
    )
    session.add(row)
    session.flush()
    return identity_of(row)


def list_users(session: Session) -> list[StaffUserRow]:
    return staff_repo.all_users(session)


# ---------------------------------------------------------------- the bootstrap admin


def bootstrap_password() -> str:
    """COCREATE_ADMIN_PASSWORD, or "" when unset; InvalidInput when it is too short."""
    value: str = config.get("admin_password")
    if value and len(value) < MIN_BOOTSTRAP:
        raise InvalidInput(key="auth.bootstrap_short", n=len(value), min=MIN_BOOTSTRAP)
    return value


def real_admin_exists(session: Session) -> bool:
    return staff_repo.enabled_admin_exists(session, Role.ADMIN.value)


def bootstrap_active(session: Session) -> bool:
    """The bootstrap admin may sign in: a password is set and no real admin account exists."""
    return bool(bootstrap_password()) and not real_admin_exists(session)


@cache
def _argon2_of(secret: str) -> str:
    return _hasher.hash(secret)


def _dummy_hash() -> str:
    """What an unknown user name is checked against, so it costs as long as a known one."""
    return _argon2_of("no such account: equal-time check")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def credential_of_account(row: StaffUserRow) -> str:
    """Changes with the password hash: a session opened before a password change ends."""
    return hashlib.sha256(row.password_hash.encode()).hexdigest()


def credential_of_bootstrap(password: str) -> str:
    return hmac.new(keys.server_secret(), f"bootstrap:{password}".encode(), "sha256").hexdigest()


# ---------------------------------------------------------------- signing in


def _account_key(name: str, client: str) -> str:
    address, sess = split_client(client)
    return f"staff:account:{name}|{address}|{sess}"


def _address_key(client: str) -> str:
    return f"staff:address:{split_client(client)[0]}"


def _minutes(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() + 59) // 60)


def _throttled(name: str, until: datetime, now: datetime) -> PermissionDenied:
    return PermissionDenied(
        key="auth.staff_throttled",
        user=name,
        minutes=_minutes(until, now),
        until=china_time(until, "%H:%M"),  # the catalogs say Beijing time
    )


def authenticate(
    session: Session,
    username: str,
    password: str,
    now: datetime | None = None,
    *,
    client: str = "cli",
) -> StaffIdentity:
    """The identity behind a user name and password; PermissionDenied saying what to do.

    A wrong password is counted (the caller commits even on failure: use a transaction that
    commits, then raise) — see :func:`sign_in`.
    """
    identity, error = sign_in(session, username, password, now, client=client)
    if identity is None:
        raise error or PermissionDenied(key="auth.wrong_password")
    return identity


def sign_in(
    session: Session,
    username: str,
    password: str,
    now: datetime | None = None,
    *,
    client: str = "",
) -> tuple[StaffIdentity | None, CocreateError | None]:
    """(identity, None) or (None, the error to show). Never raises for a wrong password, so the
    counts the caller's transaction holds are committed.

    ``client`` is "address|browser session" (ui/client.py); the throttles count per
    (account, client) and per address, never per account alone.
    """
    now = now or utcnow()
    name = username.strip().lower()
    bootstrap = bootstrap_password() if name == BOOTSTRAP_NAME else ""
    attempts = [
        (auth_repo.attempt(session, _address_key(client), ADDRESS_POLICY, now), ADDRESS_POLICY),
        (
            auth_repo.attempt(session, _account_key(name, client), ACCOUNT_POLICY, now),
            ACCOUNT_POLICY,
        ),
    ]
    for taken, _policy in attempts:
        if not taken.verdict.allowed:
            assert taken.verdict.locked_until is not None
            return None, _throttled(name, taken.verdict.locked_until, now)
    row = staff_repo.by_username(session, name)
    if row is not None:
        ok = _verify(row.password_hash, password)
        if ok and row.disabled_at is not None:
            return None, PermissionDenied(key="auth.disabled", user=name)
        identity = identity_of(row) if ok else None
    elif bootstrap and not real_admin_exists(session):
        ok = _verify(_argon2_of(bootstrap), password)
        identity = StaffIdentity(BOOTSTRAP_NAME, Role.ADMIN) if ok else None
    else:
        _verify(_dummy_hash(), password)  # the same time as a known account
        identity = None
    if identity is not None:
        auth_repo.clear(session, _account_key(name, client))
        if row is not None and _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        session.flush()
        return identity, None
    for taken, policy in attempts:
        if taken.verdict.left == 0:  # that was the last try: lock with backoff
            until = auth_repo.lock(session, taken, policy, now)
            return None, _throttled(name, until, now)
    return None, PermissionDenied(key="auth.wrong_password", left=attempts[1][0].verdict.left)


def locked_accounts(
    session: Session, now: datetime | None = None
) -> list[tuple[str, str, datetime]]:
    """(user name, client address, locked until) of every throttled (account, client)."""
    now = now or utcnow()
    out = []
    for key, until in auth_repo.locked_keys(session, "staff:account:", now):
        name, _, rest = key.removeprefix("staff:account:").partition("|")
        out.append((name, rest.partition("|")[0], until))
    return out


def unlock_user(
    session: Session, username: str, who: StaffIdentity | None = None, *, local: bool = False
) -> int:
    """Lift every wrong-password lock on the account (all clients); the number lifted.

    From a page ``who`` must be an admin; the command line (``local``) is the server's operator.
    """
    if not local and (who is None or who.role is not Role.ADMIN):
        raise PermissionDenied(key="auth.unlock_admin_only")
    name = username.strip().lower()
    if not staff_repo.username_taken(session, name) and name != BOOTSTRAP_NAME:
        raise NotFound(key="auth.no_account", user=username)
    return auth_repo.clear_prefix(session, f"staff:account:{name}|")


def set_password(
    session: Session, username: str, password: str, now: datetime | None = None
) -> None:
    """A new password; every open session of the account ends and its locks are lifted."""
    row = staff_repo.by_username(session, username.strip().lower())
    if row is None:
        raise NotFound(f"no staff account {username!r}; list them with cocreate user list")
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password has {len(password)} characters; use at least {MIN_PASSWORD}"
        )
    row.password_hash = _hasher.hash(password)
    auth_repo.clear_prefix(session, f"staff:account:{row.username}|")
    auth_repo.revoke_staff(session, row.username, now or utcnow())
    session.flush()


def disable_user(session: Session, username: str, now: datetime | None = None) -> None:
    """The account can no longer sign in, and its open sessions end at once."""
    row = staff_repo.by_username(session, username.strip().lower())
    if row is None:
        raise NotFound(f"no staff account {username!r}; list them with cocreate user list")
    now = now or utcnow()
    row.disabled_at = now
    auth_repo.revoke_staff(session, row.username, now)
    session.flush()


def staff_identity(session: Session, username: str) -> StaffIdentity:
    """The identity of an existing, enabled staff account (the CLI's ``--by USER``); else
    NotFound / PermissionDenied saying what to do. Never the bootstrap admin: a command line
    names a real account, so the audit log names a person."""
    name = (username or "").strip().lower()
    row = staff_repo.by_username(session, name)
    if row is None:
        raise NotFound(key="staff.unknown_user", user=name[:64])
    if row.disabled_at is not None:
        raise PermissionDenied(key="staff.disabled_user", user=name)
    return identity_of(row)
