"""A resident on a phone (390×844, Debian Chromium) opens the works page, taps the hatched
wall work on the map and lands on the work's page with its progress and milestones
(issue 13). The tap happens inside the st_folium iframe at a point
computed from the Leaflet map itself (``window.map``) and the work's own scope."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cocreate_map import services
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
def works_server(tmp_path_factory: pytest.TempPathFactory, map_assets: None) -> Iterator[Server]:
    with app_server(
        tmp_path_factory.mktemp("e2e-works"), STREAMLIT_SERVER_FILE_WATCHER_TYPE="none"
    ) as server:
        yield server


def idle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=60_000)


def test_resident_taps_a_work_on_the_map_and_sees_its_page(works_server, chromium, artifacts):
    base = works_server.base_url
    context = chromium.new_context(locale="zh-CN", **PHONE)
    page = context.new_page()
    try:
        page.goto(f"{base}/works?community={SLUG}&lang=zh")
        page.get_by_text("全部项目").first.wait_for(timeout=120_000)
        engine = make_engine(works_server.database_url)
        with transaction(engine) as s:
            wall = next(w for w in work_service.list_works(s, SLUG) if w.title == WALL_WORK)
        engine.dispose()
        # a point inside the work's scope (the wall of one building)
        point = (
            wall.scope.geoms[0].representative_point()
            if hasattr(wall.scope, "geoms")
            else wall.scope.representative_point()
        )
        for _attempt in range(4):
            idle(page)
            iframe = page.locator(FOLIUM_IFRAME).first
            iframe.evaluate("e => e.scrollIntoView({block: 'center'})")
            frame = iframe.element_handle().content_frame()
            frame.wait_for_function(MAP_READY, timeout=60_000)
            frame.wait_for_timeout(800)
            # the hatch pattern is in the page and the wall work is drawn with it
            assert frame.locator("pattern#cc-hatch").count() == 1
            assert frame.locator("path[fill='url(#cc-hatch)']").count() >= 1
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
        page.get_by_text("进度记录（4 条）").wait_for(timeout=60_000)
        page.get_by_text("进度 60%").first.wait_for(timeout=30_000)
        idle(page)
        page.screenshot(path=str(artifacts / "works-page-from-map.png"))
    finally:
        context.close()
