"""AppTest of signing in (issue 11.1, 11.3, 11.8): the locking wrong code says how long to wait,
not how many tries are left, and locks only this browser; a paused staff account is told so; an
admin unlocks it with a button; disabling an account ends its open session at the next run."""

from __future__ import annotations

import pytest
import streamlit as st

from cocreate_map import services
from cocreate_map.services import households as H
from cocreate_map.services import staff as ST
from cocreate_map.storage.db import make_engine, transaction
from tests.ui.pages import ROOT, open_page, press

VOTE = "cocreate_map/ui/pages/vote.py"
STAFF = "cocreate_map/ui/pages/ballots.py"
PASSWORD = "long enough secret"


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("COCREATE_ADMIN_PASSWORD", raising=False)
    st.cache_resource.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()


@pytest.fixture
def staff(entry, sqlite_url):
    at = open_page(entry, STAFF)  # loads the demo
    with transaction(make_engine(sqlite_url)) as s:
        ST.add_user(s, "zhao", PASSWORD, "admin")
        ST.add_user(s, "wang.li", PASSWORD, "planner")
    return at


def sign_in(at, user, password):
    at.text_input(key="staff_sign_in_user").set_value(user)
    at.text_input(key="staff_sign_in_pw").set_value(password)
    press(at, "登录")


def test_the_locking_wrong_code_says_how_long_to_wait(entry):
    at = open_page(entry, VOTE, community=services.DEMO_SLUG)
    errors = []
    for k in range(H.JOIN_CLIENT.limit):
        at.text_input[0].set_value(f"ZZZ-ZZZ-ZZ{'23456789AB'[k]}Z")
        press(at, "进入")
        errors.append(at.error[0].value)
    assert "还可试 9 次" in errors[0]
    assert "分钟后再试" in errors[-1] and "还可试" not in errors[-1], errors
    _, code = services.demo_codes()[0]
    at.text_input[0].set_value(code)
    press(at, "进入")
    assert not any("1栋 1单元 101" in m.value for m in at.markdown)  # this browser waits …
    other = open_page(entry, VOTE, community=services.DEMO_SLUG, code=code)
    assert any("1栋 1单元 101" in m.value for m in other.markdown), [e.value for e in other.error]


def test_a_paused_account_is_told_and_an_admin_unlocks_it(staff, entry):
    at = open_page(entry, STAFF)
    for _ in range(ST.MAX_FAILURES):
        sign_in(at, "wang.li", "typo typo typo")
    assert "暂停登录" in at.error[0].value and "分钟" in at.error[0].value
    admin = open_page(entry, STAFF)
    sign_in(admin, "zhao", PASSWORD)
    assert admin.tabs
    press(admin, "解锁 wang.li")
    assert any("已解锁 wang.li" in s.value for s in admin.success)
    sign_in(at, "wang.li", PASSWORD)
    assert at.tabs and not at.error


def test_disabling_an_account_ends_its_open_session_at_the_next_run(staff, entry, sqlite_url):
    at = open_page(entry, STAFF)
    sign_in(at, "wang.li", PASSWORD)
    assert at.tabs
    with transaction(make_engine(sqlite_url)) as s:
        ST.disable_user(s, "wang.li")
    at.run()
    assert not at.tabs and at.text_input(key="staff_sign_in_user")


def test_signing_out_ends_the_session(staff, entry, sqlite_url):
    at = open_page(entry, STAFF)
    sign_in(at, "zhao", PASSWORD)
    token = at.session_state["staff_token"]
    press(at, "退出登录")
    assert not at.tabs
    from cocreate_map.services import sessions as SS

    with transaction(make_engine(sqlite_url)) as s:
        assert SS.staff_of(s, token) is None
