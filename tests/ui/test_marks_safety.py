"""The safety tick on the marking form: 排水/安全防范 start ticked, and a resident who clears
the tick files a mark without the hazard flag (issue 10 item 14: an unticked box still filed a
hazard, ``safety or None``)."""

from __future__ import annotations

import pytest
import streamlit as st

from cocreate_map import services
from cocreate_map.services import marks as mark_service
from cocreate_map.services.access import local_admin
from cocreate_map.storage.db import make_engine, migrated_engine, transaction
from tests.ui.pages import ROOT, open_page, pick_category, press

MARKS = "cocreate_map/ui/pages/marks.py"


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    services.ensure_demo(migrated_engine(sqlite_url))
    st.cache_resource.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()


def newest(url):
    with transaction(make_engine(url)) as s:
        marks = mark_service.list_marks(s, services.DEMO_SLUG, staff=local_admin("test"))
    return max(marks, key=lambda m: m.id)


def file_mark(at, category, tick):
    _, code = services.demo_codes()[0]
    at.text_input[0].set_value(code)
    press(at, "进入")
    at.session_state["marks_pick_map"] = {"last_clicked": {"lat": 30.53108, "lng": 114.33520}}
    at.run()
    pick_category(at, category)
    return at


@pytest.mark.parametrize(("category", "default"), [("drainage", True), ("road_surface", False)])
def test_the_tick_follows_the_category_and_can_be_cleared_or_set(
    entry, sqlite_url, category, default
):
    at = file_mark(open_page(entry, MARKS), category, None)
    assert at.checkbox(key="marks_safety").value is default
    at.checkbox(key="marks_safety").set_value(not default).run()
    at.text_area(key="marks_text").set_value("下雨天这里积水，走路要绕开").run()
    press(at, "提交")
    assert any("已提交" in s.value for s in at.success), [e.value for e in at.error]
    mark = newest(sqlite_url)
    assert (mark.category.value, mark.safety) == (category, not default)
