"""A household that joined by the slip's QR stays signed in on that phone: across pages and a
reload (a cookie holding an HMAC of the household's stored code hash), until it leaves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cocreate_map import services
from tests.e2e.conftest import Server, app_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with app_server(tmp_path_factory.mktemp("e2e-cookie")) as s:
        yield s


def test_household_stays_signed_in_on_the_phone_until_it_leaves(server, chromium, artifacts):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    _, code = services.demo_codes()[0]
    greeting = "您好，1栋 1单元 101室"
    try:
        page.goto(f"{server.base_url}/vote?code={code}&lang=zh")
        page.get_by_text(greeting).first.wait_for(timeout=60_000)
        assert "code=" not in page.url  # the code does not stay in the address bar
        cookie = next(c for c in context.cookies() if c["name"] == "cocreate_household")
        assert code.replace("-", "") not in cookie["value"].upper().replace("-", "")
        page.goto(f"{server.base_url}/marks?lang=zh")
        page.get_by_text(greeting).first.wait_for(timeout=30_000)
        page.reload()
        page.get_by_text(greeting).first.wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts / "marks-phone-still-joined.png"))
        page.get_by_role("button", name="退出").click()
        page.get_by_placeholder("K7M-9QX-4TPW").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)  # the cookie is cleared by the page on the next run
        page.reload()
        page.get_by_text("意见列表").first.wait_for(timeout=30_000)
        page.wait_for_timeout(2000)
        assert page.get_by_text(greeting).count() == 0
        assert all(c["name"] != "cocreate_household" for c in context.cookies())
    finally:
        context.close()
