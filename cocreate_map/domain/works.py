"""Works (工程项目, 共建): lifecycle, category, money, progress and permissions (pure).

A work is what an adopted decision becomes: a ballot that passed (its winning option's change-set
is the work's scope on the map), adopted residents' marks, or a job staff set up. Its lifecycle is
kept as timestamps; :func:`status` derives the state from them::

    planned ──start──► in_progress ──complete──► completed ──accept──► accepted (验收)
                            ▲                        │
                            └────────reopen──────────┘   (reason required, e.g. a contest)

Reopening clears ``completed_at`` (the audit log keeps it) and records the reason residents see.
Permission predicates take plain values (DESIGN §4.5). Money is integer fen; the CLI and forms
take yuan as decimal strings with at most two places ("3000.00").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from cocreate_map.domain.annotations import CATEGORY_CLASS, Category, RenovationClass, Role
from cocreate_map.domain.annotations import clean_text as _clean_text
from cocreate_map.errors import InvalidInput, InvalidTransition

TITLE_MAX_CHARS = 100
TEXT_MAX_CHARS = 1000
CONTRACTOR_MAX_CHARS = 100
REASON_MAX_CHARS = 300
NAME_MAX_CHARS = 30
#: ¥100,000,000.00 — a typo guard far above any residential renovation (DOMAIN §3: ¥9 k–34 k
#: per household)
MAX_BUDGET_FEN = 10_000_000_000


class Status(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ACCEPTED = "accepted"


class Action(StrEnum):
    START = "start"
    COMPLETE = "complete"
    ACCEPT = "accept"
    REOPEN = "reopen"


class Source(StrEnum):
    BALLOT = "ballot"
    MARKS = "marks"
    STAFF = "staff"


#: action → (states it may start from, resulting state)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.START: (frozenset({Status.PLANNED}), Status.IN_PROGRESS),
    Action.COMPLETE: (frozenset({Status.IN_PROGRESS}), Status.COMPLETED),
    Action.ACCEPT: (frozenset({Status.COMPLETED}), Status.ACCEPTED),
    Action.REOPEN: (frozenset({Status.COMPLETED}), Status.IN_PROGRESS),
}
REASON_REQUIRED = frozenset({Action.REOPEN})
#: states in which milestones may be posted (after acceptance the record is closed)
OPEN_FOR_MILESTONES = frozenset({Status.PLANNED, Status.IN_PROGRESS, Status.COMPLETED})
#: states in which households may still volunteer as supervisors
OPEN_FOR_SUPERVISORS = frozenset({Status.PLANNED, Status.IN_PROGRESS})


@dataclass(frozen=True)
class Lifecycle:
    """The timestamps of one work (naive UTC)."""

    created_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    accepted_at: datetime | None = None


def status(lc: Lifecycle) -> Status:
    """The furthest stage the timestamps reach.

    >>> from datetime import datetime as dt
    >>> status(Lifecycle(dt(2026, 1, 1), started_at=dt(2026, 1, 2))).value
    'in_progress'
    """
    if lc.accepted_at is not None:
        return Status.ACCEPTED
    if lc.completed_at is not None:
        return Status.COMPLETED
    if lc.started_at is not None:
        return Status.IN_PROGRESS
    return Status.PLANNED


def allowed_actions(current: Status) -> list[Action]:
    return [a for a, (sources, _) in TRANSITIONS.items() if current in sources]


def transition(current: Status, action: Action, reason: str | None = None) -> Status:
    """The state after ``action`` or InvalidTransition / InvalidInput saying what to do."""
    sources, target = TRANSITIONS[action]
    if current not in sources:
        allowed = ", ".join(a.value for a in allowed_actions(current)) or "-"
        raise InvalidTransition(
            key="works.transition", state=current.value, action=action.value, allowed=allowed
        )
    if action in REASON_REQUIRED and not clean(reason or "", REASON_MAX_CHARS, required=False):
        raise InvalidInput(key="works.reason_required")
    return target


def apply(lc: Lifecycle, action: Action, now: datetime, reason: str | None = None) -> Lifecycle:
    """The lifecycle after ``action`` at ``now``.

    >>> from datetime import datetime as dt
    >>> lc = apply(Lifecycle(dt(2026, 1, 1)), Action.START, dt(2026, 1, 2))
    >>> lc = apply(lc, Action.COMPLETE, dt(2026, 2, 1))
    >>> status(apply(lc, Action.REOPEN, dt(2026, 2, 5), "墙皮又掉了")).value
    'in_progress'
    """
    transition(status(lc), action, reason)
    if action is Action.START:
        return replace(lc, started_at=now)
    if action is Action.COMPLETE:
        return replace(lc, completed_at=now)
    if action is Action.ACCEPT:
        return replace(lc, accepted_at=now)
    return replace(lc, completed_at=None)


# ---------------------------------------------------------------- category (R18)

_CATEGORY_WORDS: dict[str, RenovationClass] = {
    "基础类": RenovationClass.BASIC,
    "基础": RenovationClass.BASIC,
    "完善类": RenovationClass.IMPROVEMENT,
    "完善": RenovationClass.IMPROVEMENT,
    "提升类": RenovationClass.ENHANCEMENT,
    "提升": RenovationClass.ENHANCEMENT,
}

#: option element kinds → national class (国办发〔2020〕23号, DOMAIN §2.8)
KIND_CLASS: dict[str, RenovationClass] = {
    "building": RenovationClass.BASIC,  # 外墙、屋面、楼梯
    "road": RenovationClass.BASIC,
    "fire_lane": RenovationClass.BASIC,
    "footpath": RenovationClass.BASIC,
    "illegal_structure": RenovationClass.IMPROVEMENT,  # 拆除违建
    "parking_stall": RenovationClass.IMPROVEMENT,
    "parking_lot": RenovationClass.IMPROVEMENT,
    "green_belt": RenovationClass.IMPROVEMENT,
}
#: facility types → national class
FACILITY_CLASS: dict[str, RenovationClass] = {
    "waste_point": RenovationClass.BASIC,
    "lighting": RenovationClass.IMPROVEMENT,
    "ebike_shed": RenovationClass.IMPROVEMENT,
    "drying_rack": RenovationClass.IMPROVEMENT,
    "fitness": RenovationClass.IMPROVEMENT,
    "seating": RenovationClass.IMPROVEMENT,
    "gate": RenovationClass.BASIC,
    "activity_room": RenovationClass.ENHANCEMENT,
}
_ORDER = (RenovationClass.BASIC, RenovationClass.IMPROVEMENT, RenovationClass.ENHANCEMENT)


def parse_category(value: object) -> RenovationClass:
    """基础类/完善类/提升类 or basic/improvement/enhancement.

    >>> parse_category("完善类").value
    'improvement'
    """
    raw = str(value or "").strip()
    if raw in _CATEGORY_WORDS:
        return _CATEGORY_WORDS[raw]
    try:
        return RenovationClass(raw.lower())
    except ValueError:
        raise InvalidInput(key="works.category", value=raw[:40]) from None


def element_class(kind: str, facility_type: str | None = None) -> RenovationClass | None:
    """The class one option element implies, or None when its kind says nothing."""
    if kind == "facility":
        return FACILITY_CLASS.get(facility_type or "")
    return KIND_CLASS.get(kind)


def inherit_category(classes: Iterable[RenovationClass | None]) -> RenovationClass | None:
    """The class most elements of a change-set imply (ties: the more basic one), or None.

    >>> inherit_category([RenovationClass.IMPROVEMENT, RenovationClass.BASIC, None,
    ...                   RenovationClass.IMPROVEMENT]).value
    'improvement'
    """
    counts = {c: 0 for c in _ORDER}
    for c in classes:
        if c is not None:
            counts[c] += 1
    best = max(_ORDER, key=lambda c: (counts[c], -_ORDER.index(c)))
    return best if counts[best] else None


def marks_category(categories: Iterable[Category]) -> RenovationClass | None:
    """The class the linked marks' categories imply (most common; ties: more basic)."""
    return inherit_category(CATEGORY_CLASS[c] for c in categories)


# ---------------------------------------------------------------- money, dates, progress


def parse_yuan(value: object) -> int:
    """Yuan as a decimal string (at most two places, not negative) → integer fen.

    >>> parse_yuan("3000.00"), parse_yuan("0.1"), parse_yuan("12,500")
    (300000, 10, 1250000)
    """
    raw = str(value if value is not None else "").strip().replace(",", "").replace("¥", "")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise InvalidInput(key="works.amount", value=str(value)[:40]) from None
    if not amount.is_finite():
        raise InvalidInput(key="works.amount", value=raw[:40])
    if amount < 0:
        raise InvalidInput(key="works.amount_negative", value=raw[:40])
    if amount * 100 > MAX_BUDGET_FEN:
        raise InvalidInput(key="works.amount_large", value=raw[:40])
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(key="works.amount_places", value=raw[:40])
    fen = int(amount * 100)
    return fen


def format_yuan(fen: int) -> str:
    """Integer fen → "3000.00" (exact).

    >>> format_yuan(300000), format_yuan(5), format_yuan(-1234)
    ('3000.00', '0.05', '-12.34')
    """
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


def yuan_text(fen: int) -> str:
    """Integer fen → "286,000.00" for people to read (thousands grouped, exact).

    >>> yuan_text(28600000), yuan_text(5), yuan_text(-123456789)
    ('286,000.00', '0.05', '-1,234,567.89')
    """
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def check_dates(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput(key="works.dates", start=start.isoformat(), end=end.isoformat())


def check_progress(value: object, previous: int = 0) -> int:
    """A whole percentage 0–100 that does not lower the work's progress."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise InvalidInput(key="works.progress", value=str(value)[:20])
    if value < previous:
        raise InvalidInput(key="works.progress_lower", value=value, previous=previous)
    return value


def clean(value: str, max_chars: int, *, required: bool = True, what: str = "text") -> str:
    return _clean_text(value, max_chars, required=required, what=what)


def clean_title(value: str) -> str:
    text = clean(value, TITLE_MAX_CHARS, required=False).replace("\n", " ")
    if not text:
        raise InvalidInput(key="works.title_empty")
    if len(text) > TITLE_MAX_CHARS:  # pragma: no cover - clean() refuses first
        raise InvalidInput(key="works.title_long", max=TITLE_MAX_CHARS)
    return text


# ---------------------------------------------------------------- permissions


def can_manage(role: Role) -> bool:
    """Create, edit, start, complete, accept, link marks: admins and planners."""
    return role in (Role.ADMIN, Role.PLANNER)


def can_post_milestone(
    role: Role, staff_buildings: Iterable[str], work_buildings: Iterable[str]
) -> bool:
    """Admins and planners post on every work; a building chief on works that touch one of
    their buildings.

    >>> can_post_milestone(Role.BUILDING_CHIEF, ["3"], ["3", "4"])
    True
    >>> can_post_milestone(Role.BUILDING_CHIEF, ["3"], [])
    False
    """
    if can_manage(role):
        return True
    return role is Role.BUILDING_CHIEF and bool(set(staff_buildings) & set(work_buildings))


def can_volunteer(current: Status, household_id: int | None) -> bool:
    """A household (joined with its code) volunteers as supervisor before the work is done."""
    return household_id is not None and current in OPEN_FOR_SUPERVISORS
