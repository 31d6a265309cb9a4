"""A resident on a phone (390×844, Debian Chromium) follows a decision from the first mark to
the last receipt (issue 14.3): opens the works map, taps the wall work's area, opens its story
and reads the 11栋 wall mark with its "me too", the ballot's binding result with both measures,
the money and a receipt line. The tap happens inside the st_folium iframe at a point computed
from the Leaflet map itself (``window.map``) and one building of the work's scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cocreate_map import services
from cocreate_map.domain.works import yuan_text
from cocreate_map.services import story as story_service
from cocreate_map.services import works as work_service
from cocreate_map.services.demo.works import WALL_WORK
from cocreate_map.storage.db import make_engine, transaction
from tests.e2e.conftest import Server, app_server

pytestmark = pytest.mark.e2e

FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SLUG = services.DEMO_SLUG
TO_PIXEL = """([lat, lng]) => {
  const p = window.map.latLngToContainerPoint([lat, lng]);
  const r = window.map.getContainer().getBoundingClientRect();
  return [p.x + r.left, p.y + r.top];
}"""
MAP_READY = "() => window.map !== undefined && window.map.getSize().y > 100"


@pytest.fixture(scope="module")
def story_server(tmp_path_factory: pytest.TempPathFactory, map_assets: None) -> Iterator[Server]:
    with app_server(
        tmp_path_factory.mktemp("e2e-story"), STREAMLIT_SERVER_FILE_WATCHER_TYPE="none"
    ) as server:
        yield server


def idle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=60_000)


def test_resident_follows_a_decision_from_mark_to_receipt(story_server, chromium, artifacts):
    base = story_server.base_url
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    try:
        page.goto(f"{base}/works?community={SLUG}&lang=zh")
        page.get_by_text("全部项目").first.wait_for(timeout=120_000)
        engine = make_engine(story_server.database_url)
        with transaction(engine) as s:
            wall = next(w for w in work_service.list_works(s, SLUG) if w.title == WALL_WORK)
            story = story_service.work_story(s, wall.id)
        engine.dispose()
        # a point inside one building of the work's scope (every wall of the compound)
        parts = getattr(wall.scope, "geoms", [wall.scope])
        point = next(g for g in parts if g.geom_type == "Polygon").representative_point()
        for _attempt in range(4):
            idle(page)
            iframe = page.locator(FOLIUM_IFRAME).first
            iframe.evaluate("e => e.scrollIntoView({block: 'center'})")
            frame = iframe.element_handle().content_frame()
            frame.wait_for_function(MAP_READY, timeout=60_000)
            frame.wait_for_timeout(800)
            x, y = frame.evaluate(TO_PIXEL, [point.y, point.x])
            box = iframe.bounding_box()
            page.mouse.click(box["x"] + x, box["y"] + y)
            try:
                page.wait_for_url(f"**/works?*work={wall.id}*", timeout=20_000)
                break
            except Exception:  # noqa: BLE001 - the page moved under the pointer: tap again
                continue
        else:
            pytest.fail("tapping the wall work never opened its page")
        page.get_by_role("heading", name=WALL_WORK).wait_for(timeout=60_000)
        idle(page)
        button = page.get_by_role("button", name="看这件事的来龙去脉")
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44  # a finger-sized target
        button.tap()
        page.wait_for_url("**view=story*", timeout=30_000)
        page.get_by_text("成果共享 · 一件事的来龙去脉").wait_for(timeout=60_000)
        idle(page)

        # the marks that led to it, with their "me too"
        [mark] = story.marks
        # (exactly: the work page's link to the mark, "墙面立面 · 处理中 · …", may linger while
        # Streamlit swaps the page for the story)
        page.get_by_text(mark.text, exact=True).wait_for(timeout=30_000)
        page.get_by_text(f"我也是 {mark.supports} 人").wait_for(timeout=30_000)
        # the ballot: the binding outcome as the headline, both measures beside it
        page.get_by_text("通过 · 胜出：棉花白").wait_for(timeout=30_000)
        page.get_by_text("按户数").first.wait_for(timeout=30_000)
        page.get_by_text("按面积").first.wait_for(timeout=30_000)
        # the money and a receipt line
        spent = page.locator("[data-testid='stMetric']").filter(has_text="已支出")
        assert f"¥{yuan_text(story.money.spent_fen)}" in spent.inner_text()
        first = next(r for r in story.money.receipts if r.status == "counted")
        line = page.locator(f".cc-story-receipt[data-entry='{first.entry_id}']")
        line.scroll_into_view_if_needed()
        text = line.inner_text()
        assert first.receipt_no in text and f"¥{yuan_text(first.amount_fen)}" in text
        assert first.payee in text
        # readable on a phone: nothing wider than the screen, story text at least 16 px
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390 + 1
        size = line.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert size >= 16
        idle(page)
        page.screenshot(path=str(artifacts / "story-phone.png"), full_page=True)
    finally:
        context.close()
