"""Metrics of an option from the base plan's cached parts (issue 16.2): the figures are those of a
computation from scratch, for any change-set, and unchanged parts are not computed again."""

import threading

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import LineString, Point, box

from cocreate_map.domain.elements import Kind, PlanElement
from cocreate_map.domain.metrics import MetricsCache, compute_metrics
from cocreate_map.domain.network import build_walk_graph, walk_distances
from cocreate_map.domain.options import Change, LayoutOption, apply

SITE = box(0, 0, 200, 120)


def base_plan() -> list[PlanElement]:
    """Two blocks along a ring road with a fire lane on it, lawns, stalls, a shed in the lane,
    waste points and a shop."""
    ring = box(0, 0, 200, 120).difference(box(6, 6, 194, 114))
    els = [
        PlanElement(Kind.BOUNDARY, SITE),
        PlanElement(Kind.ROAD, ring),
        PlanElement(Kind.FIRE_LANE, box(0, 0, 200, 4), attrs={"width_m": 4}),
        PlanElement(Kind.FOOTPATH, LineString([(100, 6), (100, 114)]), attrs={"width_m": 2}),
        PlanElement(Kind.BUILDING, box(20, 60, 80, 72), name="1栋", attrs={"households": 24}),
        PlanElement(Kind.BUILDING, box(120, 60, 180, 72), name="2栋", attrs={"households": 36}),
        PlanElement(Kind.GREEN_BELT, box(20, 20, 80, 50)),
        PlanElement(Kind.GREEN_BELT, box(120, 20, 180, 40)),
        PlanElement(Kind.PARKING_STALL, box(120, 40, 122.5, 45.3)),
        PlanElement(Kind.PARKING_STALL, box(150, 1, 155.3, 3.5)),  # 2.5 m into the lane
        PlanElement(Kind.ILLEGAL_STRUCTURE, box(60, 0, 63, 2), name="棚"),
        PlanElement(Kind.FACILITY, Point(90, 90), attrs={"facility_type": "waste_point"}),
        PlanElement(Kind.FACILITY, Point(170, 100), attrs={"facility_type": "shop"}),
    ]
    for number, e in enumerate(els, start=1):
        e.id = number
    return els


def figures(m):
    """Everything a Metrics holds, geometries as exact WKB (no tolerance anywhere)."""

    def plain(v):
        if isinstance(v, shapely.Geometry):
            return shapely.to_wkb(v)
        if isinstance(v, tuple | list):
            return [plain(x) for x in v]
        if hasattr(v, "__dataclass_fields__"):
            return {k: plain(getattr(v, k)) for k in v.__dataclass_fields__}
        return v

    return plain(m)


xs = st.floats(0, 195, allow_nan=False).map(lambda v: round(v, 2))
ys = st.floats(0, 115, allow_nan=False).map(lambda v: round(v, 2))
additions = st.one_of(
    st.builds(lambda x, y: PlanElement(Kind.PARKING_STALL, box(x, y, x + 2.5, y + 5.3)), xs, ys),
    st.builds(lambda x, y: PlanElement(Kind.GREEN_BELT, box(x, y, x + 12, y + 9)), xs, ys),
    st.builds(lambda x, y: PlanElement(Kind.ILLEGAL_STRUCTURE, box(x, y, x + 3, y + 2)), xs, ys),
    st.builds(lambda x, y: PlanElement(Kind.FOOTPATH, box(x, y, x + 40, y + 2)), xs, ys),
    st.builds(
        lambda x, y, t: PlanElement(Kind.FACILITY, Point(x, y), attrs={"facility_type": t}),
        xs,
        ys,
        st.sampled_from(["waste_point", "shop", "lighting"]),
    ),
    st.builds(
        lambda x, y, n: PlanElement(
            Kind.BUILDING, box(x, y, x + 20, y + 10), attrs={"households": n}
        ),
        xs,
        ys,
        st.integers(1, 40),
    ),
)


@settings(max_examples=25, deadline=None)
@given(st.sets(st.integers(2, 13), max_size=4), st.lists(additions, max_size=4), st.booleans())
def test_an_option_from_the_cached_base_equals_one_from_scratch(removed, added, boundary_given):
    base = base_plan()
    changes = [Change("remove", ref=i) for i in sorted(removed)]
    changes += [Change("add", e) for e in added]
    plan = apply(base, LayoutOption("o", changes))
    boundary = SITE if boundary_given else None
    cache = MetricsCache()
    before = compute_metrics(base, boundary, base=base, cache=cache)
    cached = compute_metrics(plan, boundary, base=base, cache=cache)
    assert figures(cached) == figures(compute_metrics(plan, boundary, base=base))
    assert figures(before) == figures(compute_metrics(base, boundary, base=base))


def test_an_option_that_moves_no_road_building_or_facility_reuses_the_base_parts():
    base = base_plan()
    cache = MetricsCache()
    compute_metrics(base, base=base, cache=cache)
    computed = cache.computed.copy()
    stall = PlanElement(Kind.PARKING_STALL, box(30, 80, 32.5, 85.3))  # on no lawn, in no lane
    plan = apply(base, LayoutOption("o", [Change("add", stall)]))
    m = compute_metrics(plan, base=base, cache=cache)
    # graph, distances, lanes, green, paving: all from the base; the boundary band is new (the
    # base plan has no changed element to check against it)
    assert cache.computed - computed == {"boundary+1cm": 1}
    assert m.parking_stalls == 3 and m.walk_coverage["waste_point"] == 1.0
    lane_post = PlanElement(Kind.ILLEGAL_STRUCTURE, box(100, 0, 101, 1))  # a new obstacle
    narrowed = compute_metrics(
        apply(base, LayoutOption("p", [Change("add", lane_post)])), base=base, cache=cache
    )
    assert cache.computed - computed == {"boundary+1cm": 1, "clear_width": 1}  # that lane's
    assert narrowed.fire_lane_narrowings != m.fire_lane_narrowings


def test_one_walking_graph_serves_threads_and_is_left_unchanged():
    base = base_plan()
    graph = build_walk_graph(base)
    nodes, edges = graph.graph.number_of_nodes(), graph.graph.number_of_edges()
    houses = {e.name: e.geometry for e in base if e.kind is Kind.BUILDING}
    dests = [Point(90, 90), Point(170, 100)]
    expected = walk_distances(graph, houses, dests)
    results: list[object] = []

    def run() -> None:
        for _ in range(20):
            results.append(walk_distances(graph, houses, dests))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 80 and all(r == expected for r in results)
    assert (graph.graph.number_of_nodes(), graph.graph.number_of_edges()) == (nodes, edges)
    assert np.isfinite(list(expected.distances_m.values())).all()
