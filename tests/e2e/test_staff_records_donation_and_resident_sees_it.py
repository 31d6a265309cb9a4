"""A treasurer on a phone (390×844, Debian Chromium) signs in on 资金管理, records a ¥800 donation
from 翁茂武 who agreed to be named; a resident on another phone opens 资金公示 without signing
in and sees the donation in the ledger, the donors list and the new total (issue 13)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cocreate_map import services
from cocreate_map.services import funds as funds_service
from cocreate_map.services import staff as staff_service
from cocreate_map.storage.db import make_engine, transaction
from tests.e2e.conftest import Server, app_server

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SLUG = services.DEMO_SLUG
PASSWORD = "a long enough secret"


@pytest.fixture(scope="module")
def funds_server(tmp_path_factory: pytest.TempPathFactory, map_assets: None) -> Iterator[Server]:
    with app_server(
        tmp_path_factory.mktemp("e2e-funds"), STREAMLIT_SERVER_FILE_WATCHER_TYPE="none"
    ) as server:
        yield server


def idle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=90_000)


def test_staff_records_donation_and_resident_sees_it_on_the_funds_page(
    funds_server, chromium, artifacts
):
    base = funds_server.base_url
    resident = chromium.new_context(locale="zh-CN", **PHONE)
    page = resident.new_page()
    page.goto(f"{base}/funds?community={SLUG}&lang=zh")  # the first load brings the demo in
    page.get_by_text("¥73,000.00").first.wait_for(timeout=180_000)
    engine = make_engine(funds_server.database_url)
    with transaction(engine) as s:
        staff_service.add_user(s, "wang.treasurer", PASSWORD, "admin", community_slug=SLUG)
    staff = chromium.new_context(locale="zh-CN", **PHONE)
    desk = staff.new_page()
    try:
        desk.goto(f"{base}/funds-admin?community={SLUG}&lang=zh")
        desk.get_by_label("用户名").fill("wang.treasurer", timeout=120_000)
        desk.get_by_label("密码").fill(PASSWORD)
        desk.get_by_role("button", name="登录").click()
        desk.get_by_label("金额（元，最多两位小数）").fill("800.00", timeout=90_000)
        desk.get_by_label("捐款人 / 资助单位").fill("翁茂武")
        desk.get_by_text("捐款人同意公开姓名").click()
        desk.get_by_role("textbox", name="票据", exact=True).fill("MH-2022-099")
        desk.get_by_role("button", name="记入账目").click()
        desk.get_by_text("已记入并公开").first.wait_for(timeout=90_000)
        desk.screenshot(path=str(artifacts / "funds-staff-recorded-phone.png"))
        with transaction(engine) as s:
            summary = funds_service.summary(s, SLUG)
        assert summary.totals.income == 7_380_000
        assert ("翁茂武", 80_000) in summary.donors.named

        page.reload()
        page.get_by_text("¥73,800.00").first.wait_for(timeout=120_000)
        idle(page)
        row = page.locator("[data-testid='stTable'] tr", has_text="翁茂武")
        row.first.scroll_into_view_if_needed(timeout=60_000)
        assert "¥800.00" in row.first.inner_text()
        page.screenshot(path=str(artifacts / "funds-resident-sees-donation-phone.png"))
        assert page.get_by_text("资金公示").first.is_visible()
        assert not page.get_by_role("button", name="记入账目").count()
    finally:
        engine.dispose()
        staff.close()
        resident.close()
