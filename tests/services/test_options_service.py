"""Layout options through the service layer, on SQLite and PostgreSQL/PostGIS: CRUD, import
(all or nothing), drawing a stall row, demo options A/B/C, a hand-computed 100 m × 100 m site,
and an old Shanghai estate from ../shared/realdata."""

import json
import re
from pathlib import Path

import pytest
import shapely
from shapely.geometry import LineString, box, mapping
from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.domain.layout import snap_line_ends
from cocreate_map.errors import AlreadyExists, InvalidInput, NotFound
from cocreate_map.io import crs as crs_io
from cocreate_map.services.access import local_admin
from cocreate_map.services.options import snap_row_line
from cocreate_map.storage.db import transaction
from cocreate_map.storage.options_tables import OptionChangeRow, OptionRow
from cocreate_map.storage.tables import ElementRow

DEMO = services.DEMO_SLUG
A, B, C = "方案A：草坪改车位", "方案B：保留绿地", "方案C：平衡"
EPSG = 32650  # UTM 50N; the hand-made site is placed in Wuhan like the demo
X0, Y0 = 244_270.0, 3_380_658.0


def option_rows(engine):
    with transaction(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(OptionRow)),
            s.scalar(select(func.count()).select_from(OptionChangeRow)),
        )


def wgs(geom):
    return crs_io.to_wgs84(shapely.affinity.translate(geom, X0, Y0), EPSG)


def feature(geom, **props):
    return {"type": "Feature", "properties": props, "geometry": mapping(wgs(geom))}


def write(path: Path, features) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


@pytest.fixture
def demo(engine):
    with transaction(engine) as s:
        services.load_demo(s)
    return engine


@pytest.fixture
def site(engine, tmp_path):
    """100 m × 100 m: a 100 × 10 m lawn along the south, a 4 m fire lane along the north,
    one 24-household building, a waste point, nothing else."""
    feats = [
        feature(box(0, 0, 100, 100), kind="boundary", id="wall"),
        feature(box(0, 0, 100, 10), kind="green_belt", id="lawn"),
        feature(box(0, 90, 100, 94), kind="fire_lane", id="lane", width_m=4),
        feature(box(20, 40, 80, 52), kind="building", id="b1", households=24),
        feature(box(10, 60, 13, 65), kind="illegal_structure", id="shed"),
        feature(shapely.Point(50, 30), kind="facility", id="waste", facility_type="waste_point"),
    ]
    with transaction(engine) as s:
        services.import_file(
            s,
            write(tmp_path / "site.geojson", feats),
            "site",
            create_name="方形",
            who=local_admin("test"),
        )
    return engine


# ------------------------------------------------------------------- CRUD


def test_demo_loads_three_options_and_load_is_idempotent(demo):
    with transaction(demo) as s:
        assert [o.name for o in services.list_options(s, DEMO)] == [A, B, C]
        assert services.load_demo_options(s, DEMO, who=local_admin("test")) == []


def test_create_duplicate_delete_and_errors(demo):
    with transaction(demo) as s:
        empty = services.create_option(s, DEMO, "  方案D  ", "空白", who=local_admin("test"))
        assert (empty.name, empty.changes) == ("方案D", 0)
        copy = services.create_option(s, DEMO, "方案A2", duplicate_of=A, who=local_admin("test"))
        assert copy.adds == 48 and copy.description
    with pytest.raises(AlreadyExists), transaction(demo) as s:
        services.create_option(s, DEMO, A, who=local_admin("test"))
    with pytest.raises(NotFound), transaction(demo) as s:
        services.create_option(s, DEMO, "X", duplicate_of="没有这个方案", who=local_admin("test"))
    with pytest.raises(InvalidInput), transaction(demo) as s:
        services.create_option(s, DEMO, "   ", who=local_admin("test"))
    with transaction(demo) as s:
        services.delete_option(s, DEMO, "方案A2", who=local_admin("test"))
        assert "方案A2" not in [o.name for o in services.list_options(s, DEMO)]
        # the original keeps its changes
        assert next(o for o in services.list_options(s, DEMO) if o.name == A).adds == 48


def test_deleting_the_community_deletes_its_options(demo):
    with transaction(demo) as s:
        services.delete_community(s, DEMO, who=local_admin("test"))
    assert option_rows(demo) == (0, 0)


# ------------------------------------------------------------------- import


def test_import_option_file_with_add_remove_modify(site, tmp_path):
    feats = [
        feature(box(30, 0, 32.5, 5.3), kind="parking_stall", action="add", name="新车位"),
        {"type": "Feature", "properties": {"kind": "illegal_structure", "action": "remove",
                                            "ref": "shed"}, "geometry": None},
        feature(box(0, 0, 100, 8), kind="green_belt", action="modify", ref="lawn"),
    ]  # fmt: skip
    with transaction(site) as s:
        summary = services.import_option(
            s, write(tmp_path / "o.geojson", feats), "site", "方案X", who=local_admin("test")
        )
        assert (summary.created, summary.adds, summary.removes, summary.modifies) == (
            True,
            1,
            1,
            1,
        )
        m = services.option_metrics(s, "site", "方案X")
    assert m["parking_stalls"] == 1
    assert m["demolished_count"] == 1 and m["demolished_area_m2"] == pytest.approx(15, abs=0.01)
    assert m["green_area_m2"] == pytest.approx(800 - 13.25, abs=0.05)
    assert m["change_of_use"] and m["ballot_rule_default"] == "civil-code-special"


def test_import_with_a_bad_ref_writes_nothing(site, tmp_path):
    before = option_rows(site)
    feats = [
        feature(box(30, 0, 32.5, 5.3), kind="parking_stall", action="add"),
        {"type": "Feature", "properties": {"kind": "building", "action": "remove", "ref": 999999},
         "geometry": None},
    ]  # fmt: skip
    with pytest.raises(InvalidInput, match="ref '999999' is not an element"):
        with transaction(site) as s:
            services.import_option(
                s, write(tmp_path / "bad.geojson", feats), "site", "坏方案", who=local_admin("test")
            )
    assert option_rows(site) == before


def test_import_a_second_removal_of_the_same_element_is_refused(site, tmp_path):
    feats = [
        {"type": "Feature", "properties": {"kind": "illegal_structure", "action": "remove",
                                            "ref": "shed"}, "geometry": None},
    ] * 2  # fmt: skip
    with pytest.raises(InvalidInput, match="already removed"), transaction(site) as s:
        services.import_option(
            s, write(tmp_path / "twice.geojson", feats), "site", "两次", who=local_admin("test")
        )
    assert option_rows(site) == (0, 0)


def test_import_a_wrong_geometry_for_the_kind_is_refused(site, tmp_path):
    feats = [feature(LineString([(0, 0), (5, 5)]), kind="building", action="add")]
    with pytest.raises(InvalidInput), transaction(site) as s:
        services.import_option(
            s, write(tmp_path / "line.geojson", feats), "site", "线", who=local_admin("test")
        )
    assert option_rows(site) == (0, 0)


def test_export_and_reimport_round_trip(demo, tmp_path):
    out = tmp_path / "b.geojson"
    with transaction(demo) as s:
        assert services.export_option_geojson(s, DEMO, B, out) == 16
        services.import_option(s, out, DEMO, "B 副本", who=local_admin("test"))
        again = services.option_metrics(s, DEMO, "B 副本")
        original = services.option_metrics(s, DEMO, B)
    for key in ("parking_stalls", "green_area_m2", "demolished_area_m2", "ebike_places"):
        assert again[key] == original[key]


# ------------------------------------------------------------------- drawing


def test_a_drawn_line_becomes_a_row_of_stalls_and_can_be_undone(site):
    line = wgs(LineString([(10, 20), (35, 20)]))  # 25 m → 10 stalls of 2.5 m
    with transaction(site) as s:
        services.create_option(s, "site", "画", who=local_admin("test"))
        assert services.add_stall_row(s, "site", "画", line, who=local_admin("test")) == 10
        assert services.add_stall_row(s, "site", "画", wgs(LineString([(10, 80), (20, 80)])), 3,
                                      side="right", who=local_admin("test")) == 3  # fmt: skip
        m = services.option_metrics(s, "site", "画")
        assert m["parking_stalls"] == 13
        assert services.undo_last_change(s, "site", "画", who=local_admin("test"))
        assert services.option_metrics(s, "site", "画")["parking_stalls"] == 12
    with pytest.raises(InvalidInput, match="room for 2 stalls"), transaction(site) as s:
        services.add_stall_row(
            s, "site", "画", wgs(LineString([(10, 20), (16, 20)])), 3, who=local_admin("test")
        )


def test_snap_line_ends_edge_corner_tolerance_and_collapse():
    lot = box(0, 0, 30, 6)
    # 1.5 m off the north edge, far from corners: onto the edge, straight down
    line, moved = snap_line_ends(LineString([(10, 7.5), (20, 12)]), [lot])
    assert moved == 1 and list(line.coords) == [(10, 6), (20, 12)]
    # a corner within the tolerance wins over the nearer edge point
    line, moved = snap_line_ends(LineString([(31.0, 1.2), (40, 1.2)]), [lot])
    assert moved == 1 and line.coords[0] == (30, 0)
    # 2.1 m away: beyond the default 2 m; a wider tolerance takes it
    far = LineString([(10, 8.1), (20, 8.1)])
    assert snap_line_ends(far, [lot]) == (far, 0)
    assert snap_line_ends(far, [lot], tolerance_m=2.5)[1] == 2
    # lines (a road centre line) are edges too; no targets, nothing moves
    road = LineString([(0, 50), (100, 50)])
    assert snap_line_ends(LineString([(5, 51), (5, 60)]), [road])[0].coords[0] == (5, 50)
    assert snap_line_ends(far, []) == (far, 0)
    # both ends onto the same corner would collapse the line: left as drawn
    tiny = LineString([(30.5, 6.5), (30.6, 6.4)])
    assert snap_line_ends(tiny, [lot]) == (tiny, 0)


def test_a_drawn_row_snaps_to_the_stalls_already_in_the_option(site):
    with transaction(site) as s:
        services.create_option(s, "site", "吸附", who=local_admin("test"))
        assert (
            services.add_stall_row(
                s, "site", "吸附", wgs(LineString([(10, 20), (35, 20)])), who=local_admin("test")
            )
            == 10
        )
        drawn = wgs(LineString([(36.2, 20.5), (50, 20.5)]))  # 1.3 m from the row's corner
        line, moved = snap_row_line(s, "site", "吸附", drawn)
        assert moved == 1
        start = crs_io.to_metric(line, EPSG).coords[0]
        assert start == pytest.approx((X0 + 35, Y0 + 20), abs=1e-3)
        assert (
            services.add_stall_row(s, "site", "吸附", line, who=local_admin("test")) == 6
        )  # 15 m → 6 stalls, no gap
        assert snap_row_line(s, "site", "吸附", wgs(LineString([(60, 40), (70, 40)])))[1] == 0


def test_click_picks_the_element_and_removing_it_counts_as_demolition(site):
    shed_centre = crs_io.to_wgs84(shapely.Point(X0 + 11.5, Y0 + 62.5), EPSG)
    with transaction(site) as s:
        services.create_option(s, "site", "拆", who=local_admin("test"))
        eid, kind, _ = services.element_at(s, "site", shed_centre.x, shed_centre.y)
        assert kind == "illegal_structure"
        services.remove_element(s, "site", "拆", eid, who=local_admin("test"))
        with pytest.raises(InvalidInput, match="already"):
            services.remove_element(s, "site", "拆", eid, who=local_admin("test"))
        m = services.option_metrics(s, "site", "拆")
    assert (m["demolished_count"], m["change_of_use"]) == (1, False)
    assert m["ballot_rule_default"] == "civil-code-ordinary"


# ------------------------------------------------------------------- metrics


def test_hand_computed_site_through_the_service(site):
    """Today: lawn 1 000 m² of 10 000 m²; 4 stalls on the lawn give up 4 × 13.25 = 53 m²;
    a stall parked 2.5 m deep into the 4 m fire lane leaves 1.5 m clear."""
    with transaction(site) as s:
        today = services.option_metrics(s, "site")
        services.create_option(s, "site", "车位", who=local_admin("test"))
        services.add_stall_row(
            s, "site", "车位", wgs(LineString([(0, 0), (10, 0)])), who=local_admin("test")
        )
        services.add_element(
            s,
            "site",
            "车位",
            "parking_stall",
            wgs(box(50, 90, 55.3, 92.5)),
            who=local_admin("test"),
        )
        m = services.option_metrics(s, "site", "车位")
    assert today["green_area_m2"] == 1000 and today["green_ratio"] == pytest.approx(0.1)
    assert today["fire_lane_min_clear_width_m"] == 4.0
    assert m["parking_stalls"] == 5
    assert m["green_area_m2"] == pytest.approx(947.0, abs=0.05)
    assert m["green_change_m2"] == pytest.approx(-53.0, abs=0.05)
    assert m["fire_lane_min_clear_width_m"] == pytest.approx(1.5, abs=0.05)
    r11 = [v for v in m["violations"] if v["rule"] == "R11"]
    assert r11 and all(len(v["location"]) == 2 for v in r11)
    lon, lat = r11[0]["location"]
    assert 114.3 < lon < 114.4 and 30.5 < lat < 30.6
    # the narrowest place is drawn on the comparison map as its cross-section (WGS-84 ends)
    [(lon0, lat0), (lon1, lat1)] = m["fire_lane_min_section"]
    assert 114.3 < min(lon0, lon1) and max(lat0, lat1) < 30.6
    assert m["fire_lane_narrowings"][0]["section"] == m["fire_lane_min_section"]
    assert m["changes"]["parking_stalls"]["delta"] == 5
    assert m["cost_total"] > 0 and set(m["cost_by_category"]) == {"基础类", "完善类", "提升类"}


def test_metrics_follow_a_new_import_and_share_the_base_until_then(site, tmp_path):
    """Issue 16.2: the base plan is read and measured once per data version; an import (a new
    version) or new unit costs are seen at once, never a stale figure."""
    from cocreate_map.services import options as options_service

    with transaction(site) as s:
        services.create_option(s, "site", "车位", who=local_admin("test"))
        services.add_stall_row(
            s, "site", "车位", wgs(LineString([(0, 0), (10, 0)])), who=local_admin("test")
        )
        first = services.option_metrics(s, "site", "车位")
        community = options_service._community(s, "site")
        plan = options_service._base_plan(s, community)
        assert options_service._base_plan(s, community) is plan  # the same version: reused
    more = [feature(box(20, 70, 50, 82), kind="building", id="b2", households=12)]
    with transaction(site) as s:
        services.import_file(
            s, write(tmp_path / "more.geojson", more), "site", who=local_admin("test")
        )
    with transaction(site) as s:
        today = services.option_metrics(s, "site")
        second = services.option_metrics(s, "site", "车位")
        assert options_service._base_plan(s, options_service._community(s, "site")) is not plan
        services.set_unit_costs(s, "site", {"per_stall": 6000}, who=local_admin("test"))
        dearer = services.option_metrics(s, "site", "车位")
    assert first["households"] == 24 and today["households"] == 36 == second["households"]
    assert second["parking_stalls"] == first["parking_stalls"] == 4
    assert dearer["cost_total"] == second["cost_total"] + 4 * 3000


def test_demo_options_differ_as_designed(demo):
    with transaction(demo) as s:
        c = services.compare_options(s, DEMO, [A, B, C])
    base, a, b, cc = c["base"], c["options"][A], c["options"][B], c["options"][C]
    # A: more stalls, less green, change of use (3/4), no demolition
    assert a["parking_stalls"] == base["parking_stalls"] + 48
    assert a["green_change_m2"] < -600 and a["change_of_use"]
    assert a["ballot_rule_default"] == "civil-code-special" and a["demolished_count"] == 0
    # B: demolishes the four sheds, keeps (adds) green, clears the fire lane, e-bike shed
    assert (b["demolished_count"], b["demolished_area_m2"]) == (4, pytest.approx(60, abs=0.1))
    assert b["green_change_m2"] > 0 and not b["change_of_use"]
    assert base["fire_lane_min_clear_width_m"] < 4.0 <= b["fire_lane_min_clear_width_m"]
    assert b["ebike_places"] == base["ebike_places"] + 20
    # C: balanced — a second waste point lifts the 120 m coverage
    assert cc["walk_coverage"]["waste_point_120m"] > base["walk_coverage"]["waste_point_120m"]
    assert base["parking_stalls"] < cc["parking_stalls"] < a["parking_stalls"]
    for r in (base, a, b, cc):
        assert 0 <= r["green_ratio"] <= 1
        for v in r["violations"]:
            assert set(v) == {"rule", "severity", "message", "text", "location"}
            # the reader's language: the English text is the message, the Chinese is Chinese
            assert v["text"]["en"] == v["message"]
            assert re.search(r"[\u4e00-\u9fff]", v["text"]["zh"]), v["text"]["zh"]
            assert not re.search(r"[A-Za-z]{3,}", v["text"]["zh"]), v["text"]["zh"]
    # B's 3/4 default comes from its new e-bike shed, and says so (issue 10.19)
    assert b["special_majority_reasons"] == ["new_ebike_shed"]


def test_unit_costs_are_editable_per_community(demo):
    with transaction(demo) as s:
        before = services.option_metrics(s, DEMO, A)["cost_total"]
        costs = services.set_unit_costs(s, DEMO, {"per_stall": 6000}, who=local_admin("test"))
        assert costs["per_stall"] == 6000
        after = services.option_metrics(s, DEMO, A)["cost_total"]
    assert after > before
    with pytest.raises(InvalidInput), transaction(demo) as s:
        services.set_unit_costs(s, DEMO, {"per_stall": -1}, who=local_admin("test"))
    with pytest.raises(InvalidInput), transaction(demo) as s:
        services.set_unit_costs(s, DEMO, {"per_unicorn": 1}, who=local_admin("test"))


def test_comparison_sheet_pdf_embeds_the_cjk_font(demo, tmp_path):
    out = tmp_path / "sheet.pdf"
    with transaction(demo) as s:
        services.comparison_sheet(s, DEMO, [A, B, C], out)
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and b"NotoSansCJK" in data


# ------------------------------------------------------------------- real data


def test_an_old_shanghai_estate_with_an_option(engine, realdata, tmp_path):
    """崂山/乳山 worker estates in Lujiazui: import land use + buildings, make an option (a stall
    row along a road edge, remove a building), metrics are sane."""
    src = realdata / "shanghai_osm"
    with transaction(engine) as s:
        services.import_file(
            s,
            src / "landuse.geojson",
            "lujiazui",
            create_name="陆家嘴老小区",
            who=local_admin("test"),
        )
        services.import_file(s, src / "buildings.geojson", "lujiazui", who=local_admin("test"))
        rows = s.scalars(
            select(ElementRow).where(ElementRow.kind == "building").order_by(ElementRow.id)
        ).all()
        building = rows[len(rows) // 2]
        epsg = s.scalars(select(ElementRow.community_id)).first()
        info = services.list_communities(s)[0]
        epsg = info.metric_epsg
        assert epsg == 32651
        c = crs_io.to_metric(building.geometry, epsg).centroid
        line = crs_io.to_wgs84(LineString([(c.x - 60, c.y - 40), (c.x + 60, c.y - 40)]), epsg)
        services.create_option(s, "lujiazui", "试验方案", who=local_admin("test"))
        n = services.add_stall_row(s, "lujiazui", "试验方案", line, 20, who=local_admin("test"))
        services.remove_element(s, "lujiazui", "试验方案", building.id, who=local_admin("test"))
        today = services.option_metrics(s, "lujiazui")
        m = services.option_metrics(s, "lujiazui", "试验方案")
    assert n == 20
    assert m["parking_stalls"] == today["parking_stalls"] + 20
    assert 0 <= m["green_ratio"] <= 1 and 0 <= today["green_ratio"] <= 1
    assert m["community_area_m2"] > 100_000  # a district-size extract, not a single compound
    assert m["demolished_count"] == 1 and m["demolished_area_m2"] > 0
    assert m["cost_total"] > 0


# ------------------------------------------------------------- the stall row (domain.layout)
# (kept here with the use case that draws it; the module's doctests run here too)

from hypothesis import given  # noqa: E402
from hypothesis import strategies as hst  # noqa: E402


def test_layout_doctests():
    import doctest

    from cocreate_map.domain import layout

    assert doctest.testmod(layout).failed == 0


# metres to the millimetre, as drawn; subnormal floats only make GEOS warn
_MM = hst.floats(-200, 200, allow_subnormal=False).map(lambda v: round(v, 3))


@given(
    hst.lists(hst.tuples(_MM, _MM), min_size=2, max_size=5).filter(
        lambda pts: LineString(pts).length > 3
    ),
    hst.sampled_from(["left", "right"]),
)
def test_a_stall_row_holds_whole_stalls_that_never_overlap(points, side):
    from cocreate_map.domain.layout import row_capacity, stall_row

    line = LineString(points)
    if row_capacity(line) == 0:
        return
    row = stall_row(line, side=side)
    assert len(row) == row_capacity(line)
    for stall in row:
        assert stall.area == pytest.approx(2.5 * 5.3, rel=1e-6)
    if len(line.coords) == 2:  # on one straight piece, stalls only touch
        union = shapely.union_all(row, grid_size=1e-6)  # exact union (GEOS float noise)
        assert union.area == pytest.approx(len(row) * 13.25, rel=1e-6)
