"""AppTest of the marks pages on a fresh SQLite database with the demo (and its 16 marks):
a resident joins, taps the map, picks a category, writes, submits; the duplicate offer; "me
too", comments and rating on a mark's page; staff sign in, publish from the queue in bulk with
a reply, see the summary and export; a building chief only sees their buildings."""

from __future__ import annotations

import json

import pytest
import streamlit as st

from cocreate_map import services
from cocreate_map.domain.annotations import Status
from cocreate_map.services import marks as mark_service
from cocreate_map.services import staff as staff_service
from cocreate_map.storage.db import make_engine, migrated_engine, transaction
from tests.ui.pages import ROOT, open_page, pick_category, press

MARKS = "cocreate_map/ui/pages/marks.py"
STAFF = "cocreate_map/ui/pages/marks_staff.py"
MAP = "cocreate_map/ui/pages/map.py"


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COCREATE_ADMIN_PASSWORD", "s3cret-staff")
    services.ensure_demo(migrated_engine(sqlite_url))  # the app finds it loaded
    st.cache_resource.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()


def join(at, index=0):
    _, code = services.demo_codes()[index]
    at.text_input[0].set_value(code)
    press(at, "进入")
    assert any("您好" in m.value for m in at.markdown)


def mark_near(url, category, status=None):
    """The first demo mark of a category (and status), as staff see it."""
    with transaction(make_engine(url)) as s:
        marks = mark_service.list_marks(
            s, services.DEMO_SLUG, categories=[category], staff=_admin()
        )
    return next(m for m in marks if status is None or m.status is status)


def folium_json(at):
    found = [e for e in at.get("component_instance") if "st_folium" in e.proto.component_name]
    return [json.loads(e.proto.json_args) for e in found]


def test_visitor_sees_the_list_and_the_map_marks_without_joining(entry):
    at = open_page(entry, MARKS)
    assert at.title[0].value == "问题与意见"
    cards = [m.value for m in at.markdown if "·" in m.value and "**" in m.value]
    assert any("违章建筑" in c for c in cards)
    assert any("共 15 条" in c.value for c in at.caption)  # the submitted demo mark is not public
    at = open_page(entry, MAP)
    text = " ".join(m.value for m in at.markdown)
    assert "居民标注 15 处" in text
    [args] = folium_json(at)
    # the marks come as a layer of their own (a new mark does not remount the map)
    assert "markerClusterGroup" in args["feature_group"]
    assert "markerClusterGroup" not in args["script"]


def test_resident_marks_a_problem_with_a_tap(entry, sqlite_url):
    at = open_page(entry, MARKS)
    join(at)
    at.session_state["marks_pick_map"] = {"last_clicked": {"lat": 30.53108, "lng": 114.33520}}
    at.run()
    assert any("位置已选好" in s.value for s in at.success)
    press(at, "提交")
    assert any("请选一个问题类别" in e.value for e in at.error)  # nothing saved yet
    pick_category(at, "road_surface")
    at.text_area(key="marks_text").set_value("1栋南边路面塌了一个坑 <b>很危险</b>").run()
    press(at, "提交")
    assert any("已提交" in s.value for s in at.success), [e.value for e in at.error]
    with transaction(make_engine(sqlite_url)) as s:
        me = services.list_households(s, services.DEMO_SLUG)[0].id
        mine = mark_service.list_marks(
            s, services.DEMO_SLUG, mine_household_id=me, viewer_household_id=me
        )
    assert [m.text for m in mine] == ["1栋南边路面塌了一个坑 <b>很危险</b>"]
    assert mine[0].status is Status.SUBMITTED and mine[0].building == "1"


def test_empty_text_is_refused_and_nothing_saved(entry, sqlite_url):
    at = open_page(entry, MARKS)
    join(at)
    at.session_state["marks_pick_map"] = {"last_clicked": {"lat": 30.53108, "lng": 114.33520}}
    at.run()
    pick_category(at, "waste")
    press(at, "提交")
    errors = [e for e in at.error if "问题描述还是空的" in e.value]
    assert errors, [e.value for e in at.error]
    # shown at the description field (just above it), not under the submit button; what was
    # picked on the map is kept
    flat = list(at.main)
    where = flat.index(errors[0])
    nxt = next(el for el in flat[where + 1 :] if el.type != "html")
    assert nxt.type == "text_area" and nxt.key == "marks_text"
    assert any("位置已选好" in s.value for s in at.success)
    assert at.session_state["marks_category"] == "waste"
    assert at.pills(key="marks_category_basic").value == "waste"
    with transaction(make_engine(sqlite_url)) as s:
        assert len(mark_service.list_marks(s, services.DEMO_SLUG, staff=_admin())) == 16


def test_a_mark_close_to_a_public_one_of_its_kind_offers_me_too(entry, sqlite_url):
    lit = mark_near(sqlite_url, "lighting", Status.IN_PROGRESS)
    at = open_page(entry, MARKS)
    join(at)
    p = lit.geometry
    at.session_state["marks_pick_map"] = {"last_clicked": {"lat": p.y + 0.00005, "lng": p.x}}
    at.run()
    pick_category(at, "lighting")
    at.text_area(key="marks_text").set_value("这里的灯不亮").run()
    press(at, "提交")
    assert any("附近已有 1 条同类问题" in w.value for w in at.warning)
    assert any("已提交" in s.value for s in at.success) is False
    # in progress: no "me too" (the domain closes it), but the resident is told why and what
    # else to do; what was drawn stays
    assert not [b for b in at.button if b.label == "我也遇到"]
    assert any("处理中" in i.value and "不用再报" in i.value for i in at.info)
    assert [b for b in at.button if b.label == "把我写的作为留言补充给它"]
    assert any("位置已选好" in s.value for s in at.success)
    press(at, "不是这些，提交我的新问题")
    assert any("已提交" in s.value for s in at.success)


def test_what_was_written_goes_to_an_in_progress_mark_as_a_comment(entry, sqlite_url):
    lit = mark_near(sqlite_url, "lighting", Status.IN_PROGRESS)
    at = open_page(entry, MARKS)
    join(at)
    p = lit.geometry
    at.session_state["marks_pick_map"] = {"last_clicked": {"lat": p.y + 0.00005, "lng": p.x}}
    at.run()
    pick_category(at, "lighting")
    at.text_area(key="marks_text").set_value("楼道口这盏灯晚上还是不亮").run()
    press(at, "提交")
    # a look at the offered mark and back: the form still holds the place, category and text
    press(at, "查看这条")
    assert at.query_params["mark"] == [str(lit.id)] or at.query_params["mark"] == str(lit.id)
    press(at, "返回")
    assert any("位置已选好" in s.value for s in at.success)
    assert at.text_area(key="marks_text").value == "楼道口这盏灯晚上还是不亮"
    assert at.session_state["marks_category"] == "lighting"
    press(at, "提交")
    press(at, "把我写的作为留言补充给它")
    assert any("已把您写的情况作为留言补充给" in s.value for s in at.success)
    with transaction(make_engine(sqlite_url)) as s:
        d = mark_service.mark_detail(s, lit.id, staff=_admin())
        n = len(mark_service.list_marks(s, services.DEMO_SLUG, staff=_admin()))
    assert d.comments[-1].text == "楼道口这盏灯晚上还是不亮"
    assert d.comments[-1].author == "1-1-101"
    assert n == 16  # no new mark
    assert not any("位置已选好" in s.value for s in at.success)  # the form starts again


def test_a_tap_on_a_pin_while_marking_offers_that_mark(entry, sqlite_url):
    green = mark_near(sqlite_url, "greenery", Status.PUBLISHED)
    at = open_page(entry, MARKS)
    join(at)
    p = green.geometry.representative_point()
    # st_folium gives a tapped pin's own place as last_object_clicked (no last_clicked)
    at.session_state["marks_pick_map"] = {
        "last_object_clicked": {"lat": round(p.y, 6), "lng": round(p.x, 6)}
    }
    at.run()
    assert any(f"#{green.id}" in w.value for w in at.warning), [w.value for w in at.warning]
    assert not any("位置已选好" in s.value for s in at.success)  # no new point on the pin
    press(at, "我也遇到")
    with transaction(make_engine(sqlite_url)) as s:
        assert mark_service.get_mark(s, green.id).supports == green.supports + 1
    assert not any(f"#{green.id}" in w.value for w in at.warning)


def test_category_pills_are_grouped_by_class_and_hold_one_choice(entry):
    at = open_page(entry, MARKS)
    join(at)
    groups = {p.label: p.options for p in at.pills}
    assert list(groups) == ["基础类", "完善类", "提升类"], list(groups)
    assert "排水" in groups["基础类"] and "照明" in groups["完善类"]
    pick_category(at, "drainage")
    pick_category(at, "lighting")
    assert at.session_state["marks_category"] == "lighting"
    assert at.pills(key="marks_category_basic").value is None
    assert at.pills(key="marks_category_improvement").value == "lighting"


def test_me_too_comment_and_reply_on_a_marks_page(entry, sqlite_url):
    target = mark_near(sqlite_url, "greenery", Status.PUBLISHED)
    at = open_page(entry, MARKS, mark=str(target.id))
    assert "用住户码登录" in at.expander[0].label  # the join form is folded on a mark's page
    join(at)
    press(at, "我也遇到")
    with transaction(make_engine(sqlite_url)) as s:
        assert mark_service.get_mark(s, target.id).supports == target.supports + 1
    assert not [b for b in at.button if b.label == "我也遇到"]
    assert any("您家也遇到" in s.value for s in at.success)
    at.text_area[0].set_value("同意，周末孩子只能在路上玩 ![x](http://127.0.0.1:1/x.png)")
    press(at, "发表")
    texts = [m.value for m in at.markdown]
    assert any("孩子只能在路上玩" in v and "&#33;&#91;x&#93;" in v for v in texts)
    # the whole community reads comments: the author's building, never the flat (1-1-101)
    authors = [c.value for c in at.caption if "·" in c.value]
    assert any(a.startswith("1栋居民") for a in authors), authors
    assert not any("101" in a for a in authors), authors


def test_resident_rates_a_resolved_mark(entry, sqlite_url):
    evaluated = mark_near(sqlite_url, "lighting", Status.EVALUATED)
    with transaction(make_engine(sqlite_url)) as s:
        target = mark_service.mark_detail(s, evaluated.id).mark
    at = open_page(entry, MARKS, mark=str(target.id))
    join(at, 2)
    assert any("居民评价" in m.value for m in at.markdown)
    at.feedback(key=f"marks_rate_{target.id}").set_value(3).run()  # the 4th star
    assert any("您打了 4 星" in s.value for s in at.success)
    with transaction(make_engine(sqlite_url)) as s:
        me = services.list_households(s, services.DEMO_SLUG)[2].id
        after = mark_service.mark_detail(s, target.id, me)
    assert after.my_rating == 4 and after.mark.ratings == target.ratings + 1


def _admin():
    from cocreate_map.domain.annotations import Role

    return staff_service.StaffIdentity("t", Role.ADMIN)


def sign_in(at, user="admin", password="s3cret-staff"):
    at.text_input(key="marks_staff_sign_in_user").set_value(user)
    at.text_input(key="marks_staff_sign_in_pw").set_value(password)
    press(at, "登录")


def test_staff_publish_from_the_queue_with_a_reply(entry, sqlite_url):
    at = open_page(entry, STAFF)
    assert not at.tabs
    sign_in(at)
    assert any("1 条新意见等待审核" in c.value for c in at.caption)
    assert at.dataframe  # the queue table
    queued = mark_near(sqlite_url, "parking", Status.SUBMITTED)
    # tick the row through the editor's state, as a click would
    key = "marks_staff_queue"
    at.session_state[key] = {
        "edited_rows": {0: {"pick": True}}, "added_rows": [], "deleted_rows": [],
    }  # fmt: skip
    at.run()
    at.selectbox(key="marks_staff_q_action").set_value("publish").run()
    at.text_area(key="marks_staff_q_reply").set_value("已收到，下周请电动车棚管理员一起看。").run()
    press(at, "公开：1 条")
    assert any("1 条意见" in s.value for s in at.success), [e.value for e in at.error]
    with transaction(make_engine(sqlite_url)) as s:
        d = mark_service.mark_detail(s, queued.id, staff=_admin())
    assert d.mark.status is Status.PUBLISHED
    assert [c.text for c in d.comments if c.official][-1].startswith("已收到")


def test_staff_summary_and_exports(entry, sqlite_url):
    at = open_page(entry, STAFF)
    sign_in(at)
    metrics = {m.label: m.value for m in at.metric}
    with transaction(make_engine(sqlite_url)) as s:
        summary = mark_service.summary(s, services.DEMO_SLUG)
    assert metrics["公开意见"] == str(summary.total) == "15"
    assert metrics["满意度"] == f"{summary.satisfaction:.1f} / 5"
    assert metrics["解决率"] == f"{100 * summary.resolution_rate:.0f}%"
    assert len(at.get("download_button")) == 2


def test_building_chief_sees_only_their_buildings(entry, sqlite_url):
    with transaction(make_engine(sqlite_url)) as s:
        staff_service.add_user(
            s, "chief.two", "long-enough-pw", "building_chief",
            community_slug=services.DEMO_SLUG, buildings=["2"],
        )  # fmt: skip
    at = open_page(entry, STAFF)
    sign_in(at, "chief.two", "long-enough-pw")
    assert any("您负责的楼栋：2" in c.value for c in at.caption)
    assert any("0 条新意见等待审核" in c.value for c in at.caption)


def test_wrong_staff_password_shows_an_error_and_no_tabs(entry):
    at = open_page(entry, STAFF)
    sign_in(at, password="wrong")
    assert at.error and not at.tabs


def test_a_tap_on_a_pin_of_the_community_map_opens_that_mark(entry, sqlite_url):
    green = mark_near(sqlite_url, "greenery", Status.PUBLISHED)
    at = open_page(entry, MAP)
    p = green.geometry.representative_point()
    at.session_state["community_map"] = {
        "last_object_clicked": {"lat": round(p.y, 6), "lng": round(p.x, 6)}
    }
    at.run()
    assert not at.exception, at.exception
    assert any(f"#{green.id}" in h.value for h in at.subheader), [h.value for h in at.subheader]
    # a tap on a building (where the finger was, no pin there) opens nothing
    at = open_page(entry, MAP)
    at.session_state["community_map"] = {
        "last_object_clicked": {"lat": round(p.y, 6) + 0.00003, "lng": round(p.x, 6)}
    }
    at.run()
    assert not at.subheader
