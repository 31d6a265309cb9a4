"""User story in real Chromium: a planner opens the option comparison page, creates an option,
draws a line along a road edge on the map (clicks ~300 ms apart), adds the row of stalls it
places, and sees the comparison table change."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from cocreate_map.services import staff as ST
from cocreate_map.storage.db import make_engine, transaction
from tests.e2e.conftest import Server, app_server, first_page_load

pytestmark = pytest.mark.e2e

FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
SYNC_IFRAME = 'iframe[srcdoc*="cc-sync"]'  # the one page holding the synced option maps
CENTERS = "() => window.ccSyncedMaps.map(m => [m.getCenter().lat, m.getCenter().lng])"


@pytest.fixture(scope="module")
def options_server(
    tmp_path_factory: pytest.TempPathFactory, map_assets: None, chromium: Any
) -> Iterator[Server]:
    """The app on its own fresh database: only the demo community and its three options, and
    a planner's account (the option editor is for staff)."""
    with app_server(tmp_path_factory.mktemp("e2e-options")) as server:
        first_page_load(server, chromium)
        with transaction(make_engine(server.database_url)) as session:
            ST.add_user(session, "planner.li", PASSWORD, "planner")
        yield server


PASSWORD = "long enough secret"


def sign_in_as_planner(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/ballots?lang=zh")
    page.get_by_label("用户名").fill("planner.li")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已登录：planner.li").first.wait_for(timeout=60_000)


def stalls_row(page: Any) -> list[str]:
    """The cells of the car-stalls row of the comparison table (first number of each cell)."""
    row = page.locator("table.cc-opt tr", has_text="机动车位").first
    cells = row.locator("td").all_inner_texts()
    return [re.split(r"\s", c.strip())[0] for c in cells[1:]]


def header(page: Any) -> list[str]:
    return [h.strip() for h in page.locator("table.cc-opt thead th").all_inner_texts()]


ADD_ENABLED = (
    "() => [...document.querySelectorAll('button')].some(b => "
    "b.innerText.includes('添加这排车位') && !b.disabled)"
)


def draw_line(page: Any) -> bool:
    """Pick the polyline tool, click two points ~300 ms apart, click the last again to finish;
    True once the page enables the add-row button, False when Streamlit re-rendered the map
    under us (the caller tries again)."""
    # Let a rerun in flight finish first: it may replace the map's iframe.
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=60_000)
    try:
        return _draw_line(page)
    except PlaywrightError:  # the iframe was detached mid-gesture
        return False


def _draw_line(page: Any) -> bool:
    iframe = page.locator(FOLIUM_IFRAME).last
    iframe.scroll_into_view_if_needed()
    frame = page.frame_locator(FOLIUM_IFRAME).last
    frame.locator(".leaflet-overlay-pane svg").wait_for(timeout=60_000)
    page.wait_for_timeout(1000)
    iframe.scroll_into_view_if_needed()
    tool = frame.locator("a.leaflet-draw-draw-polyline")
    tool.wait_for(timeout=30_000)
    tool.click()
    page.wait_for_timeout(300)
    box = iframe.bounding_box()
    if box is None:  # remounted while Streamlit re-ran the page: measure again next attempt
        return False
    y = box["y"] + box["height"] * 0.55
    points = [(box["x"] + box["width"] * 0.35, y), (box["x"] + box["width"] * 0.55, y)]
    for x, yy in points:
        page.mouse.click(x, yy)
        page.wait_for_timeout(300)
    page.mouse.click(*points[-1])  # clicking the last point again finishes the line
    try:
        page.wait_for_function(ADD_ENABLED, timeout=20_000)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: try again
        return False
    return True


def pan_first_map_moves_the_others(page: Any) -> None:
    """Drag the first compared map; inside the maps' iframe the second map's centre follows."""
    holder = page.locator(SYNC_IFRAME).first
    holder.wait_for(timeout=60_000)
    holder.scroll_into_view_if_needed()
    frame = holder.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_function(
        "() => window.ccSyncedMaps && window.ccSyncedMaps.length === 3", timeout=60_000
    )
    frame.locator(".leaflet-overlay-pane svg").first.wait_for(timeout=60_000)
    titles = frame.locator(".cc-title").all_inner_texts()
    assert titles == ["方案A：草坪改车位", "方案B：保留绿地", "方案C：平衡"]
    before = frame.evaluate(CENTERS)
    box = frame.locator(".folium-map").first.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 120, y + 70, steps=10)
    page.mouse.up()
    frame.wait_for_function(
        "([lat, lng]) => { const c = window.ccSyncedMaps[1].getCenter();"
        " return Math.abs(c.lat - lat) > 1e-7 || Math.abs(c.lng - lng) > 1e-7; }",
        arg=before[1],
        timeout=60_000,  # a busy machine (a second pytest worker beside Chromium) is slow
    )
    after = frame.evaluate(CENTERS)
    assert after[0] != before[0] and after[1] != before[1] and after[2] != before[2]
    # same view, not just "moved": within a pixel (≈ 1 m at zoom 17; inertia may still be settling)
    assert after[1] == pytest.approx(after[0], abs=1e-5)
    assert after[2] == pytest.approx(after[0], abs=1e-5)


def test_planner_draws_parking_row_and_compares(options_server, chromium, artifacts):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    try:
        sign_in_as_planner(page, options_server.base_url)
        page.goto(f"{options_server.base_url}/options?lang=zh", wait_until="networkidle")
        page.get_by_text("改造方案比选").first.wait_for(timeout=60_000)
        page.locator("table.cc-opt").wait_for(timeout=60_000)
        assert stalls_row(page)[:4] == ["88", "136", "83", "98"]
        pan_first_map_moves_the_others(page)

        # create an option
        page.get_by_label("新方案名称").fill("方案D：路边车位")
        page.get_by_role("button", name="新建方案").click()
        page.get_by_text("已新建方案 方案D：路边车位").wait_for(timeout=60_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('table.cc-opt thead th')]"
            ".some(th => th.innerText.includes('方案D'))",
            timeout=60_000,
        )
        column = header(page).index("方案D：路边车位") - 1
        assert stalls_row(page)[column] == "88"  # empty so far: today's count

        # draw a line on the planner's map (the last map on the page); the page may still be
        # laying out the maps above it, so each attempt measures the map afresh (draw_line waits
        # for the rerun in flight; "networkidle" may never come while the maps fetch tiles)
        add = page.get_by_role("button", name="添加这排车位")
        for _attempt in range(3):
            if draw_line(page):
                break
            page.keyboard.press("Escape")
        else:
            pytest.fail("the drawn line never reached the page (see test-artifacts)")
        add.click()
        message = page.get_by_text(re.compile(r"已在 方案D：路边车位 中添加 \d+ 个车位"))
        try:
            message.wait_for(timeout=60_000)
        except PlaywrightError:
            # On a loaded machine the press can land while Streamlit re-runs the page and be
            # dropped. Say what the page showed; press again only if the row is not there.
            page.screenshot(path=str(artifacts / "options_planner_add_missing.png"), full_page=True)
            errors = page.locator("[data-testid='stAlertContentError']").all_inner_texts()
            assert not errors, errors
            assert stalls_row(page)[column] == "88", "the row was added but no message was shown"
            page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=60_000)
            add.click()
            message.wait_for(timeout=60_000)
        added = int(re.search(r"添加 (\d+) 个", message.inner_text()).group(1))
        assert added > 0
        page.locator("table.cc-opt").wait_for(timeout=60_000)
        column = header(page).index("方案D：路边车位") - 1
        page.wait_for_function(
            "([col, want]) => { const row = [...document.querySelectorAll('table.cc-opt tr')]"
            ".find(r => r.innerText.includes('机动车位'));"
            " return row && row.querySelectorAll('td')[col + 1].innerText.startsWith(want); }",
            arg=[column, str(88 + added)],
            timeout=60_000,
        )
        assert stalls_row(page)[column] == str(88 + added)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(artifacts / "options_planner_row.png"), full_page=True)
        # one atomic scroll: Streamlit may re-render the table between locating and scrolling
        page.evaluate("document.querySelector('table.cc-opt').scrollIntoView()")
        page.screenshot(path=str(artifacts / "options_planner_table.png"))
    finally:
        page.close()
