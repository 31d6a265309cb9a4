"""Issue 10.3 / 11.8 in Chromium: a staff member stays signed in across a reload and in a new tab
(a cookie with a random session token, SameSite=Lax); 退出登录 ends it everywhere; disabling the
account ends an open session at the next page run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cocreate_map.services import staff as ST
from cocreate_map.storage.db import make_engine, transaction
from tests.e2e.conftest import Server, app_server, first_page_load

pytestmark = pytest.mark.e2e
PASSWORD = "long enough secret"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium) -> Iterator[Server]:
    with app_server(tmp_path_factory.mktemp("e2e-staff")) as s:
        first_page_load(s, chromium)
        with transaction(make_engine(s.database_url)) as session:
            ST.add_user(session, "wang.li", PASSWORD, "admin")
        yield s


def sign_in(page, base_url):
    page.goto(f"{base_url}/ballots?lang=zh")
    page.get_by_label("用户名").fill("wang.li")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已登录：wang.li").first.wait_for(timeout=60_000)


def test_staff_stay_signed_in_across_reloads_and_tabs_until_signing_out(server, chromium):
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        sign_in(page, server.base_url)
        page.wait_for_timeout(1500)  # the cookie is written by the next page run
        cookie = next(c for c in context.cookies() if c["name"] == "cocreate_staff")
        assert cookie["sameSite"] == "Lax" and len(cookie["value"]) == 64
        assert PASSWORD not in cookie["value"]
        page.reload()
        page.get_by_text("已登录：wang.li").first.wait_for(timeout=60_000)
        tab = context.new_page()
        tab.goto(f"{server.base_url}/marks-admin?lang=zh")
        tab.get_by_text("已登录：wang.li").first.wait_for(timeout=60_000)
        page.get_by_role("button", name="退出登录").click()
        page.get_by_role("button", name="登录").wait_for(timeout=60_000)
        tab.reload()  # the other tab's cookie names a session that has ended
        tab.get_by_role("button", name="登录").wait_for(timeout=60_000)
        assert tab.get_by_text("已登录：wang.li").count() == 0
    finally:
        context.close()


def test_disabling_the_account_ends_an_open_session(server, chromium):
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        with transaction(make_engine(server.database_url)) as session:
            ST.add_user(session, "qian", PASSWORD, "planner")
        page.goto(f"{server.base_url}/ballots?lang=zh")
        page.get_by_label("用户名").fill("qian")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_text("已登录：qian").first.wait_for(timeout=60_000)
        with transaction(make_engine(server.database_url)) as session:
            ST.disable_user(session, "qian")
        page.reload()
        page.get_by_role("button", name="登录").wait_for(timeout=60_000)
        assert page.get_by_text("已登录：qian").count() == 0
    finally:
        context.close()


def test_a_paused_account_is_told_when_and_an_admin_sees_the_unlock_button(
    server, chromium, artifacts
):
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    desk = chromium.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = phone.new_page()
        page.goto(f"{server.base_url}/ballots?lang=zh")
        for _ in range(ST.MAX_FAILURES):
            page.get_by_label("用户名").fill("wang.li")
            page.get_by_label("密码").fill("typo typo typo")
            page.get_by_role("button", name="登录").click()
            page.wait_for_timeout(1500)
        page.get_by_text("已暂停登录").first.wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts / "staff-paused-zh-phone.png"), full_page=True)
        admin = desk.new_page()
        with transaction(make_engine(server.database_url)) as session:
            ST.add_user(session, "zhao", PASSWORD, "admin")
        admin.goto(f"{server.base_url}/ballots?lang=zh")
        admin.get_by_label("用户名").fill("zhao")
        admin.get_by_label("密码").fill(PASSWORD)
        admin.get_by_role("button", name="登录").click()
        admin.get_by_role("button", name="解锁 wang.li").wait_for(timeout=60_000)
        admin.get_by_role("button", name="解锁 wang.li").scroll_into_view_if_needed()
        admin.screenshot(path=str(artifacts / "staff-unlock-zh-desk.png"))
        admin.get_by_role("button", name="解锁 wang.li").click()
        # the notice may sit in a tab the rerun folded away: it is on the page, and the
        # account signs in again from the phone
        admin.get_by_text("已解锁 wang.li").first.wait_for(state="attached", timeout=60_000)
        page.get_by_label("用户名").fill("wang.li")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_text("已暂停登录").first.wait_for(state="detached", timeout=60_000)
    finally:
        phone.close()
        desk.close()
