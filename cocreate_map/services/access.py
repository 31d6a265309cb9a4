"""Who may change what: the one check every writing use case calls first.

Pages and commands pass the acting :class:`~cocreate_map.services.staff.StaffIdentity` (or
``None`` for an anonymous visitor or a household) down to the use case; the use case calls
:func:`require_staff` before it writes anything. A page hiding a button is a convenience, never
the protection.

Roles: ``admin`` and ``planner`` act on their community (``community_id=None``: every
community); ``building_chief`` only on the buildings listed on the account.
"""

from __future__ import annotations

from collections.abc import Iterable

from cocreate_map.domain.annotations import Role
from cocreate_map.errors import PermissionDenied
from cocreate_map.services.staff import StaffIdentity

EDITORS = (Role.ADMIN, Role.PLANNER)  # site data, options, ballots, the register
EVERY_STAFF = (Role.ADMIN, Role.PLANNER, Role.BUILDING_CHIEF)


def require_staff(
    who: StaffIdentity | None,
    community_id: int,
    roles: Iterable[Role] = EDITORS,
    *,
    building: str | None = None,
    action: str = "",
) -> StaffIdentity:
    """``who`` if it may do ``action`` in the community (and, for a building chief, in
    ``building``); else :class:`PermissionDenied` with a message in the reader's language."""
    allowed = tuple(roles)
    if who is None:
        raise PermissionDenied(key="access.sign_in", action=action)
    if not who.may_work_in(community_id):
        raise PermissionDenied(key="access.other_community", user=who.username)
    if who.role not in allowed:
        raise PermissionDenied(key="access.role", user=who.username, role=who.role.value)
    if who.role is Role.BUILDING_CHIEF and building is not None and building not in who.buildings:
        raise PermissionDenied(key="access.building", user=who.username, building=building)
    return who


def require_reader(
    who: StaffIdentity | None,
    community_id: int,
    community_district: str | None,
    roles: Iterable[Role] = EVERY_STAFF,
    *,
    action: str = "",
) -> bool:
    """May ``who`` read the community's staff records (the ledger with donors' names, pending
    expenses, volunteer hours)? True: read only — a district admin whose sub-district holds the
    community (issue 15); False: read and write — the community's own staff (``roles``). Anyone
    else: :class:`PermissionDenied`. Writing use cases still call :func:`require_staff`."""
    if who is None:
        raise PermissionDenied(key="access.sign_in", action=action)
    if who.role is Role.DISTRICT_ADMIN:
        if who.district is not None and who.district == community_district:
            return True
        raise PermissionDenied(key="access.other_district", user=who.username)
    require_staff(who, community_id, roles, action=action)
    return False


def require_creator(who: StaffIdentity | None, *, action: str = "") -> StaffIdentity:
    """``who`` if it may create a new community: an admin or planner of every community."""
    if who is None:
        raise PermissionDenied(key="access.sign_in", action=action)
    if who.role not in EDITORS:
        raise PermissionDenied(key="access.role", user=who.username, role=who.role.value)
    if who.community_id is not None:
        raise PermissionDenied(key="access.new_community", user=who.username)
    return who


def local_admin(name: str = "cli") -> StaffIdentity:
    """The person at this machine's terminal (the CLI) or the demo loader: an admin of every
    community. Whoever can run commands here can already open the database file."""
    return StaffIdentity(name, Role.ADMIN)
