"""What a layout changes: parking, green, demolition, fire access, walking coverage, conflicts, cost.

Everything is measured in the community's metric CRS (m, m²). Every threshold is a field of
``MetricSettings`` (DOMAIN.md asks for configurable thresholds that show their source); every
metric key is listed in ``RULES`` with the DOMAIN.md rule it implements.

Change-aware figures (``demolished_*``, ``conflicts``, ``cost``) compare ``elements`` with the
``base`` plan by element id (``options.apply`` keeps base ids and gives new elements none). Without
a base, demolition counts illegal structures whose status is ``demolished`` and there is no cost.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, TypeVar

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from cocreate_map.domain.elements import FacilityType, IllegalStatus, Kind, PlanElement
from cocreate_map.domain.elements import geometry_family as _family
from cocreate_map.domain.network import WALKABLE_KINDS, build_walk_graph, walk_distances
from cocreate_map.errors import InvalidInput
from cocreate_map.i18n import translate

BASIC, IMPROVEMENT, UPGRADE = "基础类", "完善类", "提升类"  # 国办发〔2020〕23号, DOMAIN §2.8
CATEGORIES = (BASIC, IMPROVEMENT, UPGRADE)

RULES: dict[str, str] = {
    "parking_stalls": "§2.4/R13: stall features by stall_count; lots without stall_count estimated "
    "as floor(area / (stall_w × (stall_d + aisle/2))), 2.5 × 5.3 m stall, 5.5 m aisle",
    "accessible_stalls_required": "§2.5/R13 GB 50763-2012: ≥ 0.5 % of stalls, ceil, exact integers",
    "accessible_stalls": "stalls whose attribute accessible is true (R13 warning when short)",
    "bike_places": "bike_parking stall_count (§2.4)",
    "ebike_places": "ebike_shed facilities: stall_count, else floor(area / 2.2 m²) (§2.4, R15)",
    "green_area_m2": "§2.2: green_belt ∩ boundary, overlaps unioned, minus hard cover "
    "(buildings, stalls, lots, sheds, roads, built facilities)",
    "green_ratio": "§2.2 绿地率 = green_area_m2 / community area; R14 warning below 25 % (旧区 [S])",
    "centralised_green_m2": "§2.2 GB 50180 4.0.7: green parts ≥ 8 m wide (opening by 4 m)",
    "centralised_green_per_person_m2": "§2.2 4.0.7/R14b: ≥ 0.35 m²/person in renewal; persons = "
    "households × persons_per_household (default 3.2, R14)",
    "demolished_count": "§2.8 完善类 拆除违法建设: base buildings/illegal structures removed or "
    "set to status demolished",
    "demolished_area_m2": "area of the demolished elements",
    "fire_lane_min_clear_width_m": "§2.3 GB 50016 7.1.8/R11: ≥ 4.0 m clear; cross-sections every "
    "1 m and at every obstacle vertex in the lane, longest free piece after obstacles",
    "walk_coverage": "§2.1/R17: share of households within 300 m network walk per facility type; "
    "key waste_point_120m: R16 / §2.6 120 m service radius",
    "conflicts": "new elements overlapping buildings, fire lanes, each other, or outside the boundary",
    "cost": "R18: placeholder unit costs, totals by 基础类/完善类/提升类 (§2.8)",
}

FACILITY_CATEGORY: dict[str, str] = {
    FacilityType.WASTE_POINT: BASIC,  # 生活垃圾分类
    FacilityType.GATE: BASIC,  # 安防
    FacilityType.LIGHTING: IMPROVEMENT,
    FacilityType.EBIKE_SHED: IMPROVEMENT,
    FacilityType.DRYING_RACK: IMPROVEMENT,
    FacilityType.FITNESS: IMPROVEMENT,
    FacilityType.SEATING: IMPROVEMENT,
    FacilityType.PLAYGROUND: IMPROVEMENT,
    FacilityType.ACTIVITY_ROOM: UPGRADE,  # 社区综合服务设施
    FacilityType.ELDERLY_CARE: UPGRADE,
    FacilityType.KINDERGARTEN: UPGRADE,
    FacilityType.SHOP: UPGRADE,
    FacilityType.CLINIC: UPGRADE,
    FacilityType.OTHER: IMPROVEMENT,
}
BUILT_FACILITIES = frozenset(
    {
        FacilityType.EBIKE_SHED,
        FacilityType.ACTIVITY_ROOM,
        FacilityType.ELDERLY_CARE,
        FacilityType.KINDERGARTEN,
        FacilityType.SHOP,
        FacilityType.CLINIC,
    }
)
_TRUE = {"1", "true", "yes", "y", "是", "t"}
_AREA_TOL = 0.01  # m²: overlaps smaller than this are drawing noise


@dataclass(frozen=True)
class UnitCosts:
    """Unit costs in CNY. **PLACEHOLDERS** — not from any price list (DOMAIN §6: unverified);
    replace with the project's own estimates before showing a cost to residents."""

    per_stall: float = 3_000.0  # marking + surfacing one car stall
    per_m2_green: float = 150.0  # new or restored planting
    per_m2_demolished: float = 200.0  # demolition + clearance
    per_m2_paving: float = 300.0  # road / footpath / fire-lane surface
    per_ebike_shed: float = 60_000.0
    per_bike_place: float = 300.0
    per_light: float = 3_000.0
    per_waste_point: float = 15_000.0
    per_other_facility: float = 20_000.0


@dataclass(frozen=True)
class MetricSettings:
    """Thresholds and assumptions, each with its DOMAIN.md source."""

    stall_width_m: float = 2.5  # §2.4 default perpendicular stall
    stall_depth_m: float = 5.3
    aisle_width_m: float = 5.5  # §2.4/R13 aisle behind perpendicular stalls
    min_stall_width_m: float = 2.4  # R13 hard minimum
    accessible_ratio: Fraction = Fraction(1, 200)  # §2.5 0.5 %
    persons_per_household: float = 3.2  # R14 planning assumption
    central_green_m2_per_person: float = 0.35  # §2.2 4.0.7 旧区改建
    central_green_min_width_m: float = 8.0  # §2.2 4.0.7
    green_ratio_min: float = 0.25  # §2.2 旧区改建 [S]
    fire_lane_min_width_m: float = 4.0  # §2.3 7.1.8 / R11
    fire_lane_default_width_m: float = 4.0  # width of a fire lane drawn as a line
    width_tolerance_m: float = 0.05  # drawing/reprojection noise ignored by the R11 check
    cross_section_step_m: float = 1.0
    walk_radius_m: float = 300.0  # §2.1 5-min circle
    waste_radius_m: float = 120.0  # §2.6
    ebike_m2_per_place: float = 2.2  # §2.4 Anhui guide
    ebike_min_distance_m: float = 6.0  # multi-storey, [R], warning
    ebike_min_distance_highrise_m: float = 9.0  # Beijing DB11/1624-2019
    highrise_height_m: float = 27.0  # residential high-rise above 27 m
    walk_grid_m: float = 2.0
    walk_max_access_m: float = 30.0
    costs: UnitCosts = field(default_factory=UnitCosts)


@dataclass(frozen=True)
class Label:
    """An element named inside a violation text: its name, else its kind (in the reader's
    language) and id."""

    name: str | None
    kind: str
    id: int | None = None

    def render(self, lang: str) -> str:
        if self.name:
            return self.name
        kind = self.kind if lang == "en" else translate(lang, f"kind.{self.kind}")
        return f"{kind}#{self.id if self.id is not None else '?'}"


@dataclass(frozen=True)
class FacilityName:
    """A facility type inside a violation text (the slug in English, as before)."""

    ftype: str

    def render(self, lang: str) -> str:
        return self.ftype if lang == "en" else translate(lang, f"facility.{self.ftype}")


@dataclass(frozen=True)
class Violation:
    """A rule a layout breaks. ``key`` names ``violation.<key>`` in ``locales/*.violations.json``;
    ``params`` fill it (``Label`` / ``FacilityName`` render in the reader's language)."""

    rule: str
    key: str
    params: tuple[tuple[str, object], ...] = ()
    location: Point | None = None
    severity: Literal["error", "warning"] = "error"

    def render(self, lang: str) -> str:
        """The text in ``lang`` ("zh" or "en")."""
        values = {
            k: v.render(lang) if isinstance(v, Label | FacilityName) else v for k, v in self.params
        }
        return translate(lang, f"violation.{self.key}", **values)

    @property
    def message(self) -> str:
        """The English text (CLI, logs, comparisons)."""
        return self.render("en")


def _violation(
    rule: str,
    key: str,
    location: Point | None = None,
    severity: Literal["error", "warning"] = "error",
    **params: object,
) -> Violation:
    return Violation(rule, key, tuple(params.items()), location, severity)


@dataclass(frozen=True)
class Conflict:
    reason: Literal["building", "fire_lane", "overlap", "outside_boundary"]
    element: str
    other: str | None
    location: Point


@dataclass(frozen=True)
class Narrowing:
    """A stretch of fire lane below the required clear width: its narrowest point."""

    location: Point
    clear_width_m: float
    section: BaseGeometry | None = None  # the cross-section there, edge to edge of the lane


@dataclass(frozen=True)
class ClearWidth:
    min_m: float
    location: Point
    narrowings: tuple[Narrowing, ...]
    section: BaseGeometry | None = None  # the narrowest cross-section, edge to edge


@dataclass(frozen=True)
class CostLine:
    item: str
    category: str
    quantity: float
    unit_cost: float

    @property
    def total(self) -> float:
        return self.quantity * self.unit_cost


@dataclass(frozen=True)
class Cost:
    lines: tuple[CostLine, ...] = ()

    @property
    def by_category(self) -> dict[str, float]:
        out = dict.fromkeys(CATEGORIES, 0.0)
        for line in self.lines:
            out[line.category] += line.total
        return out

    @property
    def total(self) -> float:
        return sum(self.by_category.values())


@dataclass(frozen=True)
class Metrics:
    """The figures of one layout; see ``RULES`` for what each key means."""

    parking_stalls: int
    parking_stalls_estimated: int
    accessible_stalls_required: int
    accessible_stalls: int
    bike_places: int
    ebike_places: int
    community_area_m2: float
    green_area_m2: float
    green_occupied_m2: float
    green_ratio: float
    households: int
    persons: float
    centralised_green_m2: float
    centralised_green_per_person_m2: float | None
    demolished_count: int
    demolished_area_m2: float
    fire_lane_min_clear_width_m: float | None
    fire_lane_min_location: Point | None
    fire_lane_narrowings: tuple[Narrowing, ...]
    walk_coverage: dict[str, float]
    walk_fallback_buildings: tuple[str, ...]
    conflicts: tuple[Conflict, ...]
    cost: Cost
    violations: tuple[Violation, ...]
    fire_lane_min_section: BaseGeometry | None = None  # the narrowest cross-section (R11)

    def scalars(self) -> dict[str, float | None]:
        """Flat numeric view used by ``compare``."""
        out: dict[str, float | None] = {
            k: getattr(self, k)
            for k in (
                "parking_stalls",
                "accessible_stalls_required",
                "accessible_stalls",
                "bike_places",
                "ebike_places",
                "green_area_m2",
                "green_ratio",
                "centralised_green_m2",
                "centralised_green_per_person_m2",
                "demolished_count",
                "demolished_area_m2",
                "fire_lane_min_clear_width_m",
            )
        }
        for key, share in self.walk_coverage.items():
            out[f"walk_coverage.{key}"] = share
        out["conflicts"] = len(self.conflicts)
        out["violations"] = len(self.violations)
        out["cost_total"] = self.cost.total
        for cat, total in self.cost.by_category.items():
            out[f"cost.{cat}"] = total
        return out


# ----------------------------------------------------------------------------------- helpers


def _label(e: PlanElement) -> str:
    return e.name or f"{e.kind.value}#{e.id if e.id is not None else '?'}"


def _name(e: PlanElement) -> Label:
    return Label(e.name, e.kind.value, e.id)


def _polygons(elements: Iterable[PlanElement]) -> list[BaseGeometry]:
    return [e.geometry for e in elements if _family(e.geometry) == "polygon"]


def _union(geoms: Sequence[BaseGeometry]) -> BaseGeometry:
    return shapely.union_all(list(geoms)) if geoms else shapely.Polygon()


def _ftype(e: PlanElement) -> str:
    return str(e.attrs.get("facility_type", FacilityType.OTHER.value))


def _standing(e: PlanElement) -> bool:
    """False for an illegal structure already demolished."""
    return not (
        e.kind is Kind.ILLEGAL_STRUCTURE and e.attrs.get("status") == IllegalStatus.DEMOLISHED
    )


def _truthy(value: object) -> bool:
    return value is True or str(value).strip().lower() in _TRUE


def lot_capacity(area_m2: float, settings: MetricSettings | None = None) -> int:
    """Stalls that fit a surface lot: one stall plus half a shared aisle per stall module.

    2.5 × (5.3 + 5.5/2) = 20.125 m² per stall by default (§2.4, R13).

    >>> lot_capacity(805.0)   # 50 m × 16.1 m: two rows of 20 stalls facing one 5.5 m aisle
    40
    """
    s = settings or MetricSettings()
    module = s.stall_width_m * (s.stall_depth_m + s.aisle_width_m / 2)
    return int(math.floor(area_m2 / module + 1e-9))


def accessible_stalls_required(stalls: int, ratio: Fraction = Fraction(1, 200)) -> int:
    """ceil(ratio × stalls) in exact integer arithmetic (GB 50763-2012, §2.5).

    >>> accessible_stalls_required(150), accessible_stalls_required(200), accessible_stalls_required(201)
    (1, 1, 2)
    """
    return -(-stalls * ratio.numerator // ratio.denominator)


def count_stalls(elements: Iterable[PlanElement], settings: MetricSettings | None = None) -> int:
    """Car stalls: stall features by stall_count, lots by stall_count or ``lot_capacity``.

    >>> from shapely import box
    >>> els = [PlanElement(Kind.PARKING_STALL, box(0, 0, 2.5, 5.3)),
    ...        PlanElement(Kind.PARKING_LOT, box(10, 0, 60, 16.1)),
    ...        PlanElement(Kind.PARKING_LOT, box(0, 20, 9, 29), attrs={"stall_count": 3})]
    >>> count_stalls(els)
    44
    """
    s = settings or MetricSettings()
    total = 0
    for e in elements:
        if e.kind is Kind.PARKING_STALL:
            total += int(e.attrs.get("stall_count", 1))
        elif e.kind is Kind.PARKING_LOT:
            given = e.attrs.get("stall_count")
            total += int(given) if given is not None else lot_capacity(e.geometry.area, s)
    return total


_HARD_KINDS = (Kind.BUILDING, Kind.PARKING_STALL, Kind.PARKING_LOT, Kind.BIKE_PARKING)
_PAVED_KINDS = (Kind.ROAD, Kind.FOOTPATH, Kind.FIRE_LANE, Kind.ILLEGAL_STRUCTURE)


def _cover_elements(elements: Iterable[PlanElement]) -> list[PlanElement]:
    """Standing polygons that are not green: buildings, stalls, lots, sheds, roads, built
    facilities (§2.2)."""
    return [
        e
        for e in elements
        if _family(e.geometry) == "polygon"
        and _standing(e)
        and (
            e.kind in _HARD_KINDS
            or e.kind in _PAVED_KINDS
            or (e.kind is Kind.FACILITY and _ftype(e) in BUILT_FACILITIES)
        )
    ]


def _touching(area: BaseGeometry, elements: Sequence[PlanElement]) -> list[PlanElement]:
    """The elements whose geometry intersects ``area``, in their order (STRtree candidates, then
    the exact predicate): what lies elsewhere cannot change a difference with ``area``."""
    if area.is_empty or not elements:
        return []
    tree = shapely.STRtree(shapely.get_parts(area))
    hit = tree.query([e.geometry for e in elements], predicate="intersects")[0]
    return [elements[i] for i in np.unique(hit)]


def _gross_green(elements: Iterable[PlanElement], boundary: BaseGeometry) -> BaseGeometry:
    """Green belts unioned and cut to the boundary (before hard cover is taken away)."""
    greens = _polygons(e for e in elements if e.kind is Kind.GREEN_BELT)
    if not greens:
        return shapely.Polygon()
    return shapely.intersection(boundary, _union(greens))


def _minus_cover(green: BaseGeometry, covers: Sequence[PlanElement]) -> BaseGeometry:
    """``green`` minus the union of the covers that touch it."""
    cover = _union([e.geometry for e in covers])
    return green if cover.is_empty else shapely.difference(green, cover)


def net_green(elements: Sequence[PlanElement], boundary: BaseGeometry) -> BaseGeometry:
    """Green space inside the boundary, overlaps unioned, hard cover removed (§2.2).

    >>> from shapely import box
    >>> lawn = PlanElement(Kind.GREEN_BELT, box(0, 0, 20, 10))
    >>> car = PlanElement(Kind.PARKING_STALL, box(0, 0, 2.5, 5.3))
    >>> net_green([lawn, car], box(0, 0, 100, 100)).area   # 200 - 13.25
    186.75
    """
    green = _gross_green(elements, boundary)
    if green.is_empty:
        return green
    return _minus_cover(green, _touching(green, _cover_elements(elements)))


# ------------------------------------------------------------------------ fire-lane clear width


def _rings(geom: BaseGeometry) -> list[BaseGeometry]:
    out: list[BaseGeometry] = []
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        out.append(poly.exterior)
        out.extend(poly.interiors)
    return out


def fire_lane_clear_width(
    lane: BaseGeometry,
    obstacles: BaseGeometry,
    *,
    width_m: float | None = None,
    step_m: float = 1.0,
    required_m: float = 4.0,
    tolerance_m: float = 0.05,
) -> ClearWidth | None:
    """Minimum clear width of a lane polygon after obstacles (R11), with its location.

    Cross-sections start every ``step_m`` along each edge of the lane polygon and run inwards,
    perpendicular to that edge, across the lane (for a band this is the same as perpendicular to
    its centreline); each is cut to the lane and capped at 1.5 × the lane width, and a section that
    has not crossed the lane by then (one starting on an end edge or an outer corner, which would
    run lengthwise) is dropped. Besides the sections every ``step_m``, a section also starts at the
    foot of every vertex of every obstacle inside the lane (and 1 mm either side of it), so a post
    that falls between two regular sections still counts: the free length of a section changes
    linearly between obstacle vertices, so its smallest value along a lane edge is at one of them.
    The clear width of a section is its longest piece free of obstacles; the lane's clear width is
    the smallest of these.

    >>> from shapely import box
    >>> lane = box(0, 48, 100, 52)                    # 4 m lane
    >>> stall = box(40, 51, 42.5, 56.3)               # stall intruding 1 m
    >>> cw = fire_lane_clear_width(lane, stall)
    >>> round(cw.min_m, 3), len(cw.narrowings)
    (3.0, 1)
    """
    if lane.is_empty or lane.area <= 0:
        return None
    rings = _rings(lane)
    hint = width_m if width_m else 2 * lane.area / lane.length
    cap = 1.5 * hint
    inside = shapely.get_coordinates(shapely.intersection(obstacles, lane))
    vertices = shapely.points(inside) if inside.size else np.empty(0, dtype=object)
    starts: list[np.ndarray] = []
    normals: list[np.ndarray] = []
    kinds: list[np.ndarray] = []  # True: a regular section (every step_m), False: at a vertex
    for ring in rings:
        length = ring.length
        n = max(1, math.ceil(length / step_m))
        ds = np.arange(n) * (length / n)
        regular = np.ones(ds.size, dtype=bool)
        if vertices.size:
            near = vertices[shapely.distance(vertices, ring) <= cap]
            feet = shapely.line_locate_point(ring, near)
            extra = np.concatenate([feet, feet - 0.001, feet + 0.001]) % length
            ds = np.concatenate([ds, extra])
            regular = np.concatenate([regular, np.zeros(extra.size, dtype=bool)])
        kinds.append(regular)
        eps = min(0.01, length / 10)
        p = shapely.get_coordinates(shapely.line_interpolate_point(ring, ds))
        a = shapely.get_coordinates(shapely.line_interpolate_point(ring, (ds - eps) % length))
        b = shapely.get_coordinates(shapely.line_interpolate_point(ring, (ds + eps) % length))
        t = b - a
        norm = np.hypot(t[:, 0], t[:, 1])
        norm[norm == 0] = 1.0
        nrm = np.column_stack([-t[:, 1], t[:, 0]]) / norm[:, None]
        probe = p + nrm * 0.05
        flip = ~shapely.contains_xy(lane, probe[:, 0], probe[:, 1])
        nrm[flip] *= -1
        starts.append(p)
        normals.append(nrm)
    p = np.concatenate(starts)
    nrm = np.concatenate(normals)
    is_regular = np.concatenate(kinds)
    rays = shapely.linestrings(np.stack([p - nrm * 0.01, p + nrm * cap], axis=1))
    pieces, idx = shapely.get_parts(shapely.intersection(rays, lane), return_index=True)
    lines = shapely.get_type_id(pieces) == 1
    pieces, idx = pieces[lines], idx[lines]
    near = shapely.distance(pieces, shapely.points(p[idx])) < 0.02
    pieces, idx = pieces[near], idx[near]
    # one section per start point (the piece that touches it)
    _, first = np.unique(idx, return_index=True)
    sections, idx = pieces[first], idx[first]
    regular = is_regular[idx]
    # a section still inside the lane at the cap runs along the lane (end edges, outer corners)
    across = shapely.length(sections) < cap - 0.02
    if across.any():
        sections, regular = sections[across], regular[across]
    if sections.size == 0:
        return None
    widths = shapely.length(sections)
    if not obstacles.is_empty:
        # only the sections an obstacle touches lose length (STRtree candidates, exact predicate)
        tree = shapely.STRtree(shapely.get_parts(obstacles))
        hit = np.unique(tree.query(sections, predicate="intersects")[0])
        if hit.size:
            free, fidx = shapely.get_parts(
                shapely.difference(sections[hit], obstacles), return_index=True
            )
            cut = np.zeros(hit.size)
            np.maximum.at(cut, fidx, shapely.length(free))
            widths[hit] = cut
    k = int(np.argmin(widths))
    location = shapely.line_interpolate_point(sections[k], 0.5, normalized=True)
    narrow = np.nonzero(widths < required_m - tolerance_m)[0]
    narrowings: list[Narrowing] = []
    if narrow.size:
        # stretches are grouped from the regular sections (every step_m); a section at a vertex
        # joins the stretch it lies in, or starts one of its own (a post between two sections)
        def grouped(secs: np.ndarray) -> np.ndarray:
            if secs.size == 0:
                return np.empty(0, dtype=object)
            parts: np.ndarray = shapely.get_parts(
                shapely.union_all(shapely.buffer(secs, step_m * 0.75))
            )
            return parts

        zones = grouped(sections[narrow[regular[narrow]]])
        loose = narrow[~regular[narrow]]
        if zones.size and loose.size:
            hit = shapely.STRtree(zones).query(sections[loose], predicate="intersects")[0]
            loose = np.delete(loose, np.unique(hit))
        zones = np.concatenate([zones, grouped(sections[loose])])
        which = shapely.STRtree(zones).query(sections[narrow], predicate="intersects")
        zone_of: dict[int, int] = {}
        for sec_i, zone_i in zip(which[0], which[1], strict=True):
            j = int(narrow[sec_i])
            zone_of[j] = min(zone_of.get(j, int(zone_i)), int(zone_i))
        best: dict[int, int] = {}
        for j, z in zone_of.items():
            if z not in best or (widths[j], j) < (widths[best[z]], best[z]):
                best[z] = j
        for j in sorted(best.values(), key=lambda j: (widths[j], j)):
            loc = shapely.line_interpolate_point(sections[j], 0.5, normalized=True)
            narrowings.append(Narrowing(loc, float(widths[j]), sections[j]))
    return ClearWidth(float(widths[k]), location, tuple(narrowings), sections[k])


def _lane_polygon(e: PlanElement, settings: MetricSettings) -> tuple[BaseGeometry, float | None]:
    width = e.attrs.get("width_m")
    if _family(e.geometry) == "line":
        w = float(width or settings.fire_lane_default_width_m)
        return e.geometry.buffer(w / 2, cap_style="flat"), w
    return e.geometry, float(width) if width else None


_OBSTACLE_KINDS = (
    Kind.BUILDING,
    Kind.PARKING_STALL,
    Kind.PARKING_LOT,
    Kind.BIKE_PARKING,
    Kind.ILLEGAL_STRUCTURE,
    Kind.FACILITY,
)


def _obstacle_elements(elements: Iterable[PlanElement]) -> list[PlanElement]:
    """Standing polygons that narrow a fire lane (R11)."""
    return [
        e
        for e in elements
        if e.kind in _OBSTACLE_KINDS and _standing(e) and _family(e.geometry) == "polygon"
    ]


# ------------------------------------------------------------------------------ memo of parts

T = TypeVar("T")


class MetricsCache:
    """Parts of the metrics kept between calls, keyed by the *identity* of the elements they were
    computed from (plus the settings that shaped them).

    Give one cache to the base plan's ``compute_metrics`` and to every option's: an option keeps
    the base's unchanged ``PlanElement`` objects (``options.apply``), so whatever its change-set
    does not touch — the walking graph, each type's walking distances, each fire lane's clear
    width, the green after hard cover, the paved area — is found here instead of computed again.
    Elements must not be mutated while a cache holds them (the services build fresh ones per data
    version). An entry keeps its elements alive, so an ``id()`` in a key cannot be reused while
    the entry exists. Thread-safe; the oldest entries go beyond ``max_entries``.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[tuple[object, ...], tuple[tuple[object, ...], object]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.computed: Counter[str] = Counter()  # part -> times computed (cache misses)

    def get(
        self, part: str, objects: Sequence[object], extra: Hashable, compute: Callable[[], T]
    ) -> T:
        key = (part, extra, tuple(map(id, objects)))
        with self._lock:
            found = self._entries.get(key)
            if found is not None and all(a is b for a, b in zip(found[0], objects, strict=True)):
                self._entries.move_to_end(key)
                self.hits += 1
                return found[1]  # type: ignore[return-value]
            self.computed[part] += 1
        value = compute()
        with self._lock:
            self._entries[key] = (tuple(objects), value)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value


# --------------------------------------------------------------------------------- main entry


def _diff(
    elements: Sequence[PlanElement], base: Sequence[PlanElement] | None
) -> tuple[list[PlanElement], list[PlanElement], list[PlanElement]]:
    """(new, modified, removed) elements relative to ``base`` (matched by id)."""
    if base is None:
        return [], [], []
    base_by_id = {b.id: b for b in base if b.id is not None}
    ids = {e.id for e in elements if e.id is not None}
    new = [e for e in elements if e.id is None or e.id not in base_by_id]

    def changed(e: PlanElement, before: PlanElement) -> bool:
        return e is not before and (
            e.kind is not before.kind
            or e.attrs != before.attrs
            or not shapely.equals_exact(e.geometry, before.geometry)
        )

    modified = [e for e in elements if e.id in base_by_id and changed(e, base_by_id[e.id])]
    removed = [b for i, b in base_by_id.items() if i not in ids]
    return new, modified, removed


def _households(
    buildings: Sequence[PlanElement], by_building: Mapping[int, int] | None
) -> list[int]:
    out = []
    for b in buildings:
        if by_building is not None and b.id is not None and b.id in by_building:
            out.append(int(by_building[b.id]))
        else:
            out.append(int(b.attrs.get("households", 0)))
    return out


def _candidates(geom: BaseGeometry, tree: shapely.STRtree) -> list[int]:
    """Indices (ascending: the list's order) whose bounding boxes meet ``geom``'s."""
    return sorted(int(i) for i in tree.query(geom))


def _conflicts(
    changed: Sequence[PlanElement],
    elements: Sequence[PlanElement],
    boundary: BaseGeometry,
    cache: MetricsCache,
) -> list[Conflict]:
    out: list[Conflict] = []
    hard_kinds = (
        Kind.BUILDING,
        Kind.PARKING_STALL,
        Kind.PARKING_LOT,
        Kind.BIKE_PARKING,
        Kind.ILLEGAL_STRUCTURE,
        Kind.FACILITY,
        Kind.GREEN_BELT,
    )
    if not changed:
        return out
    buildings = [e for e in elements if e.kind is Kind.BUILDING]
    lanes = [e for e in elements if e.kind is Kind.FIRE_LANE]
    outside_tol = cache.get("boundary+1cm", (boundary,), None, lambda: boundary.buffer(0.01))
    hard_new = [e for e in changed if e.kind in hard_kinds and _standing(e)]
    for e in changed:
        if e.kind is Kind.BOUNDARY:
            continue
        if not outside_tol.covers(e.geometry):
            spot = e.geometry.difference(boundary).representative_point()
            out.append(Conflict("outside_boundary", _label(e), None, spot))
    # a pair whose bounding boxes do not meet has an empty intersection: the trees only skip those
    building_tree = shapely.STRtree([b.geometry for b in buildings])
    lane_tree = shapely.STRtree([lane.geometry for lane in lanes])
    for e in hard_new:
        g = e.geometry
        for k in _candidates(g, building_tree):
            b = buildings[k]
            if b is not e and g.intersection(b.geometry).area > _AREA_TOL:
                spot = g.intersection(b.geometry).representative_point()
                out.append(Conflict("building", _label(e), _label(b), spot))
        if e.kind is not Kind.GREEN_BELT:
            for k in _candidates(g, lane_tree):
                lane = lanes[k]
                cut = g.intersection(lane.geometry)
                if cut.area > _AREA_TOL or (_family(g) == "point" and not cut.is_empty):
                    if _family(g) == "point" and _ftype(e) in (
                        FacilityType.LIGHTING,
                        FacilityType.GATE,
                    ):
                        continue
                    out.append(
                        Conflict("fire_lane", _label(e), _label(lane), cut.representative_point())
                    )
    for i, a in enumerate(hard_new):
        for b in hard_new[i + 1 :]:
            if Kind.GREEN_BELT in (a.kind, b.kind):
                continue
            cut = a.geometry.intersection(b.geometry)
            if cut.area > _AREA_TOL:
                out.append(Conflict("overlap", _label(a), _label(b), cut.representative_point()))
    return out


@dataclass(frozen=True)
class _Green:
    """Green figures of one plan (§2.2)."""

    gross: BaseGeometry  # green belts unioned, cut to the boundary
    net: BaseGeometry  # minus hard cover
    central_m2: float  # parts ≥ central_green_min_width_m wide


def _central_green_m2(green: BaseGeometry, settings: MetricSettings) -> float:
    """Area of the parts of ``green`` at least ``central_green_min_width_m`` wide (an opening by
    half that width, mitred, cut back to the green; GB 50180 4.0.7)."""
    if green.is_empty or not green.area:
        return 0.0
    half = settings.central_green_min_width_m / 2
    core = green.buffer(-half, join_style="mitre")
    if core.is_empty:
        return 0.0
    return float(shapely.intersection(core.buffer(half, join_style="mitre"), green).area)


def _green(
    elements: Sequence[PlanElement],
    boundary: BaseGeometry,
    settings: MetricSettings,
    cache: MetricsCache,
) -> _Green:
    greens = [e for e in elements if e.kind is Kind.GREEN_BELT]
    gross = cache.get(
        "gross_green", (boundary, *greens), None, lambda: _gross_green(greens, boundary)
    )
    if gross.is_empty:
        return _Green(gross, gross, 0.0)
    covers = _touching(gross, _cover_elements(elements))

    def net() -> _Green:
        green = _minus_cover(gross, covers)
        return _Green(gross, green, _central_green_m2(green, settings))

    extra = settings.central_green_min_width_m
    return cache.get("net_green", (gross, *covers), extra, net)


def _boundary_of(elements: Sequence[PlanElement], cache: MetricsCache) -> BaseGeometry:
    bounds = [e for e in elements if e.kind is Kind.BOUNDARY and _family(e.geometry) == "polygon"]
    if not bounds:
        raise InvalidInput(key="metrics.community_boundary_draw_import")
    return cache.get("boundary", bounds, None, lambda: _union([e.geometry for e in bounds]))


def _narrowest_sides(stalls: Sequence[PlanElement]) -> list[float]:
    """The shorter side of each stall's minimum rotated rectangle (its first two sides)."""
    if not stalls:
        return []
    rects = shapely.minimum_rotated_rectangle([e.geometry for e in stalls])
    xy, which = shapely.get_coordinates(rects, return_index=True)
    if xy.shape[0] == 5 * len(stalls) and (np.bincount(which) == 5).all():  # all rectangles
        corners = xy.reshape(len(stalls), 5, 2)[:, :3]
        sides = np.hypot(*np.moveaxis(np.diff(corners, axis=1), 2, 0))
        return [float(v) for v in sides.min(axis=1)]
    out = []
    for rect in rects:  # a degenerate stall's "rectangle" is a line or a point
        corners = shapely.get_coordinates(rect)[:3]
        out.append(float(np.hypot(*np.diff(corners, axis=0).T).min()))
    return out


def _parking(
    elements: Sequence[PlanElement], s: MetricSettings, violations: list[Violation]
) -> tuple[int, int, int, int, int]:
    """(stalls, estimated, accessible required, accessible, bike places) — §2.4, §2.5, R13."""
    stalls = count_stalls(elements, s)
    estimated = sum(
        lot_capacity(e.geometry.area, s)
        for e in elements
        if e.kind is Kind.PARKING_LOT and e.attrs.get("stall_count") is None
    )
    required = accessible_stalls_required(stalls, s.accessible_ratio)
    accessible = sum(
        int(e.attrs.get("stall_count", 1))
        for e in elements
        if e.kind in (Kind.PARKING_STALL, Kind.PARKING_LOT) and _truthy(e.attrs.get("accessible"))
    )
    if accessible < required:
        violations.append(
            _violation(
                "R13",
                "accessible_short",
                severity="warning",
                stalls=stalls,
                required=required,
                accessible=accessible,
            )
        )
    singles = [
        e
        for e in elements
        if e.kind is Kind.PARKING_STALL
        and _family(e.geometry) == "polygon"
        and int(e.attrs.get("stall_count", 1)) == 1
    ]
    for e, narrowest in zip(singles, _narrowest_sides(singles), strict=True):
        if narrowest < s.min_stall_width_m - 1e-6:
            violations.append(
                _violation(
                    "R13",
                    "stall_narrow",
                    e.geometry.centroid,
                    label=_name(e),
                    width=float(narrowest),
                    min=s.min_stall_width_m,
                )
            )
    bikes = sum(int(e.attrs.get("stall_count", 0)) for e in elements if e.kind is Kind.BIKE_PARKING)
    return stalls, estimated, required, accessible, bikes


def _ebike_sheds(
    elements: Sequence[PlanElement],
    lanes: Sequence[tuple[PlanElement, BaseGeometry, float | None]],
    buildings: Sequence[PlanElement],
    s: MetricSettings,
    violations: list[Violation],
) -> int:
    """E-bike places, and the sheds' size, fire-lane and distance checks (§2.4, R15)."""
    ebike = 0
    for e in elements:
        if e.kind is not Kind.FACILITY or _ftype(e) != FacilityType.EBIKE_SHED:
            continue
        given = e.attrs.get("stall_count")
        places = (
            int(given)
            if given is not None
            else int(math.floor(e.geometry.area / s.ebike_m2_per_place + 1e-9))
        )
        ebike += places
        where = e.geometry.centroid
        if given and _family(e.geometry) == "polygon":
            per = e.geometry.area / int(given)
            if per < s.ebike_m2_per_place - 1e-9:
                violations.append(
                    _violation(
                        "R15",
                        "ebike_crowded",
                        where,
                        label=_name(e),
                        per=per,
                        need=s.ebike_m2_per_place,
                        total=int(given) * s.ebike_m2_per_place,
                        n=int(given),
                    )
                )
        for lane, poly, _w in lanes:
            if e.geometry.intersects(poly) and (
                _family(e.geometry) != "polygon" or e.geometry.intersection(poly).area > 0
            ):
                violations.append(
                    _violation("R15", "on_fire_lane", where, label=_name(e), lane=_name(lane))
                )
        for b in buildings:
            high = float(b.attrs.get("height_m", 0)) > s.highrise_height_m
            limit = s.ebike_min_distance_highrise_m if high else s.ebike_min_distance_m
            gap = e.geometry.distance(b.geometry)
            if gap < limit - 1e-9:
                violations.append(
                    _violation(
                        "R15",
                        "ebike_too_close",
                        where,
                        "error" if high else "warning",
                        label=_name(e),
                        gap=gap,
                        building=_name(b),
                        limit=limit,
                    )
                )
    return ebike


def _green_checks(
    green: _Green,
    area: float,
    persons: float,
    s: MetricSettings,
    violations: list[Violation],
) -> tuple[float, float, float | None]:
    """(green ratio, occupied m², centralised m² per person) and the R14 checks."""
    green_area = float(green.net.area)
    gross_area = float(green.gross.area)
    occupied = gross_area - green_area if green_area else 0.0
    if not green_area and not green.gross.is_empty:
        occupied = gross_area
    ratio = green_area / area
    if ratio < s.green_ratio_min:
        violations.append(
            _violation(
                "R14", "green_ratio_low", severity="warning", ratio=ratio, min=s.green_ratio_min
            )
        )
    per_person = green.central_m2 / persons if persons > 0 else None
    if per_person is not None and per_person < s.central_green_m2_per_person - 1e-9:
        violations.append(
            _violation(
                "R14",
                "central_green_short",
                width=s.central_green_min_width_m,
                area=green.central_m2,
                per_person=per_person,
                need=s.central_green_m2_per_person,
                persons=persons,
            )
        )
    return ratio, occupied, per_person


def _demolished(
    elements: Sequence[PlanElement],
    base: Sequence[PlanElement] | None,
    removed: Sequence[PlanElement],
) -> list[PlanElement]:
    """Base buildings and illegal structures removed, or set to demolished (§2.8)."""
    base_by_id = {b.id: b for b in base or () if b.id is not None}
    demolished = [e for e in removed if e.kind in (Kind.BUILDING, Kind.ILLEGAL_STRUCTURE)]
    for e in elements:
        if e.kind is Kind.ILLEGAL_STRUCTURE and not _standing(e):
            before = base_by_id.get(e.id) if e.id is not None else None
            if before is None or _standing(before):
                demolished.append(e)
    return demolished


def _lane_clear_width(
    lane: PlanElement,
    poly: BaseGeometry,
    width: float | None,
    obstacles: Sequence[PlanElement],
    s: MetricSettings,
    cache: MetricsCache,
) -> ClearWidth | None:
    """One lane's clear width against the obstacles that touch it (nothing else can narrow it)."""
    near = _touching(poly, obstacles)

    def compute() -> ClearWidth | None:
        return fire_lane_clear_width(
            poly,
            _union([e.geometry for e in near]),
            width_m=width,
            step_m=s.cross_section_step_m,
            required_m=s.fire_lane_min_width_m,
            tolerance_m=s.width_tolerance_m,
        )

    extra = (
        s.cross_section_step_m,
        s.fire_lane_min_width_m,
        s.width_tolerance_m,
        s.fire_lane_default_width_m,
    )
    return cache.get("clear_width", (lane, *near), extra, compute)


def _fire_lanes(
    elements: Sequence[PlanElement],
    lanes: Sequence[tuple[PlanElement, BaseGeometry, float | None]],
    s: MetricSettings,
    cache: MetricsCache,
    violations: list[Violation],
) -> tuple[float | None, Point | None, BaseGeometry | None, list[Narrowing]]:
    """Narrowest clear width of all fire lanes, where, and every narrowing (§2.3, R11); waste
    points on a lane (R16)."""
    obstacles = _obstacle_elements(elements)
    min_w: float | None = None
    min_loc: Point | None = None
    min_section: BaseGeometry | None = None
    narrowings: list[Narrowing] = []
    for lane, poly, width in lanes:
        cw = _lane_clear_width(lane, poly, width, obstacles, s, cache)
        if cw is None:
            continue
        if min_w is None or cw.min_m < min_w:
            min_w, min_loc, min_section = cw.min_m, cw.location, cw.section
        narrowings.extend(cw.narrowings)
        for nw in cw.narrowings:
            violations.append(
                _violation(
                    "R11",
                    "fire_lane_narrow",
                    nw.location,
                    lane=_name(lane),
                    width=nw.clear_width_m,
                    min=s.fire_lane_min_width_m,
                )
            )
    for e in elements:
        if e.kind is Kind.FACILITY and _ftype(e) == FacilityType.WASTE_POINT:
            for lane, poly, _w in lanes:
                if e.geometry.intersects(poly):
                    violations.append(
                        _violation(
                            "R16", "on_fire_lane", e.geometry, label=_name(e), lane=_name(lane)
                        )
                    )
    return min_w, min_loc, min_section, narrowings


def _walk_coverage(
    elements: Sequence[PlanElement],
    buildings: Sequence[PlanElement],
    households_list: Sequence[int],
    base: Sequence[PlanElement] | None,
    s: MetricSettings,
    cache: MetricsCache,
    violations: list[Violation],
) -> tuple[dict[str, float], set[str]]:
    """Share of households within a network walk of each facility type (§2.1 R17, §2.6 R16).

    The walking graph is kept per set of walkable elements and each type's distances per
    (graph, buildings, destinations) in ``cache``: an option that moves no road, building or
    facility of a type reuses the base plan's figures."""
    households = sum(households_list)
    coverage: dict[str, float] = {}
    fallback: set[str] = set()
    facilities = [e for e in elements if e.kind is Kind.FACILITY]
    types = sorted({_ftype(e) for e in facilities})
    if households > 0 and types:
        walkable = [e for e in elements if e.kind in WALKABLE_KINDS]
        graph = cache.get(
            "walk_graph",
            walkable,
            s.walk_grid_m,
            lambda: build_walk_graph(walkable, grid_m=s.walk_grid_m),
        )
        origins = {i: b.geometry for i, b in enumerate(buildings)}

        def share(ftype: str, radius: float) -> tuple[float, dict[int, float]]:
            dest_elements = [e for e in facilities if _ftype(e) == ftype]
            wd = cache.get(
                "walk_distances",
                (graph, *buildings, *dest_elements),
                (len(buildings), s.walk_max_access_m),
                lambda: walk_distances(
                    graph,
                    origins,
                    [e.geometry for e in dest_elements],
                    max_access_m=s.walk_max_access_m,
                ),
            )
            fallback.update(_label(buildings[i]) for i in origins if i in wd.euclidean_fallback)
            dist = {i: wd.distances_m[i] for i in origins}
            within = sum(h for i, h in enumerate(households_list) if dist[i] <= radius)
            return float(Fraction(within, households)), dist

        for ftype in types:
            coverage[ftype], dist = share(ftype, s.walk_radius_m)
            if ftype == FacilityType.WASTE_POINT:
                within = sum(
                    h for i, h in enumerate(households_list) if dist[i] <= s.waste_radius_m
                )
                coverage["waste_point_120m"] = float(Fraction(within, households))
                for i, b in enumerate(buildings):
                    if dist[i] > s.waste_radius_m:
                        violations.append(
                            _violation(
                                "R16",
                                "waste_far",
                                b.geometry.centroid,
                                label=_name(b),
                                walk=dist[i],
                                radius=s.waste_radius_m,
                            )
                        )
    # a type the base plan had and this plan has none of left: 0 %, and said (R17), not dropped
    gone = sorted(
        {_ftype(b) for b in base or () if b.kind is Kind.FACILITY and _standing(b)} - set(types)
    )
    if households > 0:
        for ftype in gone:
            coverage[ftype] = 0.0
            if ftype != FacilityType.WASTE_POINT:  # R16 below says it for waste points
                violations.append(
                    _violation(
                        "R17",
                        "facility_gone",
                        facility=FacilityName(ftype),
                        radius=s.walk_radius_m,
                    )
                )
    if households > 0 and FacilityType.WASTE_POINT not in types:
        coverage["waste_point_120m"] = 0.0
        violations.append(_violation("R16", "no_waste_point"))
    return coverage, fallback


def _paved(elements: Sequence[PlanElement], cache: MetricsCache) -> BaseGeometry:
    paved = [
        e
        for e in elements
        if e.kind in (Kind.ROAD, Kind.FOOTPATH, Kind.FIRE_LANE) and _family(e.geometry) == "polygon"
    ]
    return cache.get("paved", paved, None, lambda: _union([e.geometry for e in paved]))


def _cost(
    new: Sequence[PlanElement],
    modified: Sequence[PlanElement],
    base: Sequence[PlanElement] | None,
    elements: Sequence[PlanElement],
    boundary: BaseGeometry,
    demolished_area: float,
    settings: MetricSettings,
    cache: MetricsCache,
) -> Cost:
    if base is None:
        return Cost()
    c = settings.costs
    lines: list[CostLine] = []
    base_by_id = {b.id: b for b in base if b.id is not None}
    stall_delta = count_stalls(
        [e for e in new if e.kind in (Kind.PARKING_STALL, Kind.PARKING_LOT)], settings
    )
    for e in modified:
        if e.id is not None and e.kind in (Kind.PARKING_STALL, Kind.PARKING_LOT):
            before = base_by_id[e.id]
            stall_delta += max(0, count_stalls([e], settings) - count_stalls([before], settings))
    if stall_delta:
        lines.append(CostLine("parking stalls", IMPROVEMENT, stall_delta, c.per_stall))
    green_now = _green(elements, boundary, settings, cache).net
    green_before = _green(base, boundary, settings, cache).net
    new_green = 0.0 if green_now is green_before else green_now.difference(green_before).area
    if new_green > _AREA_TOL:
        lines.append(CostLine("greening m²", IMPROVEMENT, round(new_green, 2), c.per_m2_green))
    if demolished_area > 0:
        lines.append(
            CostLine("demolition m²", IMPROVEMENT, round(demolished_area, 2), c.per_m2_demolished)
        )
    paved_now, paved_before = _paved(elements, cache), _paved(base, cache)
    paved_new = (
        shapely.Polygon() if paved_now is paved_before else paved_now.difference(paved_before)
    )
    if paved_new.area > _AREA_TOL:
        lines.append(CostLine("paving m²", BASIC, round(paved_new.area, 2), c.per_m2_paving))
    bikes = sum(int(e.attrs.get("stall_count", 0)) for e in new if e.kind is Kind.BIKE_PARKING)
    if bikes:
        lines.append(CostLine("bike places", IMPROVEMENT, bikes, c.per_bike_place))
    per_type = {
        FacilityType.EBIKE_SHED: c.per_ebike_shed,
        FacilityType.LIGHTING: c.per_light,
        FacilityType.WASTE_POINT: c.per_waste_point,
    }
    counts: dict[str, int] = {}
    for e in new:
        if e.kind is Kind.FACILITY:
            counts[_ftype(e)] = counts.get(_ftype(e), 0) + 1
    for ftype, n in sorted(counts.items()):
        unit = per_type.get(FacilityType(ftype), c.per_other_facility)
        lines.append(CostLine(f"facility: {ftype}", FACILITY_CATEGORY[ftype], n, unit))
    return Cost(tuple(lines))


def compute_metrics(
    elements: Sequence[PlanElement],
    boundary: BaseGeometry | None = None,
    *,
    settings: MetricSettings | None = None,
    households_by_building: Mapping[int, int] | None = None,
    base: Sequence[PlanElement] | None = None,
    cache: MetricsCache | None = None,
) -> Metrics:
    """All metrics of one layout (metric CRS). ``boundary`` defaults to the boundary elements;
    ``households_by_building`` (building id → households) overrides the buildings' attribute;
    ``base`` (the unchanged plan) enables demolition, conflicts and cost. ``cache`` (shared with
    the base plan's call) lets an option recompute only what its change-set touches.

    >>> from shapely import box
    >>> els = [PlanElement(Kind.GREEN_BELT, box(0, 0, 100, 10)),
    ...        PlanElement(Kind.PARKING_STALL, box(0, 20, 2.5, 25.3))]
    >>> m = compute_metrics(els, box(0, 0, 100, 100))
    >>> m.parking_stalls, m.green_area_m2, m.green_ratio, m.demolished_count
    (1, 1000.0, 0.1, 0)
    """
    s = settings or MetricSettings()
    memo = cache if cache is not None else MetricsCache()
    if boundary is None:
        boundary = _boundary_of(elements, memo)
    area = float(boundary.area)
    if area <= 0:
        raise InvalidInput(key="metrics.community_boundary_area_check")
    violations: list[Violation] = []
    stalls, estimated, required, accessible, bikes = _parking(elements, s, violations)
    lanes = [(e, *_lane_polygon(e, s)) for e in elements if e.kind is Kind.FIRE_LANE]
    buildings = [e for e in elements if e.kind is Kind.BUILDING]
    ebike = _ebike_sheds(elements, lanes, buildings, s, violations)
    green = _green(elements, boundary, s, memo)
    households_list = _households(buildings, households_by_building)
    households = sum(households_list)
    persons = households * s.persons_per_household
    ratio, occupied, per_person = _green_checks(green, area, persons, s, violations)
    new, modified, removed = _diff(elements, base)
    demolished = _demolished(elements, base, removed)
    demolished_area = float(sum(e.geometry.area for e in demolished))
    min_w, min_loc, min_section, narrowings = _fire_lanes(elements, lanes, s, memo, violations)
    coverage, fallback = _walk_coverage(
        elements, buildings, households_list, base, s, memo, violations
    )
    changed = [*new, *[e for e in modified if e.kind is not Kind.ILLEGAL_STRUCTURE or _standing(e)]]
    conflicts = _conflicts(changed, elements, boundary, memo)
    cost = _cost(new, modified, base, elements, boundary, demolished_area, s, memo)
    return Metrics(
        parking_stalls=stalls,
        parking_stalls_estimated=estimated,
        accessible_stalls_required=required,
        accessible_stalls=accessible,
        bike_places=bikes,
        ebike_places=ebike,
        community_area_m2=area,
        green_area_m2=float(green.net.area),
        green_occupied_m2=max(0.0, occupied),
        green_ratio=ratio,
        households=households,
        persons=persons,
        centralised_green_m2=green.central_m2,
        centralised_green_per_person_m2=per_person,
        demolished_count=len(demolished),
        demolished_area_m2=demolished_area,
        fire_lane_min_clear_width_m=min_w,
        fire_lane_min_location=min_loc,
        fire_lane_narrowings=tuple(narrowings),
        walk_coverage=coverage,
        walk_fallback_buildings=tuple(sorted(fallback)),
        conflicts=tuple(conflicts),
        cost=cost,
        violations=tuple(violations),
        fire_lane_min_section=min_section,
    )


# ----------------------------------------------------------------------------------- compare


@dataclass(frozen=True)
class KeyChange:
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class Comparison:
    changes: dict[str, KeyChange]
    new_violations: tuple[Violation, ...]
    resolved_violations: tuple[Violation, ...]
    warnings: tuple[Violation, ...]


def compare(base: Metrics, option: Metrics) -> Comparison:
    """Per-key changes from the base layout to an option, plus violations gained and resolved.

    A loss of green adds the R14(a) warning (needs 绿化主管部门 approval; the ballot item is SPECIAL).

    >>> from shapely import box
    >>> lawn = PlanElement(Kind.GREEN_BELT, box(0, 0, 100, 10))
    >>> cars = PlanElement(Kind.PARKING_STALL, box(0, 0, 25, 5.3), attrs={"stall_count": 10})
    >>> c = compare(compute_metrics([lawn], box(0, 0, 100, 100)),
    ...             compute_metrics([lawn, cars], box(0, 0, 100, 100)))
    >>> c.changes["parking_stalls"].delta, c.changes["green_area_m2"].delta, c.warnings[0].rule
    (10, -132.5, 'R14a')
    """
    a, b = base.scalars(), option.scalars()
    changes = {k: KeyChange(a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys())}

    def key(v: Violation) -> tuple[str, str]:
        return (v.rule, v.message)

    before = {key(v) for v in base.violations}
    after = {key(v) for v in option.violations}
    warnings: list[Violation] = []
    lost = base.green_area_m2 - option.green_area_m2
    if lost > _AREA_TOL:
        warnings.append(_violation("R14a", "green_reduced", severity="warning", lost=lost))
    return Comparison(
        changes,
        tuple(v for v in option.violations if key(v) not in before),
        tuple(v for v in base.violations if key(v) not in after),
        tuple(warnings),
    )
