"""AppTest of the option comparison page: demo options, pick 2, table, zh/en, planner actions
(the map's drawing and click are injected through the st_folium component's session key)."""

import html
from pathlib import Path

import pytest
import streamlit as st
from shapely.geometry import LineString, Point
from streamlit.testing.v1 import AppTest

from cocreate_map import services
from cocreate_map.io import crs as crs_io
from cocreate_map.services.access import local_admin
from cocreate_map.storage.db import make_engine, transaction

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "cocreate_map" / "ui" / "pages" / "options.py"
A, B, C = "方案A：草坪改车位", "方案B：保留绿地", "方案C：平衡"


@pytest.fixture
def app(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.run()
    yield at
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def planner_app(app, sqlite_url):
    """The page with a planner signed in (the option editor is a staff section): a real
    account and session token, checked by the page on every run like a browser's cookie."""
    from cocreate_map.services import sessions
    from cocreate_map.services import staff as staff_service

    with transaction(make_engine(sqlite_url)) as s:
        who = staff_service.add_user(s, "planner.li", "long enough secret", "planner")
        token = sessions.open_staff_session(s, who)
    app.session_state["staff_token"] = token
    app.run()
    return app


def table(at):
    return next(m.value for m in at.markdown if 'class="cc-opt"' in m.value)


def table_text(at):
    """The table as a reader sees it: cells escape digits and signs as HTML entities."""
    return html.unescape(table(at))


def press(at, label):
    next(b for b in at.button if b.label == label).click().run()


def test_page_renders_the_demo_options_and_the_table(app):
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.multiselect[0].value == [A, B, C]
    html = table(app)
    assert "机动车位" in html and "现状" in html and "cc-best" in html
    text = table_text(app)
    assert "136" in text and "+48" in text  # option A: 88 + 48 stalls
    assert any("双四分之三" in w.value for w in app.warning)  # A and C give up green


def test_pick_two_options(app):
    app.multiselect[0].set_value([A, B]).run()
    assert not app.exception
    html = table(app)
    assert A in html and B in html and C not in html


def test_english(app):
    app.session_state["lang"] = "en"
    app.run()
    html = table(app)
    assert "Car places in total" in html and "Today" in html
    assert app.title[0].value == "Compare layout options"


def test_a_hostile_option_name_is_escaped(app, sqlite_url):
    with transaction(make_engine(sqlite_url)) as s:
        services.create_option(
            s, services.DEMO_SLUG, "<img src=x onerror=alert(1)>${1}", who=local_admin("test")
        )
    app.multiselect[0].set_value([A, "<img src=x onerror=alert(1)>${1}"]).run()
    html = table(app)
    assert "<img" not in html and "&lt;img" in html and "${" not in html


def test_planner_creates_an_option_and_draws_a_stall_row(planner_app, sqlite_url):
    app = planner_app
    app.text_input(key="options_new_name").set_value("方案D")
    next(b for b in app.button if b.label == "新建方案").click().run()
    assert not app.exception
    assert any("已新建方案 方案D" in s.value for s in app.success)
    assert app.selectbox(key="options_edit").value == "方案D"
    # a line drawn on the map arrives as the component's value
    with transaction(make_engine(sqlite_url)) as s:
        epsg = services.list_communities(s)[0].metric_epsg
    line = crs_io.to_wgs84(
        LineString([(244270 + 95, 3380658 + 20), (244270 + 120, 3380658 + 20)]), epsg
    )
    app.session_state["options_draw_map"] = {
        "last_active_drawing": {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in line.coords]},
        }
    }
    app.run()
    press(app, "添加这排车位")
    assert not app.exception
    assert any("添加 10 个车位" in s.value for s in app.success), [s.value for s in app.success]
    assert "方案D" in table(app)
    with transaction(make_engine(sqlite_url)) as s:
        m = services.option_metrics(s, services.DEMO_SLUG, "方案D")
    assert m["parking_stalls"] == 88 + 10


def test_planner_removes_a_clicked_shed(planner_app, sqlite_url):
    app = planner_app
    app.selectbox(key="options_edit").set_value(C).run()
    app.radio(key="options_tool").set_value("remove").run()
    with transaction(make_engine(sqlite_url)) as s:
        epsg = services.list_communities(s)[0].metric_epsg
    shed = crs_io.to_wgs84(Point(244270 + 16.5, 3380658 + 152.5), epsg)  # 10栋西山墙违建棚 (ill-04)
    app.session_state["options_click_map"] = {"last_clicked": {"lat": shed.y, "lng": shed.x}}
    app.run()
    assert not app.exception
    assert any("10栋西山墙违建棚" in m.value for m in app.markdown)
    press(app, "从方案中移除")
    assert any("已经修改过" in e.value for e in app.error)  # C demolishes it already


def test_unit_costs_edit_changes_the_cost_row(planner_app):
    app = planner_app
    stall = next(n for n in app.number_input if n.label.startswith("每个车位"))
    stall.set_value(6000.0)
    press(app, "保存单价")
    assert not app.exception
    assert any("已保存单价" in s.value for s in app.success)
    assert "288,000" in table_text(app)  # option A: 48 stalls × 6 000


# The comparison table has the 300 m coverage by facility type and the cost by category
# (issue 17.5): (lang, rows that must be there)
COVERAGE_ROWS = [
    ("zh", ["健身设施 300 米步行覆盖", "垃圾分类点 300 米步行覆盖", "造价 · 完善类（元）"]),
    ("en", ["within 300 m walk", "Cost · 完善类 (yuan)"]),
]


@pytest.mark.parametrize(("lang", "rows"), COVERAGE_ROWS)
def test_table_has_walking_coverage_and_cost_by_category(app, lang, rows):
    app.session_state["lang"] = lang
    app.run()
    text = table_text(app)
    assert all(r in text for r in rows), text
    assert "100.0%" in text  # today's waste point reaches every household within 300 m


def test_visitors_see_no_option_editor_but_a_staff_sign_in_entry(app):
    assert not app.exception, app.exception
    assert "options_new_name" not in [w.key for w in app.text_input]
    assert not any(b.label == "新建方案" for b in app.button)
    assert any("工作人员登录" in m.value for m in app.markdown)


def test_the_three_quarter_rule_says_why(app):
    """B demolishes nothing green, yet defaults to 3/4: its new e-bike shed on common land. The
    table's rule cell and a note say so (issue 10.19)."""
    html = table(app)
    row = next(r for r in html.split("<tr>") if "默认表决规则" in r)
    cells = row.split("<td")[2:]  # today, A, B, C
    assert "新建电动车棚" in cells[2] and "双四分之三" in cells[2]
    assert "占用绿地" in cells[1] and "新建电动车棚" not in cells[1]
    assert "新建电动车棚" not in cells[0]
    notes = [w.value for w in app.warning if B in w.value]
    assert notes and "电动车棚" in notes[0] and "双四分之三" in notes[0], notes


def test_map_legend_counts_car_places_as_the_table_does(app, sqlite_url):
    """The legend's 停车位/停车场 rows count car places; together they are the table's 机动车位
    for today and every option (issue 10.19: 48 on the map against 88 in the table)."""
    from cocreate_map.domain.elements import Kind
    from cocreate_map.ui import maps

    with transaction(make_engine(sqlite_url)) as s:
        cmp = services.compare_options(s, services.DEMO_SLUG, [A, B, C])
        for name, result in [(None, cmp["base"]), *cmp["options"].items()]:
            od = services.option_map_data(s, services.DEMO_SLUG, name)
            assert sum(od.data.places.values()) == result["parking_stalls"], name
        today = services.option_map_data(s, services.DEMO_SLUG, None).data
    assert maps.legend_count(today, Kind.PARKING_STALL, "zh") == "48 个车位"
    assert maps.legend_count(today, Kind.PARKING_LOT, "zh") == "1 处 · 40 个车位"
    assert maps.legend_count(today, Kind.BUILDING, "zh") == str(today.counts["building"])
    assert cmp["base"]["parking_stalls"] == 88


@pytest.mark.parametrize(("open_ballot", "deleted"), [(False, True), (True, False)])
def test_planner_deletes_an_option_unless_an_open_ballot_uses_it(
    planner_app, sqlite_url, open_ballot, deleted
):
    """Issue 17.6: 删除方案 asks to be sure, deletes an option no open ballot uses, refuses one
    on an open ballot with one message in Chinese, and then changes nothing. (The demo's own
    ballot is open on A, B and C, so the option under test is a new one.)"""
    at = planner_app
    slug = services.DEMO_SLUG
    with transaction(make_engine(sqlite_url)) as s:
        services.create_option(s, slug, "方案D", who=local_admin("test"))
        if open_ballot:
            services.create_ballot(
                s, slug, "方案D？", None, options=["方案D"], who=local_admin("test")
            )
    at.run()
    at.selectbox(key="options_edit").set_value("方案D").run()
    at.checkbox(key="options_delete_sure").check().run()
    next(b for b in at.button if b.key == "options_delete").click().run()
    assert not at.exception
    with transaction(make_engine(sqlite_url)) as s:
        names = [o.name for o in services.list_options(s, slug)]
    if deleted:
        assert "方案D" not in names and names == [A, B, C]
    else:
        assert "方案D" in names and len(names) == 4
        assert any("进行中的表决" in e.value for e in at.error)
