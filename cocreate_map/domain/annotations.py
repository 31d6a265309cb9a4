"""Residents' problem marks (决策共谋): categories, lifecycle, permissions, duplicates (pure).

A mark is a point, line or polygon a resident puts on the community map with a category and a
short text. Its lifecycle is kept as timestamps; :func:`status` derives the state from them::

    submitted ──► published ──► under_discussion ──► adopted ──► in_progress ──► resolved ──► evaluated
        │  ╲           │  ╲              │  ╲
        │   ╲          │   └► declined ◄─┘   └► declined
        │    └► hidden ◄┴──────────────┘        (reason required)
        └► withdrawn (by its author, while submitted)

``hidden`` (moderation, with a reason) can be undone by staff: the mark returns to the state it
had before (submitted, published or under discussion). ``evaluated`` is
reached when the first household rates a resolved mark (1–5, 效果共评). Permission predicates take
plain values (DESIGN §4.5): ``can_edit(mark, household_id)``, ``can_act(role, buildings, mark)``.

Categories follow 国办发〔2020〕23号: 基础类 (basic, with a ``safety`` tag), 完善类 (improvement),
提升类 (enhancement), with the concrete sub-categories residents name in the seeds.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from shapely.geometry.base import BaseGeometry

from cocreate_map.errors import InvalidInput, InvalidTransition, PermissionDenied, Term

TEXT_MAX_CHARS = 500
COMMENT_MAX_CHARS = 500
REASON_MAX_CHARS = 300
DUPLICATE_RADIUS_M = 30.0


class RenovationClass(StrEnum):
    """The three national content categories (DOMAIN.md §2.8)."""

    BASIC = "basic"  # 基础类
    IMPROVEMENT = "improvement"  # 完善类
    ENHANCEMENT = "enhancement"  # 提升类


class Category(StrEnum):
    ROAD_SURFACE = "road_surface"
    LIGHTING = "lighting"
    WALLS_FACADES = "walls_facades"
    DRAINAGE = "drainage"
    ILLEGAL_STRUCTURE = "illegal_structure"
    PARKING = "parking"
    GREENERY = "greenery"
    WASTE = "waste"
    DRYING = "drying"
    ELDERLY_CHILDREN = "elderly_children"
    ACCESSIBILITY = "accessibility"
    SECURITY = "security"
    OTHER = "other"


#: sub-category → national class (国办发〔2020〕23号: 基础类 = safety and basic needs: roads,
#: drainage, walls, waste sorting, security; 完善类 = demolition of illegal structures, greening,
#: lighting, ageing/accessibility, parking; 提升类 = community services)
CATEGORY_CLASS: dict[Category, RenovationClass] = {
    Category.ROAD_SURFACE: RenovationClass.BASIC,
    Category.WALLS_FACADES: RenovationClass.BASIC,
    Category.DRAINAGE: RenovationClass.BASIC,
    Category.WASTE: RenovationClass.BASIC,
    Category.SECURITY: RenovationClass.BASIC,
    Category.LIGHTING: RenovationClass.IMPROVEMENT,
    Category.ILLEGAL_STRUCTURE: RenovationClass.IMPROVEMENT,
    Category.PARKING: RenovationClass.IMPROVEMENT,
    Category.GREENERY: RenovationClass.IMPROVEMENT,
    Category.DRYING: RenovationClass.IMPROVEMENT,
    Category.ACCESSIBILITY: RenovationClass.IMPROVEMENT,
    Category.ELDERLY_CHILDREN: RenovationClass.ENHANCEMENT,
    Category.OTHER: RenovationClass.ENHANCEMENT,
}

#: categories whose marks are safety matters unless the resident says otherwise
SAFETY_BY_DEFAULT = frozenset({Category.SECURITY, Category.DRAINAGE})

#: words in Chinese questionnaires (and English) → category, for paper imports
_CATEGORY_WORDS: dict[str, Category] = {
    "路面": Category.ROAD_SURFACE,
    "道路": Category.ROAD_SURFACE,
    "照明": Category.LIGHTING,
    "路灯": Category.LIGHTING,
    "墙面": Category.WALLS_FACADES,
    "外墙": Category.WALLS_FACADES,
    "立面": Category.WALLS_FACADES,
    "排水": Category.DRAINAGE,
    "违建": Category.ILLEGAL_STRUCTURE,
    "违章建筑": Category.ILLEGAL_STRUCTURE,
    "停车": Category.PARKING,
    "绿化": Category.GREENERY,
    "垃圾": Category.WASTE,
    "环卫": Category.WASTE,
    "晾晒": Category.DRYING,
    "一老一小": Category.ELDERLY_CHILDREN,
    "适老": Category.ELDERLY_CHILDREN,
    "无障碍": Category.ACCESSIBILITY,
    "安防": Category.SECURITY,
    "安全": Category.SECURITY,
    "治安": Category.SECURITY,
    "其他": Category.OTHER,
}


def parse_category(value: object) -> Category:
    """A category from its identifier or a common Chinese word; else InvalidInput listing both.

    >>> parse_category("路灯")
    <Category.LIGHTING: 'lighting'>
    >>> parse_category(" Road_Surface ")
    <Category.ROAD_SURFACE: 'road_surface'>
    """
    raw = str(value or "").strip()
    key = raw.lower().replace("-", "_").replace(" ", "_")
    try:
        return Category(key)
    except ValueError:
        pass
    if raw in _CATEGORY_WORDS:
        return _CATEGORY_WORDS[raw]
    raise InvalidInput(
        key="annotations.unknown_category_use_one",
        raw=raw[:40],
        items=", ".join(c.value for c in Category),
        items2=", ".join(_CATEGORY_WORDS),
    )


class Status(StrEnum):
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    HIDDEN = "hidden"
    WITHDRAWN = "withdrawn"
    UNDER_DISCUSSION = "under_discussion"
    ADOPTED = "adopted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    EVALUATED = "evaluated"


class Action(StrEnum):
    """What staff (or the author, for WITHDRAW) do to a mark."""

    PUBLISH = "publish"
    HIDE = "hide"
    UNHIDE = "unhide"
    WITHDRAW = "withdraw"
    DISCUSS = "discuss"
    ADOPT = "adopt"
    DECLINE = "decline"
    START = "start"
    RESOLVE = "resolve"


#: action → (states it may start from, resulting state, timestamp field it sets)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status, str]] = {
    Action.PUBLISH: (frozenset({Status.SUBMITTED}), Status.PUBLISHED, "published_at"),
    Action.HIDE: (
        frozenset({Status.SUBMITTED, Status.PUBLISHED, Status.UNDER_DISCUSSION}),
        Status.HIDDEN,
        "hidden_at",
    ),
    # target is "the state before the hide": apply() clears hidden_at (the audit log keeps it)
    Action.UNHIDE: (frozenset({Status.HIDDEN}), Status.PUBLISHED, "hidden_at"),
    Action.WITHDRAW: (frozenset({Status.SUBMITTED}), Status.WITHDRAWN, "withdrawn_at"),
    Action.DISCUSS: (frozenset({Status.PUBLISHED}), Status.UNDER_DISCUSSION, "discussion_at"),
    Action.ADOPT: (
        frozenset({Status.PUBLISHED, Status.UNDER_DISCUSSION}),
        Status.ADOPTED,
        "adopted_at",
    ),
    Action.DECLINE: (
        frozenset({Status.PUBLISHED, Status.UNDER_DISCUSSION}),
        Status.DECLINED,
        "declined_at",
    ),
    Action.START: (frozenset({Status.ADOPTED}), Status.IN_PROGRESS, "in_progress_at"),
    Action.RESOLVE: (frozenset({Status.IN_PROGRESS}), Status.RESOLVED, "resolved_at"),
}
#: actions that need a reason a resident can read
REASON_REQUIRED = frozenset({Action.HIDE, Action.DECLINE})
#: states in which residents see the mark on the map and in the list
PUBLIC = frozenset(
    {
        Status.PUBLISHED,
        Status.UNDER_DISCUSSION,
        Status.ADOPTED,
        Status.DECLINED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.EVALUATED,
    }
)
#: states in which households may say "me too" and comment
OPEN_FOR_SUPPORT = frozenset({Status.PUBLISHED, Status.UNDER_DISCUSSION})
OPEN_FOR_COMMENTS = PUBLIC - {Status.DECLINED}
RATEABLE = frozenset({Status.RESOLVED, Status.EVALUATED})


@dataclass(frozen=True)
class Lifecycle:
    """The timestamps of one mark (naive UTC). Later stages win over earlier ones."""

    submitted_at: datetime
    published_at: datetime | None = None
    hidden_at: datetime | None = None
    withdrawn_at: datetime | None = None
    discussion_at: datetime | None = None
    adopted_at: datetime | None = None
    declined_at: datetime | None = None
    in_progress_at: datetime | None = None
    resolved_at: datetime | None = None
    evaluated_at: datetime | None = None


def status(lc: Lifecycle) -> Status:
    """The state the timestamps say: withdrawn or hidden override; else the furthest stage."""
    if lc.withdrawn_at is not None:
        return Status.WITHDRAWN
    if lc.hidden_at is not None:
        return Status.HIDDEN
    for field, state in (
        ("evaluated_at", Status.EVALUATED),
        ("resolved_at", Status.RESOLVED),
        ("in_progress_at", Status.IN_PROGRESS),
        ("declined_at", Status.DECLINED),
        ("adopted_at", Status.ADOPTED),
        ("discussion_at", Status.UNDER_DISCUSSION),
        ("published_at", Status.PUBLISHED),
    ):
        if getattr(lc, field) is not None:
            return state
    return Status.SUBMITTED


def allowed_actions(current: Status) -> list[Action]:
    return [a for a, (sources, _, _) in TRANSITIONS.items() if current in sources]


def apply(lc: Lifecycle, action: Action, now: datetime, reason: str | None = None) -> Lifecycle:
    """The lifecycle after ``action`` at ``now``, or InvalidTransition / InvalidInput.

    >>> from datetime import datetime as dt
    >>> lc = apply(Lifecycle(dt(2026, 1, 1)), Action.PUBLISH, dt(2026, 1, 2))
    >>> status(apply(lc, Action.HIDE, dt(2026, 1, 3), "abuse")).value
    'hidden'
    >>> status(apply(apply(lc, Action.HIDE, dt(2026, 1, 3), "x"), Action.UNHIDE, dt(2026, 1, 4)))
    <Status.PUBLISHED: 'published'>
    """
    _, field = transition(status(lc), action, reason)
    if action is Action.UNHIDE:
        return replace(lc, hidden_at=None)
    return replace(lc, **{field: now})


def transition(current: Status, action: Action, reason: str | None = None) -> tuple[Status, str]:
    """(new state, timestamp field to set) or InvalidTransition / InvalidInput saying why.
    For UNHIDE the new state is the one before the hide (see :func:`apply`)."""
    sources, target, field = TRANSITIONS[action]
    if current not in sources:
        allowed = ", ".join(a.value for a in allowed_actions(current)) or "none"
        raise InvalidTransition(
            key="annotations.mark_cannot_allowed",
            current=current.value,
            action=action.value,
            allowed=allowed,
        )
    if action in REASON_REQUIRED and not clean_text(reason or "", REASON_MAX_CHARS, required=False):
        raise InvalidInput(key="annotations.needs_reason_resident_can", action=action.value)
    return target, field


# ---------------------------------------------------------------- roles and permissions


class Role(StrEnum):
    ADMIN = "admin"
    PLANNER = "planner"
    BUILDING_CHIEF = "building_chief"
    # Sees every community of its sub-district, read-only (issue 15); writes nothing unless it
    # also holds a community role on another account.
    DISTRICT_ADMIN = "district_admin"


def can_edit(author_household_id: int | None, current: Status, household_id: int | None) -> bool:
    """A resident edits or withdraws only their own mark, and only while it is submitted."""
    return (
        household_id is not None
        and author_household_id == household_id
        and current is Status.SUBMITTED
    )


def can_act(role: Role, buildings: Iterable[str], mark_building: str | None) -> bool:
    """Admins and planners act on every mark; a building chief only on marks of their buildings."""
    if role in (Role.ADMIN, Role.PLANNER):
        return True
    return mark_building is not None and mark_building in set(buildings)


def require_act(role: Role, buildings: Sequence[str], mark_building: str | None) -> None:
    if not can_act(role, buildings, mark_building):
        where = f"building {mark_building}" if mark_building else "no building"
        raise PermissionDenied(
            key="annotations.building_chief_cannot_act",
            value=", ".join(buildings) or "no building",
            where=where,
        )


# ---------------------------------------------------------------- texts, ratings, duplicates


def clean_text(value: str, max_chars: int, *, required: bool = True, what: str = "text") -> str:
    """Trim, drop control characters (keep newlines), normalise to NFC; check length.

    >>> clean_text("  路灯\\x00坏了\\n ", 20)
    '路灯坏了'
    """
    text = unicodedata.normalize("NFC", str(value))
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch)[0] != "C")
    text = text.strip()
    if required and not text:
        raise InvalidInput(key="annotations.empty_say_few_words", what=Term(f"term.{what}", what))
    if len(text) > max_chars:
        raise InvalidInput(
            key="annotations.characters_most_fit_shorten",
            what=Term(f"term.{what}", what),
            n_text=len(text),
            max_chars=max_chars,
        )
    return text


def check_rating(stars: object) -> int:
    if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidInput(key="annotations.rating_stars", stars=stars)
    return stars


@dataclass(frozen=True)
class Candidate:
    """An existing mark considered as a duplicate: id, category and metric geometry."""

    id: int
    category: Category
    geometry: BaseGeometry


def similar(
    category: Category,
    geometry: BaseGeometry,
    candidates: Iterable[Candidate],
    radius_m: float = DUPLICATE_RADIUS_M,
) -> list[tuple[int, float]]:
    """Marks of the same category within ``radius_m`` (metric CRS), nearest first.

    >>> from shapely.geometry import Point
    >>> c = [Candidate(1, Category.LIGHTING, Point(0, 29)), Candidate(2, Category.LIGHTING,
    ...      Point(0, 31)), Candidate(3, Category.DRAINAGE, Point(0, 1))]
    >>> similar(Category.LIGHTING, Point(0, 0), c)
    [(1, 29.0)]
    """
    out = []
    for c in candidates:
        if c.category is not category:
            continue
        d = float(geometry.distance(c.geometry))
        if d <= radius_m:
            out.append((c.id, round(d, 1)))
    return sorted(out, key=lambda x: (x[1], x[0]))


@dataclass(frozen=True)
class Summary:
    """What the seeds report: opinions by category and building, resolution, satisfaction."""

    total: int
    by_category: dict[str, int]
    by_class: dict[str, int]
    by_building: dict[str, int]
    by_status: dict[str, int]
    resolved: int
    adopted: int
    answered: int
    ratings: int
    rating_sum: int

    @property
    def resolution_rate(self) -> float | None:
        """Resolved (or evaluated) among the marks adopted (and further on)."""
        return None if self.adopted == 0 else self.resolved / self.adopted

    @property
    def response_rate(self) -> float | None:
        """Marks given an answer (adopted, declined or further on) among the public ones."""
        return None if self.total == 0 else self.answered / self.total

    @property
    def satisfaction(self) -> float | None:
        """Mean stars, 1–5."""
        return None if self.ratings == 0 else self.rating_sum / self.ratings


def summarise(
    marks: Iterable[tuple[Category, str | None, Status]], ratings: Iterable[int]
) -> Summary:
    by_category: dict[str, int] = {}
    by_class: dict[str, int] = {}
    by_building: dict[str, int] = {}
    by_status: dict[str, int] = {}
    total = resolved = adopted = answered = 0
    for category, building, state in marks:
        if state in (Status.WITHDRAWN, Status.HIDDEN, Status.SUBMITTED):
            by_status[state.value] = by_status.get(state.value, 0) + 1
            continue
        total += 1
        by_category[category.value] = by_category.get(category.value, 0) + 1
        cls = CATEGORY_CLASS[category].value
        by_class[cls] = by_class.get(cls, 0) + 1
        key = building or "?"
        by_building[key] = by_building.get(key, 0) + 1
        by_status[state.value] = by_status.get(state.value, 0) + 1
        if state not in (Status.PUBLISHED, Status.UNDER_DISCUSSION):
            answered += 1
        if state not in (Status.PUBLISHED, Status.UNDER_DISCUSSION, Status.DECLINED):
            adopted += 1
        if state in (Status.RESOLVED, Status.EVALUATED):
            resolved += 1
    stars = list(ratings)
    return Summary(
        total, by_category, by_class, by_building, by_status, resolved, adopted, answered,
        len(stars), sum(stars),
    )  # fmt: skip
