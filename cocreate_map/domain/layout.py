"""Layout builders: geometry a planner places as a unit (a row of stalls), in the metric CRS."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Literal

from shapely.geometry import LineString, MultiPoint, Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points, unary_union

from cocreate_map.domain.metric_catalogue import metric_spec
from cocreate_map.errors import InvalidInput

Side = Literal["left", "right"]


def row_capacity(line: LineString, width_m: float = 2.5) -> int:
    """How many stalls of ``width_m`` fit along the straight pieces of ``line``.

    >>> row_capacity(LineString([(0, 0), (25, 0), (25, 12)]))
    14
    """
    coords = list(line.coords)
    total = 0
    for (x0, y0), (x1, y1) in zip(coords, coords[1:], strict=False):
        total += int(math.floor(math.hypot(x1 - x0, y1 - y0) / width_m + 1e-9))
    return total


SNAP_TOLERANCE_M = 2.0


def _edges(targets: Iterable[BaseGeometry]) -> BaseGeometry | None:
    parts = []
    for g in targets:
        if g is None or g.is_empty:
            continue
        parts.append(g.boundary if g.geom_type in ("Polygon", "MultiPolygon") else g)
    return unary_union(parts) if parts else None


def snap_line_ends(
    line: LineString,
    targets: Iterable[BaseGeometry],
    tolerance_m: float = SNAP_TOLERANCE_M,
) -> tuple[LineString, int]:
    """Move each end point of ``line`` onto the nearest edge of ``targets`` (polygon outlines,
    lines) when it lies within ``tolerance_m``; a corner within the tolerance wins over the edge
    so rows line up with what is there. Returns the new line and how many ends moved; the line
    is returned unchanged when snapping would collapse it.

    >>> lot = Polygon([(0, 0), (30, 0), (30, 6), (0, 6)])
    >>> snapped, moved = snap_line_ends(LineString([(1.2, 7.0), (20, 7.5), (31.0, 7.1)]), [lot])
    >>> list(snapped.coords), moved
    ([(0.0, 6.0), (20.0, 7.5), (30.0, 6.0)], 2)
    >>> snap_line_ends(LineString([(5, 9), (15, 9)]), [lot])[1]
    0
    """
    edges = _edges(targets)
    coords = [tuple(c) for c in line.coords]
    if edges is None or edges.is_empty or len(coords) < 2:
        return line, 0
    corners = MultiPoint([c for g in getattr(edges, "geoms", [edges]) for c in g.coords])
    moved = 0
    for i in (0, len(coords) - 1):
        p = Point(coords[i])
        target = None
        corner = nearest_points(p, corners)[1]
        if p.distance(corner) <= tolerance_m:
            target = corner
        else:
            on_edge = nearest_points(p, edges)[1]
            if p.distance(on_edge) <= tolerance_m:
                target = on_edge
        if target is not None and p.distance(target) > 1e-9:
            coords[i] = (target.x, target.y)
            moved += 1
    snapped = LineString(coords)
    if moved == 0 or snapped.length < 1e-6 or coords[0] == coords[-1]:
        return line, 0
    return snapped, moved


def stall_row(
    line: LineString,
    count: int | None = None,
    *,
    side: Side = "left",
    width_m: float = 2.5,
    depth_m: float = 5.3,
) -> list[Polygon]:
    """Perpendicular stalls ``width_m`` × ``depth_m`` side by side along ``line`` (e.g. a road
    edge), on its ``side`` seen in drawing direction; ``count`` None fills the line. Each straight
    piece of the line holds whole stalls only; stalls start at each piece's first vertex.

    >>> row = stall_row(LineString([(0, 0), (10, 0)]))
    >>> len(row), row[0].area, [round(v, 6) for v in row[1].bounds]
    (4, 13.25, [2.5, 0.0, 5.0, 5.3])
    >>> [round(v, 6) for v in stall_row(LineString([(0, 0), (10, 0)]), 1, side="right")[0].bounds]
    [0.0, -5.3, 2.5, 0.0]
    >>> stall_row(LineString([(0, 0), (6, 0)]), 3)
    Traceback (most recent call last):
    ...
    cocreate_map.errors.InvalidInput: the line is 6.0 m long: room for 2 stalls of 2.5 m, not 3; draw a longer line or ask for fewer stalls
    """
    if width_m <= 0 or depth_m <= 0:
        raise InvalidInput(key="layout.stall_size_must_positive", width_m=width_m, depth_m=depth_m)
    if line.is_empty or line.geom_type != "LineString" or line.length <= 0:
        raise InvalidInput(key="layout.stall_row_needs_line")
    capacity = row_capacity(line, width_m)
    if count is not None and count < 1:
        raise InvalidInput(key="layout.stall_row_needs_least", count=count)
    if capacity == 0 or (count is not None and count > capacity):
        raise InvalidInput(
            key="layout.line_m_long_room",
            length=line.length,
            capacity=capacity,
            width_m=width_m,
            value=count if count is not None else 1,
        )
    wanted = capacity if count is None else count
    sign = 1.0 if side == "left" else -1.0
    out: list[Polygon] = []
    coords = list(line.coords)
    for (x0, y0), (x1, y1) in zip(coords, coords[1:], strict=False):
        length = math.hypot(x1 - x0, y1 - y0)
        if length <= 0:
            continue
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        nx, ny = -uy * sign * depth_m, ux * sign * depth_m
        for i in range(int(math.floor(length / width_m + 1e-9))):
            if len(out) == wanted:
                return out
            ax, ay = x0 + ux * width_m * i, y0 + uy * width_m * i
            bx, by = ax + ux * width_m, ay + uy * width_m
            ring = [(ax, ay), (bx, by), (bx + nx, by + ny), (ax + nx, ay + ny)]
            poly = Polygon(ring)
            out.append(poly if poly.exterior.is_ccw else Polygon(ring[::-1]))
    return out


# ------------------------------------------------------------------ comparison rows

# The rows of the comparison table and sheet: metric paths (as in ``services.option_metrics``)
# with the better direction of each from the metric catalogue ("max", "min" or None).
COMPARISON_KEYS: tuple[str, ...] = (
    "parking_stalls",
    "accessible_stalls_required",
    "ebike_places",
    "green_area_m2",
    "green_ratio",
    "centralised_green_per_person_m2",
    "demolished_count",
    "demolished_area_m2",
    "fire_lane_min_clear_width_m",
    "walk_coverage.waste_point_120m",
    "conflicts",
    "errors",
    "cost_total",
    "ballot_rule_default",
)
COMPARISON_ROWS: tuple[tuple[str, str | None], ...] = tuple(
    (key, metric_spec(key).better) for key in COMPARISON_KEYS
)


def metric_value(result: dict[str, object], key: str) -> object:
    """One row's value from a metrics dict: dotted keys go one level down; ``conflicts`` counts
    conflicts, ``errors`` counts error-severity violations.

    >>> metric_value({"walk_coverage": {"waste_point_120m": 0.5}}, "walk_coverage.waste_point_120m")
    0.5
    >>> metric_value({"violations": [{"severity": "error"}, {"severity": "warning"}]}, "errors")
    1
    """
    if key == "errors":
        violations = result.get("violations") or []
        assert isinstance(violations, list)
        return sum(1 for v in violations if v.get("severity") == "error")
    if key == "conflicts":
        conflicts = result.get("conflicts") or []
        assert isinstance(conflicts, list)
        return len(conflicts)
    if "." in key:
        head, tail = key.split(".", 1)
        sub = result.get(head)
        return sub.get(tail) if isinstance(sub, dict) else None
    return result.get(key)


def best_columns(values: list[object], better: str | None) -> set[int]:
    """Indexes of the best values in a row (ties all win; none when all are equal or no
    direction).

    >>> sorted(best_columns([88, 136, 83], "max")), sorted(best_columns([2.5, 4.0, 4.0], "max"))
    ([1], [1, 2])
    >>> best_columns([1, 1], "min")
    set()
    """
    numbers = [(i, float(v)) for i, v in enumerate(values) if isinstance(v, int | float)]
    if better is None or len(numbers) < 2 or len({v for _, v in numbers}) == 1:
        return set()
    target = max(v for _, v in numbers) if better == "max" else min(v for _, v in numbers)
    return {i for i, v in numbers if abs(v - target) < 1e-9}
