"""Residents mark problems on a phone (390×844) in Debian Chromium; staff work on them at a desk.

User stories of issue 3 (决策共谋): a household joins with its code, taps the map, picks 照明,
says what is wrong and submits; a neighbour who taps near a published lighting mark is offered it
and says "我也遇到" instead (once per household); staff adopt, start and resolve a mark with an
official reply on /marks-admin and a resident rates the result on ``?mark=ID``. Map taps happen
inside the st_folium iframe at a place computed from the Leaflet map itself (``window.map``), so
the stories do not depend on pixel guesses. Screenshots go to test-artifacts/marks-*.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import shapely.geometry
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from cocreate_map import services
from cocreate_map.domain.annotations import Action, Role, Status
from cocreate_map.services import marks as M
from cocreate_map.services.households import household_by_room
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import make_engine, transaction
from cocreate_map.storage.mark_tables import MarkCommentRow
from tests.e2e.conftest import Server, app_server, first_page_load

pytestmark = pytest.mark.e2e

ADMIN_PASSWORD = "marks-e2e-admin-pw"
FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SLUG = services.DEMO_SLUG
STAFF = StaffIdentity("e2e", Role.ADMIN)
# Lighting marks of the demo (data/demo/cotton_marks.json) stand at 3栋 (light-05, about
# 114.33479 30.53144) and behind 9栋 (light-09, about 114.33567 30.53144), both in the south.
# The north-east corner of the compound is more than 100 m from either: no duplicate prompt.
NE_CORNER = (30.53255, 114.33680)  # lat, lng
# A published lighting mark the neighbour story puts in the north-west, > 80 m from the others.
NW_LAMP = (30.53258, 114.33505)
NW_NEAR = (30.53236, 114.33505)  # ≈ 24 m south, clear of its 44-px pin: within 30 m

# The map's container position of a lat/lng, in the iframe's own pixels.
TO_PIXEL = """([lat, lng]) => {
  const p = window.map.latLngToContainerPoint([lat, lng]);
  const r = window.map.getContainer().getBoundingClientRect();
  return [p.x + r.left, p.y + r.top];
}"""
MAP_READY = "() => window.map !== undefined && window.map.getSize().y > 100"


@pytest.fixture(scope="module")
def marks_server(tmp_path_factory: pytest.TempPathFactory, map_assets: None) -> Iterator[Server]:
    """The app on its own fresh database with the demo and its 16 residents' marks. The file
    watcher is off: edits to the working tree during a run must not re-run these pages."""
    with app_server(
        tmp_path_factory.mktemp("e2e-marks"),
        COCREATE_ADMIN_PASSWORD=ADMIN_PASSWORD,
        STREAMLIT_SERVER_FILE_WATCHER_TYPE="none",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def db(marks_server: Server, chromium: Any) -> Iterator[Any]:
    """An engine on the app's database, after a first page load created it with the demo."""
    first_page_load(marks_server, chromium)
    engine = make_engine(marks_server.database_url)
    try:
        yield engine
    finally:
        engine.dispose()


# ---------------------------------------------------------------- helpers


@contextmanager
def browser_page(chromium: Any, artifacts: Path, name: str, **options: Any) -> Iterator[Any]:
    """A page in a fresh browser context (its own cookies: one household per context); on
    failure a screenshot goes to test-artifacts/marks-FAILED-<name>.png."""
    context = chromium.new_context(locale="zh-CN", **options)
    page = context.new_page()
    try:
        yield page
    except BaseException:
        with suppress(Exception):
            page.screenshot(path=str(artifacts / f"marks-FAILED-{name}.png"))
        raise
    finally:
        context.close()


def idle(page: Any) -> None:
    """Wait until Streamlit finished the rerun in flight (its status widget hides)."""
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=60_000)


def household_id(db: Any, label: str) -> int:
    building, unit, room = label.split("-")
    with transaction(db) as s:
        community = repo.community_by_slug(s, SLUG)
        row = household_by_room(s, community.id, building, unit, room)
        assert row is not None, label
        return int(row.id)


def join(page: Any, base: str, code: str, query: str = "") -> None:
    """Open /marks and join with the household code typed into the form."""
    page.goto(f"{base}/marks?community={SLUG}&lang=zh{query}")
    box = page.get_by_placeholder("K7M-9QX-4TPW")
    box.wait_for(timeout=60_000)
    box.fill(code)
    page.get_by_role("button", name="进入").click()
    page.get_by_text(re.compile(r"您好，\d+栋")).first.wait_for(timeout=30_000)
    idle(page)


def stable_box(page: Any, locator: Any) -> dict[str, float] | None:
    """The element's box once it stopped moving (Streamlit lays the page out in steps)."""
    box = locator.bounding_box()
    for _ in range(20):
        page.wait_for_timeout(250)
        again = locator.bounding_box()
        if again == box:
            return box
        box = again
    return None


def tap_map(page: Any, lat: float, lng: float) -> None:
    """Tap the marking map at (lat, lng) until the page says the place is picked. Streamlit may
    re-render the map's iframe under us: each attempt finds the iframe and the point afresh."""
    for _attempt in range(4):
        idle(page)
        try:
            iframe = page.locator(FOLIUM_IFRAME).first
            # wholly in view: a tap focuses the map, which would scroll a half-hidden map
            iframe.evaluate("e => e.scrollIntoView({block: 'center'})")
            frame = iframe.element_handle().content_frame()
            frame.wait_for_function(MAP_READY, timeout=60_000)
            frame.wait_for_timeout(500)  # fitBounds may still be animating
            x, y = frame.evaluate(TO_PIXEL, [lat, lng])
            box = stable_box(page, iframe)
            if box is None:
                continue
            page.mouse.click(box["x"] + x, box["y"] + y)
            clicked = frame.evaluate("() => window.__GLOBAL_DATA__.lat_lng_clicked")
            if not clicked or abs(clicked["lat"] - lat) + abs(clicked["lng"] - lng) > 5e-5:
                continue  # the page moved under the pointer: tap again
            page.get_by_text("位置已选好").first.wait_for(timeout=20_000)
            return
        except PlaywrightError:  # detached iframe or no answer: measure again
            continue
    pytest.fail("the tap on the map never reached the page (see test-artifacts)")


def fill_mark(page: Any, category: str, text: str) -> None:
    """Pick the category (unless the pill still shows it picked — the form keeps the previous
    mark's category and text in the browser after a submit or a "me too") and type the text."""
    pill = page.get_by_role("radio", name=category, exact=True)
    for _attempt in range(3):  # a tap landing while Streamlit re-renders the form can be lost
        if pill.get_attribute("aria-checked") == "true":
            break
        pill.click()
        idle(page)
    assert pill.get_attribute("aria-checked") == "true"
    page.get_by_placeholder(re.compile("例如：3栋西侧路灯")).fill(text)


def mark_card(page: Any, text: str) -> Any:
    """The bordered card of the list that shows ``text`` (the innermost container holding it)."""
    return page.locator("[data-testid='stLayoutWrapper']", has_text=text).last


def support_count(db: Any, mark_id: int) -> int:
    with transaction(db) as s:
        return M.get_mark(s, mark_id).supports


# ---------------------------------------------------------------- stories


def test_resident_marks_a_broken_light(marks_server, db, chromium, artifacts):
    base = marks_server.base_url
    label, code = services.demo_codes()[0]  # 1-1-101
    me = household_id(db, label)
    text = "东北角围墙边的路灯不亮，晚上倒垃圾看不见路（e2e）"
    with browser_page(chromium, artifacts, "light", **PHONE) as page:
        join(page, base, code)
        # a household that just joined lands on marking, "点一下" preselected
        assert page.get_by_role("radio", name="标注问题").get_attribute("aria-checked") == "true"
        assert page.get_by_role("radio", name="点一下").get_attribute("aria-checked") == "true"
        page.get_by_text("还没选位置").first.wait_for(timeout=30_000)
        tap_map(page, *NE_CORNER)
        page.screenshot(path=str(artifacts / "marks-phone-picked.png"))
        fill_mark(page, "照明", text)
        page.screenshot(path=str(artifacts / "marks-phone-filled.png"))
        page.get_by_role("button", name="提交").click()
        done = page.get_by_test_id("stAlertContentSuccess").get_by_text(
            re.compile(r"已提交（#\d+）")
        )
        done.wait_for(timeout=30_000)
        assert page.get_by_text("附近已有").count() == 0
        mark_id = int(re.search(r"#(\d+)", done.inner_text()).group(1))
        idle(page)
        done.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "marks-phone-submitted.png"))

        with transaction(db) as s:
            mark = M.get_mark(s, mark_id)
        assert mark.text == text
        assert mark.category.value == "lighting"
        assert mark.status is Status.SUBMITTED
        assert mark.household_id == me
        assert mark.source == "online"
        assert mark.geometry.geom_type == "Point"
        # where the tap was: within a few metres (a pixel at zoom 17 ≈ 1 m)
        tapped = shapely.geometry.Point(NE_CORNER[1], NE_CORNER[0])
        assert mark.geometry.distance(tapped) < 5e-5, mark.geometry.wkt

        # the author sees it on the marking map (its row is in the marks layer of the iframe:
        # compact rows [lat, lon, style, supports, id, …], tooltips built on hover) …
        frame = page.locator(FOLIUM_IFRAME).first.element_handle().content_frame()
        frame.wait_for_function(
            "id => !!window.__ccMarks && window.__ccMarks.data.rows.some(r => r[4] === id)",
            arg=mark_id,
            timeout=30_000,
        )
        # … and in the list, waiting for review
        page.get_by_role("radio", name="意见列表").click()
        idle(page)
        card = mark_card(page, text)
        card.wait_for(timeout=30_000)
        assert "待审核" in card.inner_text()
        assert "照明" in card.inner_text()
        card.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "marks-phone-list-own.png"))


def test_neighbour_says_me_too(marks_server, db, chromium, artifacts):
    base = marks_server.base_url
    codes = services.demo_codes()
    author = household_id(db, codes[2][0])  # 1-1-201 reported the lamp; staff published it
    lamp_text = "西北角的路灯一闪一闪的，晚上看不清路（e2e）"
    with transaction(db) as s:
        lamp = M.submit_mark(
            s, SLUG, author, "lighting", lamp_text,
            shapely.geometry.Point(NW_LAMP[1], NW_LAMP[0]),
        ).mark  # fmt: skip
        M.apply_action(s, lamp.id, Action.PUBLISH.value, STAFF)
    assert support_count(db, lamp.id) == 0
    _label, code = codes[1]  # 1-1-102, a neighbour
    with browser_page(chromium, artifacts, "me-too", **PHONE) as page:
        join(page, base, code)

        def offer_for_new_lighting_mark(text: str) -> Any:
            tap_map(page, *NW_NEAR)
            fill_mark(page, "照明", text)
            page.get_by_role("button", name="提交", exact=True).click()
            page.get_by_text("附近已有 1 条同类问题").wait_for(timeout=30_000)
            idle(page)
            card = mark_card(page, lamp_text)
            card.wait_for(timeout=30_000)
            return card

        card = offer_for_new_lighting_mark("西北角路灯坏了")
        card.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "marks-phone-similar-offer.png"))
        card.get_by_role("button", name="我也遇到").click()
        page.get_by_text("现在共 1 户").wait_for(timeout=30_000)
        assert support_count(db, lamp.id) == 1
        page.screenshot(path=str(artifacts / "marks-phone-me-too.png"))
        idle(page)
        # nothing new was saved, and the form starts again
        with transaction(db) as s:
            mine = M.list_marks(s, SLUG, mine_household_id=household_id(db, codes[1][0]))
        assert mine == []
        page.get_by_text("还没选位置").first.wait_for(timeout=30_000)

        # the same household taps "me too" again: told so, the count stays
        card = offer_for_new_lighting_mark("西北角路灯还是坏的")
        card.get_by_role("button", name="我也遇到").click()
        page.get_by_text("您家已经说过“我也遇到”了").wait_for(timeout=30_000)
        assert support_count(db, lamp.id) == 1

        # the detail page knows this household supports it: no button any more
        page.goto(f"{base}/marks?community={SLUG}&lang=zh&mark={lamp.id}")
        page.get_by_text("您家也遇到这个问题").wait_for(timeout=60_000)
        page.get_by_text("我也遇到 1").first.wait_for(timeout=30_000)
        assert page.get_by_role("button", name="我也遇到").count() == 0
        page.screenshot(path=str(artifacts / "marks-phone-detail-supported.png"))
    with transaction(db) as s:
        assert M.support_mark(s, lamp.id, household_id(db, codes[1][0]))[0] is False
    assert support_count(db, lamp.id) == 1


def wait_count(page: Any, locator: Any, n: int, timeout_ms: int = 30_000) -> None:
    for _ in range(timeout_ms // 250):
        if locator.count() == n:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"expected {n} of {locator}, found {locator.count()}")


def tick_first_row(page: Any, grid: Any) -> None:
    """Tick the "选" checkbox of the first row of a data editor (a canvas: click by position)."""
    for _attempt in range(3):
        try:
            grid.scroll_into_view_if_needed()
            box = stable_box(page, grid)
            break
        except PlaywrightError:  # a rerun showed the stale table beside the new one: wait
            idle(page)
            wait_count(page, grid, 1)
    assert box is not None
    # header and rows are 35 px tall; "选" is the first column
    page.mouse.click(box["x"] + 30, box["y"] + 35 + 17)  # selects the cell …
    page.keyboard.press("Space")  # … and space toggles a checkbox cell


def back_to_all(page: Any, panel: Any) -> None:
    """After an action the page shows its notice and opens the first tab again: go back to
    全部意见 (the filter and the tick survive)."""
    page.get_by_role("tab", name="全部意见").click()
    idle(page)
    wait_count(page, panel.locator("[data-testid='stDataFrame']"), 1)


def staff_action(page: Any, panel: Any, action: str, reply: str | None = None) -> None:
    """Pick ``action`` in the action box, type the official reply (``""`` empties the box: after
    an action it still holds the previous reply, which would be posted again), apply to 1 mark."""
    box = panel.get_by_role("combobox", name="操作", exact=True)
    box.wait_for(timeout=30_000)
    box.click()
    page.get_by_role("option", name=action, exact=True).click()
    idle(page)
    if reply is not None:
        page.get_by_label("社区答复（可选，居民会看到）").fill(reply)
    page.get_by_role("button", name=f"{action}：1 条").click()
    page.get_by_text(f"已{action} 1 条意见。").wait_for(timeout=30_000)
    idle(page)


def test_staff_adopts_and_resolves(marks_server, db, chromium, artifacts):
    base = marks_server.base_url
    # a published demo mark, the only drainage one (the walls mark is on the demo's works)
    mark_text = "东纵路的井盖松动"
    with transaction(db) as s:
        (target,) = [m for m in M.list_marks(s, SLUG) if m.text.startswith(mark_text)]
    assert target.status is Status.PUBLISHED
    adopt_reply = "已纳入本次改造，井盖将全部更换（e2e）"
    done_reply = "松动的井盖已换成防坠井盖，请大家评价（e2e）"
    with browser_page(
        chromium, artifacts, "staff", viewport={"width": 1920, "height": 1080}
    ) as page:
        page.goto(f"{base}/marks-admin?community={SLUG}&lang=zh")
        page.get_by_label("用户名").wait_for(timeout=60_000)
        page.get_by_label("用户名").fill("admin")
        page.get_by_label("密码").fill(ADMIN_PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("tab", name="全部意见").click()
        idle(page)
        panel = page.get_by_role("tabpanel", name="全部意见")
        # only drainage: one row
        cat = panel.locator("[data-testid='stMultiSelect']", has_text="类别")
        cat.locator("input").fill("排水")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        idle(page)
        grid = panel.locator("[data-testid='stDataFrame']")
        wait_count(page, grid, 1)  # the stale table of the previous run goes away
        tick_first_row(page, grid)
        idle(page)
        page.screenshot(path=str(artifacts / "marks-staff-ticked.png"))
        staff_action(page, panel, "采纳", adopt_reply)
        page.screenshot(path=str(artifacts / "marks-staff-adopted.png"))
        with transaction(db) as s:
            assert M.get_mark(s, target.id).status is Status.ADOPTED
        back_to_all(page, panel)
        page.screenshot(path=str(artifacts / "marks-staff-after-adopt.png"))
        staff_action(page, panel, "开始处理", "")
        with transaction(db) as s:
            assert M.get_mark(s, target.id).status is Status.IN_PROGRESS
        back_to_all(page, panel)
        staff_action(page, panel, "标为已解决", done_reply)
        back_to_all(page, panel)
        page.screenshot(path=str(artifacts / "marks-staff-resolved.png"))
    with transaction(db) as s:
        assert M.get_mark(s, target.id).status is Status.RESOLVED
        official = list(
            s.scalars(
                select(MarkCommentRow.text)
                .where(MarkCommentRow.mark_id == target.id, MarkCommentRow.official.is_(True))
                .order_by(MarkCommentRow.id)
            )
        )
    assert official == [adopt_reply, done_reply]

    # a resident (not the author) opens the mark from the slip's QR link and rates the work
    _label, code = services.demo_codes()[3]  # 1-1-202
    with browser_page(chromium, artifacts, "rate", **PHONE) as page:
        page.goto(f"{base}/marks?community={SLUG}&lang=zh&mark={target.id}&code={code}")
        page.get_by_text("问题解决得怎么样？").wait_for(timeout=60_000)
        idle(page)
        page.get_by_text(done_reply).first.wait_for(timeout=30_000)
        assert page.get_by_text("社区答复").count() >= 2
        stars = page.locator("[data-testid='stFeedback']")
        stars.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "marks-phone-rate.png"))
        stars.get_by_role("radio", name="4 out of 5 stars").click()
        page.get_by_text("谢谢！您打了 4 星。").wait_for(timeout=30_000)
        idle(page)
        page.screenshot(path=str(artifacts / "marks-phone-rated.png"))
    with transaction(db) as s:
        rated = M.get_mark(s, target.id)
        detail = M.mark_detail(s, target.id, household_id(db, services.demo_codes()[3][0]))
    assert rated.status is Status.EVALUATED
    assert detail.my_rating == 4
    assert detail.mark.ratings == 1 and detail.mark.rating_mean == 4.0
