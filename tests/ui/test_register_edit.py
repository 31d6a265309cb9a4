"""住户名册 → 修改住户信息: picking another household shows that household's own values, an
edit changes only what staff changed, and staff see before → after and confirm first (issue 10
item 2: picking 1-1-102 after 1-1-101 kept 101's area and saved it onto 102)."""

from __future__ import annotations

import pytest
import streamlit as st

from cocreate_map import services
from cocreate_map.storage.db import make_engine, transaction
from tests.ui.pages import ROOT, open_page, press

STAFF = "cocreate_map/ui/pages/ballots.py"


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COCREATE_ADMIN_PASSWORD", "s3cret-staff")
    st.cache_resource.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()


def register(url):
    with transaction(make_engine(url)) as s:
        return {h.label: h for h in services.list_households(s, services.DEMO_SLUG)}


def field(at, prefix):
    return next(w for w in at.text_input if (w.key or "").startswith(prefix))


def save(at):
    labels = [b.label for b in at.button]
    if "查看将要修改的内容" in labels:  # review, then confirm
        press(at, "查看将要修改的内容")
        press(at, "确认保存")
    else:
        press(at, "保存")


def test_editing_102_after_101_changes_only_102s_owner(entry, sqlite_url):
    at = open_page(entry, STAFF)
    at.text_input(key="staff_sign_in_user").set_value("admin")
    at.text_input(key="staff_sign_in_pw").set_value("s3cret-staff")
    press(at, "登录")
    before = register(sqlite_url)
    h101, h102 = before["1-1-101"], before["1-1-102"]
    assert h101.area_m2 != h102.area_m2  # else the defect would not show
    at.selectbox(key="edit_household_id").set_value(h101.id).run()
    at.selectbox(key="edit_household_id").set_value(h102.id).run()
    assert field(at, "edit_area").value == h102.area_m2  # the picked household's own values
    field(at, "edit_owner").set_value("业主-102-新")
    save(at)
    assert not at.exception, at.exception
    after = register(sqlite_url)
    assert after["1-1-102"].owner_id == "业主-102-新"
    assert after["1-1-102"].area_m2 == h102.area_m2
    assert after["1-1-102"].residents == h102.residents
    assert (after["1-1-101"].area_m2, after["1-1-101"].owner_id) == (h101.area_m2, h101.owner_id)


def test_staff_see_before_and_after_and_nothing_is_saved_until_they_confirm(entry, sqlite_url):
    at = open_page(entry, STAFF)
    at.text_input(key="staff_sign_in_user").set_value("admin")
    at.text_input(key="staff_sign_in_pw").set_value("s3cret-staff")
    press(at, "登录")
    h = register(sqlite_url)["1-1-102"]
    at.selectbox(key="edit_household_id").set_value(h.id).run()
    field(at, "edit_area").set_value("60.5")
    press(at, "查看将要修改的内容")
    [diff] = [tb.value for tb in at.table]
    assert list(diff.index) == ["专有面积"]  # only the area changes, not the owner
    assert list(diff.loc["专有面积"]) == [f"{h.area_m2} m²", "60.50 m²"]
    assert register(sqlite_url)["1-1-102"].area_m2 == h.area_m2  # not saved yet
    press(at, "取消")
    assert register(sqlite_url)["1-1-102"].area_m2 == h.area_m2
    press(at, "查看将要修改的内容")
    press(at, "确认保存")
    assert register(sqlite_url)["1-1-102"].area_m2 == "60.50"
    assert any("已保存 1-1-102" in s.value for s in at.success)
