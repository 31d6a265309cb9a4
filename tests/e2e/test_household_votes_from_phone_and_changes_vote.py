"""A household votes from a phone (390×844) in Debian Chromium and then changes its vote."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from cocreate_map import services
from cocreate_map.services.access import local_admin
from cocreate_map.storage.db import make_engine, transaction
from tests.e2e.conftest import Server, app_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def ballot_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with app_server(tmp_path_factory.mktemp("e2e-ballots")) as server:
        yield server


def test_household_votes_from_phone_and_changes_vote(ballot_server, chromium, artifacts):
    base = ballot_server.base_url
    page = chromium.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page.goto(f"{base}/vote?lang=zh")  # first start loads the demo community
        page.get_by_text("住户码").first.wait_for(timeout=60_000)
        with transaction(make_engine(ballot_server.database_url)) as s:
            ballot_id = services.create_ballot(
                s,
                services.DEMO_SLUG,
                "是否采纳方案B（增加停车位）？",
                "co-creation-two-thirds",
                who=local_admin("test"),
            ).id
        label, code = services.demo_codes()[0]
        page.goto(f"{base}/vote?community={services.DEMO_SLUG}&lang=zh")
        box = page.get_by_placeholder("K7M-9QX-4TPW")
        box.wait_for(timeout=30_000)
        box.fill(code.replace("-", " ").lower())
        page.get_by_role("button", name="进入").click()
        page.get_by_text("您好，1栋 1单元 101室 住户").wait_for(timeout=30_000)
        page.get_by_role("button", name="同意", exact=True).click()
        page.get_by_text("您选择：同意").wait_for(timeout=30_000)
        page.get_by_role("button", name="确认提交").click()
        page.get_by_text("已记录！您投了：同意").wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts / "vote-phone-recorded.png"))
        page.get_by_role("button", name="完成").click()
        page.get_by_text("您已投：同意").wait_for(timeout=30_000)
        page.get_by_role("button", name="反对", exact=True).click()
        page.get_by_role("button", name="确认提交").click()
        page.get_by_text("已修改！您现在投的是：反对").wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts / "vote-phone-changed.png"))

        page.goto(f"{base}/results?community={services.DEMO_SLUG}&ballot={ballot_id}&lang=zh")
        page.get_by_text("反对 1 户").wait_for(timeout=30_000)
        page.get_by_text("同意 0 户").wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts / "results-phone-after-change.png"), full_page=True)
        with transaction(make_engine(ballot_server.database_url)) as s:
            res = services.tally_ballot(s, ballot_id)
        counts = {c.choice: c.households for c in res.result.choices}
        assert counts["no"] == 1 and counts["yes"] == 0

        # a ballot on layout options: each option's map and metrics one tap away
        with transaction(make_engine(ballot_server.database_url)) as s:
            options_ballot = services.create_ballot(
                s, services.DEMO_SLUG, "采用哪个方案？", None,
                options=["方案A：草坪改车位", "方案B：保留绿地"], who=local_admin("test"),
            ).id  # fmt: skip
        page.goto(f"{base}/vote?community={services.DEMO_SLUG}&lang=zh&code={code}")
        # the demo's own ballot on A, B and C is open too: look inside this ballot's card
        card = page.locator(f".st-key-vote_ballot_{options_ballot}")
        card.get_by_text("看方案：方案A：草坪改车位").click()
        page.get_by_text("现状").first.wait_for(timeout=60_000)
        page.get_by_text("绿地率").first.wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts / "vote-phone-option-open.png"))
    finally:
        page.close()
