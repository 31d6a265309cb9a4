"""Layout metrics (metrics.py): hand-computed cases on a 100 m × 100 m site, properties, demo."""

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
import shapely.affinity
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import LineString, Point, box
from shapely.geometry import shape

from cocreate_map.domain.elements import Kind, PlanElement
from cocreate_map.domain.metrics import (
    RULES,
    MetricSettings,
    accessible_stalls_required,
    compare,
    compute_metrics,
    fire_lane_clear_width,
)
from cocreate_map.domain.options import Change, LayoutOption, apply

SITE = box(0, 0, 100, 100)
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "cotton_compound.geojson"


def stall(x: float, y: float, **attrs) -> PlanElement:
    return PlanElement(Kind.PARKING_STALL, box(x, y, x + 2.5, y + 5.3), attrs=attrs)


# ------------------------------------------------------------------------------- parking


def test_exact_stall_counts_and_accessible_requirement():
    els = [stall(2.5 * i, 0) for i in range(10)]
    els.append(PlanElement(Kind.PARKING_LOT, box(0, 20, 30, 40), attrs={"stall_count": 12}))
    els.append(PlanElement(Kind.PARKING_LOT, box(40, 20, 90, 36.1)))  # 805 m² → 40 estimated
    m = compute_metrics(els, SITE)
    assert m.parking_stalls == 62
    assert m.parking_stalls_estimated == 40
    assert m.accessible_stalls_required == 1
    assert any(v.rule == "R13" and v.severity == "warning" for v in m.violations)


def test_lot_estimate_follows_the_settings():
    lot = PlanElement(Kind.PARKING_LOT, box(40, 20, 90, 36.1))
    wide = MetricSettings(stall_width_m=2.875)  # module 2.875 × 8.05 = 23.14375 m² → 34
    assert compute_metrics([lot], SITE, settings=wide).parking_stalls == 34


@pytest.mark.parametrize(
    ("stalls", "required"), [(0, 0), (1, 1), (150, 1), (200, 1), (201, 2), (400, 2), (401, 3)]
)
def test_accessible_stalls_ceil_half_percent_exactly(stalls, required):
    assert accessible_stalls_required(stalls) == required


def test_marked_accessible_stall_meets_the_requirement_and_narrow_stall_is_an_error():
    m = compute_metrics([stall(0, 0, accessible="yes"), stall(5, 0)], SITE)
    assert m.accessible_stalls == 1
    assert not [v for v in m.violations if v.rule == "R13"]
    narrow = PlanElement(Kind.PARKING_STALL, box(20, 0, 22.3, 5.3))
    m = compute_metrics([narrow], SITE)
    assert any("2.30 m wide" in v.message for v in m.violations)


def test_bike_and_ebike_places_and_shed_checks():
    house = PlanElement(Kind.BUILDING, box(0, 60, 60, 72), attrs={"households": 24})
    lane = PlanElement(Kind.FIRE_LANE, box(0, 48, 100, 52), attrs={"width_m": 4})
    shed = PlanElement(
        Kind.FACILITY,
        box(10, 50, 30, 55.5),
        "车棚",
        {"facility_type": "ebike_shed", "stall_count": 60},
    )  # 110 m² for 60 bikes (R15 example) on the lane, 4.5 m from the house
    bikes = PlanElement(Kind.BIKE_PARKING, Point(90, 90), attrs={"stall_count": 20})
    m = compute_metrics([house, lane, shed, bikes], SITE)
    assert (m.bike_places, m.ebike_places) == (20, 60)
    msgs = [v.message for v in m.violations if v.rule == "R15"]
    assert any("1.83 m² per e-bike" in s and "132 m²" in s for s in msgs)
    assert any("stands on fire lane" in s for s in msgs)
    assert any("4.5 m from" in s for s in msgs)


# ----------------------------------------------------------------------------- fire lanes


def test_stall_intruding_one_metre_leaves_three_metres():
    lane = PlanElement(Kind.FIRE_LANE, box(0, 48, 100, 52), "消防通道", {"width_m": 4})
    m = compute_metrics([lane, PlanElement(Kind.PARKING_STALL, box(40, 51, 42.5, 56.3))], SITE)
    assert m.fire_lane_min_clear_width_m == pytest.approx(3.0, abs=0.05)
    assert m.fire_lane_min_location.distance(Point(41.25, 49.5)) < 1.5
    [v] = [v for v in m.violations if v.rule == "R11"]
    assert "3.00 m < 4 m" in v.message and v.location is not None


def test_lane_drawn_as_a_line_uses_its_width():
    lane = PlanElement(Kind.FIRE_LANE, LineString([(0, 50), (100, 50)]), attrs={"width_m": 4})
    m = compute_metrics([lane, PlanElement(Kind.PARKING_STALL, box(40, 51, 42.5, 56.3))], SITE)
    assert m.fire_lane_min_clear_width_m == pytest.approx(3.0, abs=0.05)


def test_clear_lane_passes_and_obstacle_in_the_middle_leaves_the_wider_side():
    lane = box(0, 44, 100, 50)  # 6 m road used as fire lane
    assert fire_lane_clear_width(lane, shapely.Polygon()).min_m == pytest.approx(6.0, abs=0.05)
    shed = box(50, 45, 53, 46.5)  # leaves 1 m below, 3.5 m above
    cw = fire_lane_clear_width(lane, shed)
    assert cw.min_m == pytest.approx(3.5, abs=0.05)
    assert len(cw.narrowings) == 1


def test_r11_example_parallel_stalls_on_a_six_metre_road():
    # DOMAIN R11: 6.0 m fire route, 2.5 m parallel stalls along one side → 3.5 m → error
    lane = PlanElement(Kind.FIRE_LANE, box(0, 44, 100, 50))
    cars = [PlanElement(Kind.PARKING_STALL, box(6 * i, 44, 6 * i + 6, 46.5)) for i in range(5)]
    m = compute_metrics([lane, *cars], SITE)
    assert m.fire_lane_min_clear_width_m == pytest.approx(3.5, abs=0.05)
    assert [v.rule for v in m.violations].count("R11") == 1


# ---------------------------------------------------------------------------------- green


def test_green_ratio_and_lawn_given_up_for_stalls():
    lawn = PlanElement(Kind.GREEN_BELT, box(0, 60, 100, 70), "草坪", id=1)
    lane = PlanElement(Kind.FIRE_LANE, box(0, 48, 100, 52), id=2)
    base = [lawn, lane]
    before = compute_metrics(base, SITE, base=base)
    assert before.green_area_m2 == pytest.approx(1000)
    assert before.green_ratio == pytest.approx(0.1)
    # the option paves 25 m of the strip (250 m²) and puts 10 stalls on it
    option = LayoutOption(
        "草坪改车位",
        [Change("modify", PlanElement(Kind.GREEN_BELT, box(25, 60, 100, 70), "草坪"), ref=1)]
        + [Change("add", stall(2.5 * i, 60)) for i in range(10)],
    )
    after = compute_metrics(apply(base, option), SITE, base=base)
    assert after.green_area_m2 == pytest.approx(750)
    assert after.parking_stalls == 10
    c = compare(before, after)
    assert c.changes["green_area_m2"].delta == pytest.approx(-250)
    assert c.changes["parking_stalls"].delta == 10
    assert [w.rule for w in c.warnings] == ["R14a"]
    assert after.cost.by_category["完善类"] == pytest.approx(10 * 3000)
    assert after.cost.total == sum(after.cost.by_category.values())
    assert after.conflicts == ()


def test_green_outside_boundary_and_overlaps_are_not_counted_twice():
    a = PlanElement(Kind.GREEN_BELT, box(-50, 0, 50, 10))
    b = PlanElement(Kind.GREEN_BELT, box(0, 0, 50, 10))
    assert compute_metrics([a, b], SITE).green_area_m2 == pytest.approx(500)


def test_centralised_green_needs_eight_metres_width_and_area_per_person():
    house = PlanElement(Kind.BUILDING, box(0, 80, 60, 92), attrs={"households": 100})
    strip = PlanElement(Kind.GREEN_BELT, box(0, 0, 100, 7))  # 7 m wide: not centralised
    m = compute_metrics([house, strip], SITE)
    assert m.centralised_green_m2 == 0
    assert m.persons == pytest.approx(320)
    assert any(v.rule == "R14" and "m²/person" in v.message for v in m.violations)
    square = PlanElement(Kind.GREEN_BELT, box(0, 20, 12, 30))  # 120 m² ≥ 0.35 × 320 = 112
    m = compute_metrics([house, strip, square], SITE)
    assert m.centralised_green_m2 == pytest.approx(120)
    assert m.centralised_green_per_person_m2 == pytest.approx(0.375)
    assert not any(v.rule == "R14" and "m²/person" in v.message for v in m.violations)
    fewer = compute_metrics([house, strip, square], SITE, households_by_building={})
    assert fewer.households == 100
    assert (
        compute_metrics(
            [PlanElement(Kind.BUILDING, house.geometry, attrs={"households": 100}, id=5), square],
            SITE,
            households_by_building={5: 50},
        ).households
        == 50
    )


# ----------------------------------------------------------------- demolition, conflicts, cost


def test_demolition_by_removal_or_status_and_its_cost():
    shed = PlanElement(Kind.ILLEGAL_STRUCTURE, box(10, 10, 13, 15), id=1)
    shed2 = PlanElement(Kind.ILLEGAL_STRUCTURE, box(20, 10, 23, 15), id=2)
    base = [shed, shed2]
    gone = PlanElement(Kind.ILLEGAL_STRUCTURE, shed2.geometry, attrs={"status": "demolished"})
    els = apply(
        base, LayoutOption("拆违", [Change("remove", ref=1), Change("modify", gone, ref=2)])
    )
    m = compute_metrics(els, SITE, base=base)
    assert (m.demolished_count, m.demolished_area_m2) == (2, 30)
    assert m.cost.by_category["完善类"] == pytest.approx(30 * 200)
    assert compute_metrics(base, SITE, base=base).demolished_count == 0


def test_conflicts_of_new_elements():
    house = PlanElement(Kind.BUILDING, box(0, 60, 60, 72), "1栋", id=1)
    lane = PlanElement(Kind.FIRE_LANE, box(0, 48, 100, 52), "消防通道", id=2)
    base = [house, lane]
    new = [
        stall(10, 58),  # into the building
        stall(70, 50),  # into the fire lane
        stall(98.5, 0),  # outside the site
        stall(80, 20),
        stall(81, 20),  # overlaps the previous one
    ]
    m = compute_metrics(apply(base, LayoutOption("A", [Change("add", e) for e in new])), SITE,
                        base=base)  # fmt: skip
    reasons = sorted(c.reason for c in m.conflicts)
    assert reasons == ["building", "fire_lane", "outside_boundary", "overlap"]
    assert compute_metrics(base, SITE, base=base).conflicts == ()


def test_rules_table_documents_the_main_keys():
    for key in (
        "parking_stalls",
        "accessible_stalls_required",
        "green_ratio",
        "centralised_green_per_person_m2",
        "demolished_count",
        "fire_lane_min_clear_width_m",
        "walk_coverage",
        "conflicts",
        "cost",
    ):
        assert key in RULES


# ----------------------------------------------------------------------------- properties

# Metric coordinates as a survey or a drawing gives them: millimetres. (Subnormal floats such as
# 2e-311 m make GEOS warn about division by zero; no plan is drawn at that precision.)
coord = st.floats(-50, 150, allow_nan=False, allow_subnormal=False).map(lambda v: round(v, 3))
size = st.floats(0.5, 80, allow_nan=False, allow_subnormal=False).map(lambda v: round(v, 3))
boxes = st.builds(lambda x, y, w, h: box(x, y, x + w, y + h), coord, coord, size, size)


@settings(max_examples=60, deadline=None)
@given(st.lists(boxes, max_size=6), st.lists(boxes, max_size=4))
def test_green_ratio_is_between_zero_and_one(greens, covers):
    els = [PlanElement(Kind.GREEN_BELT, g) for g in greens]
    els += [PlanElement(Kind.PARKING_LOT, c) for c in covers]
    ratio = compute_metrics(els, SITE).green_ratio
    assert 0 <= ratio <= 1


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 15), st.integers(1, 5)),
                min_size=1, max_size=8), st.data())  # fmt: skip
def test_removing_a_stall_never_adds_a_stall(specs, data):
    base = [
        PlanElement(
            Kind.PARKING_STALL,
            box(3 * i, 6 * j, 3 * i + 2.5, 6 * j + 5.3),
            attrs={"stall_count": n},
            id=k + 1,
        )  # fmt: skip
        for k, (i, j, n) in enumerate(specs)
    ]
    ref = data.draw(st.sampled_from([e.id for e in base]))
    after = compute_metrics(apply(base, LayoutOption("r", [Change("remove", ref=ref)])), SITE)
    assert after.parking_stalls <= compute_metrics(base, SITE).parking_stalls


@settings(max_examples=15, deadline=None)
@given(st.permutations(list(range(8))))
def test_metrics_do_not_depend_on_element_order(order):
    els = [
        PlanElement(Kind.BUILDING, box(0, 60, 60, 72), attrs={"households": 24}),
        PlanElement(Kind.ROAD, box(0, 50, 100, 56)),
        PlanElement(Kind.FIRE_LANE, box(0, 51, 100, 55)),
        PlanElement(Kind.GREEN_BELT, box(0, 20, 50, 40)),
        PlanElement(Kind.GREEN_BELT, box(30, 30, 80, 45)),
        stall(40, 53),
        PlanElement(Kind.FACILITY, Point(90, 58), attrs={"facility_type": "waste_point"}),
        PlanElement(Kind.ILLEGAL_STRUCTURE, box(35, 35, 38, 40)),
    ]
    a = compute_metrics(els, SITE).scalars()
    b = compute_metrics([els[i] for i in order], SITE).scalars()
    assert a.keys() == b.keys()
    for key, value in a.items():
        assert b[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key


# ----------------------------------------------------------------------------------- demo


@pytest.fixture(scope="module")
def demo() -> list[PlanElement]:
    from pyproj import Transformer  # reprojection only in the test: the domain never reprojects

    to_utm = Transformer.from_crs(4326, 32650, always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_utm.transform(xy[:, 0], xy[:, 1]))

    out = []
    for number, feat in enumerate(json.loads(DEMO.read_text("utf-8"))["features"], start=1):
        props = dict(feat["properties"])
        sid, kind, name = props.pop("id"), props.pop("kind"), props.pop("name")
        geom = shapely.transform(shape(feat["geometry"]), project)
        out.append(PlanElement(Kind(kind), geom, name, props, id=number, source_id=sid))
    return out


def test_demo_base_metrics(demo):
    m = compute_metrics(demo)
    assert m.parking_stalls == 48 + 40
    assert m.accessible_stalls_required == 1
    assert m.green_ratio == pytest.approx(0.15, abs=0.01)
    assert m.households == 300
    assert m.fire_lane_min_clear_width_m == pytest.approx(2.5, abs=0.05)
    widths = sorted(round(n.clear_width_m, 1) for n in m.fire_lane_narrowings)
    assert widths == [2.5, 2.5, 3.0]  # two cars, one shed (data/README.md)
    assert [v.rule for v in m.violations].count("R11") == 3
    assert m.demolished_count == 0
    assert m.walk_fallback_buildings == ()
    assert m.walk_coverage["waste_point"] == 1.0
    far = {v.message.split(" ")[0] for v in m.violations if v.rule == "R16"}
    assert {"3栋", "9栋", "12栋"} <= far  # beyond 120 m of the only waste point
    assert m.walk_coverage["waste_point_120m"] < 1
    assert m.cost.total == 0


def test_demo_option_demolishing_the_four_sheds(demo):
    sheds = [e.id for e in demo if e.kind is Kind.ILLEGAL_STRUCTURE]
    assert len(sheds) == 4
    base = compute_metrics(demo, base=demo)
    option = apply(demo, LayoutOption("拆违", [Change("remove", ref=i) for i in sheds]))
    m = compute_metrics(option, base=demo)
    assert m.demolished_count == 4
    assert m.demolished_area_m2 == pytest.approx(60, abs=0.1)
    # the shed narrowing (3.0 m) is gone; the two cars still hold the lane at 2.5 m
    assert sorted(round(n.clear_width_m, 1) for n in m.fire_lane_narrowings) == [2.5, 2.5]
    assert m.green_area_m2 > base.green_area_m2  # the shed on green-02 is lawn again
    assert m.cost.by_category["完善类"] > 0 and m.conflicts == ()
    # also moving the two cars off the fire lane raises the clear width to the full 4 m
    cars = [e.id for e in demo if e.name == "占用消防通道停车"]
    clear = apply(demo, LayoutOption("拆违+清障", [Change("remove", ref=i) for i in sheds + cars]))
    m2 = compute_metrics(clear, base=demo)
    assert m2.fire_lane_min_clear_width_m == pytest.approx(4.0, abs=0.05)
    assert not [v for v in m2.violations if v.rule == "R11"]
    c = compare(base, m2)
    assert c.changes["fire_lane_min_clear_width_m"].delta == pytest.approx(1.5, abs=0.05)
    assert c.changes["parking_stalls"].delta == -2
    assert {v.rule for v in c.resolved_violations} >= {"R11"}


# Exact clear width (issue 17.4): every obstacle that reaches into the lane counts, wherever it
# stands between the 1 m cross-sections; (lane, obstacle, expected minimum clear width in m)
EXACT_CASES = [
    (
        "0.5 m post in the middle of a 4 m lane",
        box(0, 48, 100, 52),
        box(49.75, 49.75, 50.25, 50.25),
        1.75,
    ),
    ("post between two 1 m sections", box(0, 48, 100, 52), box(50.3, 49.75, 50.7, 50.25), 1.75),
    ("round post, 0.3 m across", box(0, 48, 100, 52), Point(30.5, 50).buffer(0.15), 1.85),
    ("thin bollard at the edge", box(0, 48, 100, 52), box(20.4, 48, 20.45, 49.2), 2.8),
    ("stall intruding 1 m", box(0, 48, 100, 52), box(40, 51, 42.5, 56.3), 3.0),
    ("nothing on the lane", box(0, 48, 100, 52), shapely.Polygon(), 4.0),
    (
        "post on a slanted lane",
        shapely.affinity.rotate(box(0, 48, 100, 52), 33, origin=(50, 50)),
        Point(50 + 8 * 0.8387, 50 + 8 * 0.5446).buffer(0.25, quad_segs=16),
        1.75,
    ),
]


@pytest.mark.parametrize(
    ("lane", "obstacle", "expected"), [c[1:] for c in EXACT_CASES], ids=[c[0] for c in EXACT_CASES]
)
def test_clear_width_is_exact_against_every_obstacle(lane, obstacle, expected):
    cw = fire_lane_clear_width(lane, obstacle)
    assert cw is not None
    assert cw.min_m == pytest.approx(expected, abs=0.01)
    # the narrowest place is a cross-section across the lane through the obstacle
    assert cw.section.length == pytest.approx(4.0, abs=0.02)
    if not obstacle.is_empty:
        assert cw.section.distance(obstacle) < 0.01
        assert cw.location.distance(obstacle) < 4.0


def test_post_in_the_lane_is_an_r11_violation_with_its_section():
    lane = PlanElement(Kind.FIRE_LANE, box(0, 48, 100, 52), "消防通道", {"width_m": 4})
    post = PlanElement(
        Kind.FACILITY, box(50.3, 49.75, 50.7, 50.25), "立柱", {"facility_type": "other"}
    )
    m = compute_metrics([lane, post], SITE)
    assert m.fire_lane_min_clear_width_m == pytest.approx(1.75, abs=0.01)
    [v] = [v for v in m.violations if v.rule == "R11"]
    assert "1.75 m < 4 m" in v.message
    [n] = m.fire_lane_narrowings
    assert n.section.distance(post.geometry) < 0.01


# Walking coverage when the only facility of a type goes (issue 17.5): (facility type removed,
# coverage keys that read 0 %, rule that says so)
ONLY_ONE_GONE = [
    ("fitness", ["fitness"], "R17"),
    ("activity_room", ["activity_room"], "R17"),
    ("waste_point", ["waste_point", "waste_point_120m"], "R16"),
]


@pytest.mark.parametrize(("ftype", "zero", "rule"), ONLY_ONE_GONE)
def test_removing_the_only_facility_of_a_type_shows_zero_and_the_violation(demo, ftype, zero, rule):
    [only] = [
        e.id for e in demo if e.kind is Kind.FACILITY and e.attrs.get("facility_type") == ftype
    ]
    option = apply(demo, LayoutOption("拆除", [Change("remove", ref=only)]))
    m = compute_metrics(option, base=demo)
    assert all(m.walk_coverage[k] == 0.0 for k in zero)  # shown as 0 %, not a dropped row
    assert any(v.rule == rule and ftype.split("_")[0] in v.message for v in m.violations)
    before = compute_metrics(demo, base=demo)
    c = compare(before, m)
    assert c.changes[f"walk_coverage.{ftype}"].delta == -before.walk_coverage[ftype]
