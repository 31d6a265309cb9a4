"""AppTest of the 共评 pages on a fresh SQLite database with the demo (the first phase of the wall
work completed and rated by 54 of its 96 households; the sanitation convention signed by 150 of
300): a visitor sees the figures with their denominators and can write nothing; a household
signs in with a demo code, rates with one tap, changes its rating (counted once), contests and
signs / withdraws; staff sign in with a real session token, enter paper ratings and signatures,
draft and revise a convention, follow the progress (table, map, the households to visit) and
download the PDFs; a building chief sees only its buildings; the projector's convention panel."""

from __future__ import annotations

import html
import json

import pytest
import streamlit as st

from cocreate_map import services
from cocreate_map.services import conventions as C
from cocreate_map.services import evaluation as E
from cocreate_map.services import sessions
from cocreate_map.services import staff as staff_service
from cocreate_map.services.access import local_admin
from cocreate_map.services.demo.evaluation import CONVENTION, PHASE_ONE
from cocreate_map.services.works import household_by_label
from cocreate_map.storage.db import make_engine, migrated_engine, transaction
from tests.ui.pages import ROOT, open_page, press

PAGE = "cocreate_map/ui/pages/evaluate.py"
STAFF = "cocreate_map/ui/pages/evaluate_staff.py"
MEETING = "cocreate_map/ui/pages/meeting.py"
PASSWORD = "a long enough secret"


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    services.ensure_demo(migrated_engine(sqlite_url))
    st.cache_resource.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()


def ids(url):
    with transaction(make_engine(url)) as s:
        work = next(w for w in E.evaluated_works(s, services.DEMO_SLUG) if w.title == PHASE_ONE)
        conv = next(c for c in C.list_conventions(s, services.DEMO_SLUG) if c.title == CONVENTION)
        return work.id, conv.id


def figures(url):
    work_id, conv_id = ids(url)
    with transaction(make_engine(url)) as s:
        r = E.work_ratings(s, work_id)
        p = C.progress(s, conv_id)
        return r.summary.rated, r.contests, p.signed, p.convention.version


def household_id(url, label):
    with transaction(make_engine(url)) as s:
        return household_by_label(s, services.DEMO_SLUG, label)


def metrics(at):
    """Label → value of the first metric of each label (the first work's, the summary's)."""
    out: dict[str, str] = {}
    for m in at.metric:
        out.setdefault(m.label, m.value)
    return out


def texts(at):
    return " ".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def sign_in_household(at, index=0):
    label, code = services.demo_codes()[index]
    box = next(ti for ti in at.text_input if ti.label.startswith("住户码"))
    box.set_value(code)
    press(at, "进入")
    return label


def staff_app(entry, url, role="planner", buildings=(), **params):
    """The staff page with an account signed in: a real session token, checked by the page on
    every run like a browser's cookie."""
    with transaction(make_engine(url)) as s:
        who = staff_service.add_user(
            s, f"{role.replace('_', '.')}.li", PASSWORD, role,
            community_slug=services.DEMO_SLUG, buildings=list(buildings),
        )  # fmt: skip
        token = sessions.open_staff_session(s, who)
    at = open_page(entry, "cocreate_map/ui/pages/map.py", **params)
    at.session_state["staff_token"] = token
    at.switch_page(STAFF)
    at.run()
    assert not at.exception, at.exception
    return at


def test_visitor_sees_figures_with_denominators_and_no_way_to_write(entry, sqlite_url):
    before = figures(sqlite_url)
    at = open_page(entry, PAGE)
    assert at.title[0].value == "效果共评 · 社区公约"
    m = metrics(at)
    assert m["参与评价"].endswith("（54/96）") and m["参与评价"].startswith("56.3%")
    assert "已签署" in m and m["已签署"] == "50.0%（150/300）"
    assert "（" in m["工程满意度"] and "/54）" in m["工程满意度"]
    assert "问题解决率" in m
    text = texts(at)
    assert PHASE_ONE in html.unescape(" ".join(s.value for s in at.subheader))
    assert "已采纳" in text
    labels = [b.label for b in at.button]
    assert not any(label.endswith("★") for label in labels)
    assert "我家签署这份公约" not in labels
    assert figures(sqlite_url) == before


def test_household_rates_with_one_tap_changes_it_and_is_counted_once(entry, sqlite_url):
    work_id, _ = ids(sqlite_url)
    at = open_page(entry, PAGE, work=str(work_id))
    label = sign_in_household(at)
    hid = household_id(sqlite_url, label)
    stars = [b for b in at.button if b.key and b.key.startswith(f"evaluate_star_{work_id}_")]
    assert [b.label for b in stars] == ["1★", "2★", "3★", "4★", "5★"]
    press(at, "4★")
    assert any("4 星" in s.value for s in at.success)
    assert figures(sqlite_url)[0] == 55
    assert metrics(at)["参与评价"].endswith("（55/96）")
    press(at, "5★")
    with transaction(make_engine(sqlite_url)) as s:
        assert E.my_rating(s, work_id, hid) == 5
    assert figures(sqlite_url)[0] == 55  # a changed rating counts once
    assert any("5 星" in m.value for m in at.markdown)  # "您家打了 5 星"
    next(ta for ta in at.text_area if ta.label == "您的意见").set_value(
        "颜色很好 <script>x</script>"
    )
    press(at, "保存意见")
    with transaction(make_engine(sqlite_url)) as s:
        comments = E.work_ratings(s, work_id).comments
    assert any(c.text == "颜色很好 <script>x</script>" and c.stars == 5 for c in comments)
    assert "<script>" not in " ".join(m.value for m in at.markdown)


def test_household_contests_once_and_signs_then_withdraws(entry, sqlite_url):
    work_id, conv_id = ids(sqlite_url)
    at = open_page(entry, PAGE, work=str(work_id))
    label = sign_in_household(at, 1)
    next(ta for ta in at.text_area if ta.label == "哪里没做好或不对？").set_value("三楼窗下没刷匀")
    press(at, "提交")
    assert figures(sqlite_url)[1] == 1
    assert any("已经提出过" in i.value for i in at.info)
    press(at, "我家签署这份公约")
    assert figures(sqlite_url)[2] == 151
    with transaction(make_engine(sqlite_url)) as s:
        assert C.has_signed(s, conv_id, household_id(sqlite_url, label))
    assert metrics(at)["已签署"] == "50.3%（151/300）"
    press(at, "撤回我家的签名")
    assert figures(sqlite_url)[2] == 150


def test_an_empty_contest_is_refused_next_to_the_form_in_english(entry, sqlite_url):
    work_id, _ = ids(sqlite_url)
    at = open_page(entry, PAGE, work=str(work_id), lang="en")
    label, code = services.demo_codes()[2]
    next(ti for ti in at.text_input if "code" in ti.label.lower()).set_value(code)
    press(at, "Enter")
    press(at, "Send")
    assert any("what is not done" in e.value.lower() or "say" in e.value.lower() for e in at.error)
    assert figures(sqlite_url)[1] == 0


def test_anonymous_staff_page_is_a_sign_in_form(entry, sqlite_url):
    with transaction(make_engine(sqlite_url)) as s:
        staff_service.add_user(s, "wang", PASSWORD, "planner", community_slug=services.DEMO_SLUG)
    before = figures(sqlite_url)
    at = open_page(entry, STAFF)
    assert at.text_input(key="evaluate_staff_sign_in_user") is not None
    assert not at.tabs
    for b in at.button:
        b.click().run()
    assert figures(sqlite_url) == before


def test_staff_enter_paper_ratings_and_signatures(entry, sqlite_url):
    work_id, conv_id = ids(sqlite_url)
    label, _code = services.demo_codes()[3]
    at = staff_app(entry, sqlite_url)
    assert [tab.label for tab in at.tabs][:2] == ["录入纸质评价", "录入纸质签名"]
    form_box = [ti for ti in at.text_input if ti.label.startswith("住户")]
    form_box[0].set_value(label)
    at.segmented_control(key="evaluate_staff_stars").set_value(3)
    press(at, "保存这户的评价")
    assert any("3 星" in s.value for s in at.success), [e.value for e in at.error]
    with transaction(make_engine(sqlite_url)) as s:
        assert E.my_rating(s, work_id, household_id(sqlite_url, label)) == 3
    at.text_input(key="evaluate_staff_sign_hh").set_value(label)
    press(at, "登记签名")
    assert figures(sqlite_url)[2] == 151
    at.text_input(key="evaluate_staff_sign_hh").set_value(label)
    press(at, "登记签名")  # twice: refused, said where the form is, nothing changes
    assert any("已经签过" in e.value for e in at.error)
    assert figures(sqlite_url)[2] == 151


def test_staff_rating_without_stars_is_refused_and_changes_nothing(entry, sqlite_url):
    before = figures(sqlite_url)
    at = staff_app(entry, sqlite_url, lang="en")
    next(ti for ti in at.text_input if ti.label.startswith("Household")).set_value("1-1-101")
    press(at, "Save this household's rating")
    assert any("1 to 5" in e.value for e in at.error), [e.value for e in at.error]
    assert figures(sqlite_url) == before


def test_staff_draft_and_revise_a_convention_and_see_progress(entry, sqlite_url):
    _, conv_id = ids(sqlite_url)
    at = staff_app(entry, sqlite_url)
    next(ti for ti in at.text_input if ti.label == "标题").set_value("停车公约")
    next(ta for ta in at.text_area if ta.label.startswith("条款")).set_value(
        "1. 车辆停进车位。\n2. 不占消防通道。"
    )
    next(ms for ms in at.multiselect if ms.label.startswith("适用楼栋")).set_value(["1", "2"])
    press(at, "建立公约")
    assert any("停车公约" in s.value for s in at.success), [e.value for e in at.error]
    with transaction(make_engine(sqlite_url)) as s:
        made = next(c for c in C.list_conventions(s, services.DEMO_SLUG) if c.title == "停车公约")
    assert made.articles == ("车辆停进车位。", "不占消防通道。") and made.buildings == ("1", "2")
    at.selectbox(key="evaluate_staff_revise_pick").set_value(conv_id).run()
    revise = [ta for ta in at.text_area if ta.label.startswith("条款")][-1]
    revise.set_value(revise.value + "\n第八条 节假日轮流值守。")
    press(at, "发布新版本")
    assert figures(sqlite_url)[2:] == (0, 2)  # a new version needs new signatures
    # the progress tab: table, shaded map and the households to visit
    at.selectbox(key="evaluate_staff_progress_pick").set_value(conv_id).run()
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["楼栋", "户数", "已签", "未签", "比例"]
    assert frame["户数"].sum() == 300 and frame["已签"].sum() == 0
    maps = [e for e in at.get("component_instance") if "st_folium" in e.proto.component_name]
    script = json.loads(maps[0].proto.json_args)["script"]
    assert "0/" in script and "fillOpacity" in script
    assert any("还没签的住户（300 户）" in m.value for m in at.markdown)


def test_building_chief_sees_only_its_unsigned_households_and_gets_the_sheet(entry, sqlite_url):
    _, conv_id = ids(sqlite_url)
    at = staff_app(entry, sqlite_url, role="building_chief", buildings=["3"])
    at.selectbox(key="evaluate_staff_progress_pick").set_value(conv_id).run()
    with transaction(make_engine(sqlite_url)) as s:
        unsigned = [b for b, _u, _r in C.unsigned(s, conv_id, local_admin())]
    in_three = sum(1 for b in unsigned if b == "3")
    heading = next(m.value for m in at.markdown if m.value.startswith("#### 还没签"))
    assert heading == f"#### 还没签的住户（{in_three} 户）"
    assert all(e.label.startswith("3 栋") for e in at.expander if "未签" in e.label)
    assert any("起草和修改公约" in i.value for i in at.info)  # chiefs do not draft
    assert at.selectbox(key="evaluate_staff_print_building").options == ["全部楼栋", "3"]
    at.selectbox(key="evaluate_staff_print_building").set_value("3").run()
    press(at, "生成签名表")
    download = at.get("download_button")
    assert download, [e.value for e in at.error]


def test_projector_shows_the_convention_panel(entry, sqlite_url):
    at = open_page(entry, MEETING, view="projector", panel="convention")
    body = "\n".join(str(h.proto.body) for h in at.get("html"))
    assert 'class="cc-fig" data-signed="150" data-households="300"' in body
    assert "50.0%" in body and CONVENTION in body
    assert "150 户已签 / 共 300 户" in body
    assert 'data-building="1"' in body
