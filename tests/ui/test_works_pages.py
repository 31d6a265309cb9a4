"""AppTest of the works pages on a fresh SQLite database with the demo (the 棉花白 wall work
from the closed colour ballot, in progress, and the accepted stairwell lights of 2栋): a visitor
sees the works on the map and as a list, opens a work and sees its milestones, photos and
supervisors, and finds no staff action; a household volunteers as supervisor; staff sign in,
create a work for chosen buildings and post a milestone; the projector shows the works panel."""

from __future__ import annotations

import json

import pytest
import streamlit as st

from cocreate_map import services
from cocreate_map.services import staff as staff_service
from cocreate_map.services import works as work_service
from cocreate_map.services.demo.works import LIGHTS_WORK, WALL_WORK
from cocreate_map.storage.db import make_engine, migrated_engine, transaction
from tests.ui.pages import ROOT, open_page, press

WORKS = "cocreate_map/ui/pages/works.py"
STAFF = "cocreate_map/ui/pages/works_staff.py"
MEETING = "cocreate_map/ui/pages/meeting.py"
PASSWORD = "a long enough secret"


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    services.ensure_demo(migrated_engine(sqlite_url))
    st.cache_resource.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()


def works_of(url):
    with transaction(make_engine(url)) as s:
        return {w.title: w for w in work_service.list_works(s, services.DEMO_SLUG)}


def folium_args(at):
    found = [e for e in at.get("component_instance") if "st_folium" in e.proto.component_name]
    return [json.loads(e.proto.json_args) for e in found]


def test_visitor_sees_works_on_the_map_and_in_the_list(entry):
    at = open_page(entry, WORKS)
    assert at.title[0].value == "工程项目"
    text = " ".join(m.value for m in at.markdown)
    assert WALL_WORK in text and LIGHTS_WORK in text
    [args] = folium_args(at)
    assert "url(#cc-hatch)" in args["script"]  # the wall work is in progress: hatched
    assert "cc-hatch" in args["html"] or "cc-hatch" in args["script"]
    assert "/works?work=" in args["script"]  # each work's popup links to its page
    assert [p.proto.text for p in at.get("progress")][:2] == ["进度 60%", "进度 100%"]
    assert not any(b.label in ("开工", "完工", "验收通过") for b in at.button)


def test_a_work_page_shows_milestones_photos_and_no_staff_actions(entry, sqlite_url):
    wall = works_of(sqlite_url)[WALL_WORK]
    at = open_page(entry, WORKS, work=str(wall.id))
    assert at.title[0].value == WALL_WORK
    text = " ".join(m.value for m in at.markdown)
    assert "施工中" in text and "基础类" in text and "棉花白" in text
    assert "进度记录（4 条）" in text and "居民监督员（2 户）" in text and "杨大爷" in text
    assert len(at.get("imgs")) >= 4 or len(at.get("image")) >= 1
    money = {m.label: m.value for m in at.metric}
    assert money["预算"] == "¥286,000.00" and "已支出" in money and "投工投劳折算" in money
    labels = [b.label for b in at.button]
    assert not set(labels) & {"开工", "完工", "验收通过", "退回返工", "发布进度"}
    assert not any(f.key and "works_milestone" in str(f.key) for f in at.get("form"))


def test_household_volunteers_as_supervisor(entry, sqlite_url):
    wall = works_of(sqlite_url)[WALL_WORK]
    at = open_page(entry, WORKS, work=str(wall.id))
    _, code = services.demo_codes()[0]
    at.text_input[0].set_value(code)
    press(at, "进入")
    name = next(ti for ti in at.text_input if "称呼" in ti.label)
    name.set_value("王阿姨")
    press(at, "我家愿意当监督员")
    assert any("监督员" in s.value for s in at.success) or "王阿姨" in " ".join(
        m.value for m in at.markdown
    )
    assert works_of(sqlite_url)[WALL_WORK].supervisors == 3


def test_staff_create_a_work_and_post_a_milestone(entry, sqlite_url):
    with transaction(make_engine(sqlite_url)) as s:
        staff_service.add_user(s, "wang", PASSWORD, "planner", community_slug=services.DEMO_SLUG)
    at = open_page(entry, STAFF)
    at.text_input(key="works_staff_sign_in_user").set_value("wang")
    at.text_input(key="works_staff_sign_in_pw").set_value(PASSWORD)
    press(at, "登录")
    at.radio(key="works_create_basis").set_value("staff").run()
    next(ti for ti in at.text_input if ti.label == "项目名称").set_value("7栋屋面防水")
    next(ms for ms in at.multiselect if ms.label == "楼栋").set_value(["7"])
    next(ti for ti in at.text_input if ti.label.startswith("预算")).set_value("12000.50")
    press(at, "建立项目")
    assert any("已建立" in s.value for s in at.success), [e.value for e in at.error]
    roof = works_of(sqlite_url)["7栋屋面防水"]
    assert (roof.budget_fen, roof.buildings, roof.status.value) == (1200050, ("7",), "planned")
    at.selectbox(key="works_staff_pick").set_value(roof.id).run()
    press(at, "开工")
    assert works_of(sqlite_url)["7栋屋面防水"].status.value == "in_progress"
    next(ta for ta in at.text_area if ta.label == "这一步做了什么").set_value("旧防水层已铲除")
    next(sl for sl in at.slider if sl.label.startswith("完成进度")).set_value(30)
    press(at, "发布进度")
    assert works_of(sqlite_url)["7栋屋面防水"].progress_pct == 30


def test_bad_budget_is_refused_in_the_readers_language(entry, sqlite_url):
    with transaction(make_engine(sqlite_url)) as s:
        staff_service.add_user(s, "wang", PASSWORD, "planner", community_slug=services.DEMO_SLUG)
    at = open_page(entry, STAFF, lang="en")
    at.text_input(key="works_staff_sign_in_user").set_value("wang")
    at.text_input(key="works_staff_sign_in_pw").set_value(PASSWORD)
    press(at, "Sign in")
    next(ti for ti in at.text_input if ti.label == "Title").set_value("Roof")
    next(ti for ti in at.text_input if ti.label.startswith("Budget")).set_value("-3")
    press(at, "Create work")
    assert any("negative" in e.value for e in at.error)
    assert "Roof" not in works_of(sqlite_url)


def test_projector_works_panel(entry):
    at = open_page(entry, MEETING, community=services.DEMO_SLUG, view="projector", panel="works")
    html = " ".join(h.proto.body for h in at.get("html"))
    assert WALL_WORK in html and "进度 60%" in html and 'data-work="' in html


def test_tapping_a_work_on_the_map_opens_its_page(entry, sqlite_url):
    wall = works_of(sqlite_url)[WALL_WORK]
    at = open_page(entry, WORKS)
    p = wall.scope.geoms[0].representative_point()
    at.session_state["works_map"] = {"last_object_clicked": {"lat": p.y, "lng": p.x}}
    at.run()
    assert at.query_params["work"] == [str(wall.id)] or at.query_params["work"] == str(wall.id)
    assert at.title[0].value == WALL_WORK
    press(at, "返回项目列表")  # the same tap, repeated by the map, does not open it again
    assert at.title[0].value == "工程项目"


def test_the_community_map_has_the_works_layer(entry):
    at = open_page(entry, "cocreate_map/ui/pages/map.py")
    [args] = folium_args(at)
    assert "url(#cc-hatch)" in args["script"]
    assert WALL_WORK in args["script"] or json.dumps(WALL_WORK)[1:-1] in args["script"]
    assert any("工程项目（3 个）" in str(p.proto.label) for p in at.get("page_link"))
