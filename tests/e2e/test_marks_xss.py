"""Hostile text from residents and staff never runs in Debian Chromium (DESIGN §5: folium escapes
nothing; st_folium's iframe is same-origin with the page).

Through the service layer, each payload becomes a published mark's text, a resident's comment and
an official reply (one also as a decline reason). Then the browser opens the community map (every
payload mark hovered: its tooltip is built in the st_folium iframe), the list, and the detail views
(the mark's own map, comments, official replies). Payloads try to set ``window.parent.__pwned``,
call ``alert``, change ``document.title``/``body`` or load from the unreachable 127.0.0.1:1. The test
proves none of that happened in the page or in any map iframe, no dialog opened, no request went to
port 1 — and that each payload is shown as text, not swallowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
import shapely.geometry
from playwright.sync_api import Error as PlaywrightError

from cocreate_map import services
from cocreate_map.domain.annotations import Action, Category, Role
from cocreate_map.services import marks as M
from cocreate_map.services.households import households_of
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import make_engine, transaction
from cocreate_map.ui.escape import escape_text
from cocreate_map.ui.mark_maps import TIP_CHARS
from tests.e2e.conftest import Server, app_server, first_page_load

pytestmark = pytest.mark.e2e

FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
SLUG = services.DEMO_SLUG
STAFF = StaffIdentity("xss", Role.ADMIN)
BAIT = "http://127.0.0.1:1"  # nothing listens on port 1: any request to it is a leak

PAYLOADS = [
    "${window.parent.__pwned=1}",
    "`;window.parent.__pwned=2;//`",
    "${alert(3)}",
    '<img src=x onerror="window.parent.__pwned=4">',
    "<img src=x onerror=alert(5)>",
    "</script><script>window.parent.__pwned=6</script>",
    '"><svg onload="window.parent.__pwned=7">',
    "<svg/onload=alert(8)>",
    '<a href="javascript:window.parent.__pwned=9">点我</a>',
    "[a](javascript:alert(10))",
    f"![x]({BAIT}/md-image.png)",
    f'<img src="{BAIT}/html-image.png">',
    "{{7*7}}{{constructor.constructor('window.parent.__pwned=13')()}}",
    '"><b>粗体</b><i>斜体</i>',
    "&lt;script&gt;window.parent.__pwned=15&lt;/script&gt; &amp; &#60;b&#62;",
    "路灯坏了<script>document.title='pwned16'</script>请尽快修",
    "'-alert(17)-'\";alert(17);//",
    '<iframe src="javascript:window.parent.parent.__pwned=18"></iframe>',
    '<details open ontoggle="window.parent.__pwned=19">展开</details>',
    f"<style>@import '{BAIT}/x.css';</style>样式",
    "<math><mtext><table><mglyph><style><img src=x onerror=window.parent.__pwned=21>",
    "javascript:alert(22)",
    f"<{BAIT}/autolink> 和 {BAIT}/bare",
    "\\u003cimg src=x onerror=alert(24)\\u003e \\x3c \\\\ 反斜杠",
    "井盖<body onload=window.parent.document.body.dataset.pwned=25>松动 :red[红字] **粗** $x$",
    "<script>window.parent.document.title='pwned26'</script>三楼漏水",
]

CANARY = """() => ({
  pwned: window.__pwned === undefined ? null : String(window.__pwned),
  body: document.body ? (document.body.dataset.pwned || null) : null,
  title: document.title,
})"""


@pytest.fixture(scope="module")
def xss_server(tmp_path_factory: pytest.TempPathFactory, map_assets: None) -> Iterator[Server]:
    with app_server(
        tmp_path_factory.mktemp("e2e-marks-xss"), STREAMLIT_SERVER_FILE_WATCHER_TYPE="none"
    ) as server:
        yield server


@pytest.fixture(scope="module")
def hostile(xss_server: Server, chromium: Any) -> dict[str, Any]:
    """Load the demo through a first page view, then write every payload as published marks,
    comments and official replies. Returns the ids."""
    first_page_load(xss_server, chromium)
    engine = make_engine(xss_server.database_url)
    try:
        with transaction(engine) as s:
            community = repo.community_by_slug(s, SLUG)
            crowd = [h.id for h in households_of(s, community.id)][40:]
            categories = list(Category)
            marks: dict[str, int] = {}
            for i, text in enumerate(PAYLOADS):
                # a 5 × 6 grid over the compound, 30–40 m apart and ≥ 12 m from the demo's marks
                lon = 114.33506 + (i % 5) * 0.00044
                lat = 30.53130 + (i // 5) * 0.00026
                mark = M.submit_mark(
                    s, SLUG, crowd[i], categories[i % len(categories)].value, text,
                    shapely.geometry.Point(lon, lat),
                ).mark  # fmt: skip
                M.apply_action(s, mark.id, Action.PUBLISH.value, STAFF)
                marks[text] = mark.id
            # one mark collects every payload as residents' comments, one as official replies
            commented = marks[PAYLOADS[0]]
            replied = marks[PAYLOADS[1]]
            for i, text in enumerate(PAYLOADS):
                M.add_comment(s, commented, text, household_id=crowd[-1 - i])
                M.add_comment(s, replied, text, staff=STAFF)
            # an official reply and a decline reason through the staff transitions
            adopted = marks[PAYLOADS[5]]
            M.apply_action(s, adopted, Action.ADOPT.value, STAFF, reply=PAYLOADS[10])
            declined = marks[PAYLOADS[11]]
            M.apply_action(
                s, declined, Action.DECLINE.value, STAFF, reason=PAYLOADS[10][:300],
                reply=PAYLOADS[15],
            )  # fmt: skip
    finally:
        engine.dispose()
    return {
        "marks": marks,
        "commented": commented,
        "replied": replied,
        "adopted": adopted,
        "declined": declined,
    }


class Watch:
    """Dialogs and requests of one page (its iframes included)."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def leaks(self) -> list[str]:
        out = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme == "javascript" or (
                parsed.hostname == "127.0.0.1" and parsed.port == 1
            ):
                out.append(url)
        return out


def assert_clean(page: Any, watch: Watch, title: str) -> None:
    """Nothing ran: not in the page, not in any iframe; no dialog; no request to the bait."""
    page.wait_for_timeout(500)  # let any onerror/onload handler fire first
    frames = [page.main_frame, *[f for f in page.frames if f is not page.main_frame]]
    for frame in frames:
        if frame.is_detached():
            continue
        try:
            state = frame.evaluate(CANARY)
        except Exception:  # noqa: BLE001 - a frame replaced mid-check has nothing to say
            continue
        assert state["pwned"] is None, (frame.url, state)
        assert state["body"] is None, (frame.url, state)
        assert "pwned" not in state["title"], (frame.url, state)
    assert page.title() == title
    assert watch.dialogs == [], watch.dialogs
    assert watch.leaks() == [], watch.leaks()


def open_page(context: Any, url: str) -> tuple[Any, Watch]:
    page = context.new_page()
    watch = Watch(page)
    page.goto(url)
    return page, watch


def idle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=60_000)


def main_text(page: Any) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def normalise(text: str) -> str:
    """Whitespace folded, and without the invisible word joiners (U+2060) escape_markdown puts
    into addresses so that they are not turned into links: what a reader sees."""
    return " ".join(text.replace("\u2060", "").split())


def assert_shown(text: str, payloads: list[str]) -> None:
    flat = normalise(text)
    missing = [p for p in payloads if normalise(p) not in flat]
    assert missing == [], missing


# Centre the map on one mark (at zoom 19 nothing is clustered); null when it is not drawn.
FOCUS_MARK = """id => {
  let found = null;
  window.map.eachLayer(l => { if (l.feature && l.feature.properties
      && l.feature.properties.id === id && l.getLatLng) found = l; });
  if (found === null) return false;
  window.map.setView(found.getLatLng(), 19, {animate: false});
  return true;
}"""
# Open that mark's tooltip (what a hover does).
OPEN_TIP = """id => {
  window.map.eachLayer(l => { if (l.feature && l.feature.properties
      && l.feature.properties.id === id && l.openTooltip) l.openTooltip(); });
}"""
# Where that mark is now, in the iframe's pixels.
MARK_POINT = """id => {
  let found = null;
  window.map.eachLayer(l => { if (l.feature && l.feature.properties
      && l.feature.properties.id === id && l.getLatLng) found = l; });
  if (found === null) return null;
  const p = window.map.latLngToContainerPoint(found.getLatLng());
  const r = window.map.getContainer().getBoundingClientRect();
  return [p.x + r.left, p.y + r.top];
}"""


def hover_tooltips(page: Any, ids: dict[str, int]) -> dict[str, str]:
    """Hover every payload mark on the community map; the tooltip text each one shows."""
    iframe = page.locator(FOLIUM_IFRAME).first
    iframe.wait_for(timeout=60_000)
    idle(page)
    iframe.evaluate("e => e.scrollIntoView({block: 'center'})")
    frame = iframe.element_handle().content_frame()
    frame.wait_for_function(
        "() => window.map !== undefined && window.map.getSize().y > 100", timeout=60_000
    )
    frame.evaluate("() => window.map.setZoom(19, {animate: false})")
    # The works layer (its own pane, with sticky tooltips of its own) covers the buildings the
    # payload marks stand by; this test is about the marks' tooltips, so it is set aside.
    frame.evaluate(
        "() => { const p = window.map.getPane('cc_works'); if (p) p.style.display = 'none'; }"
    )
    page.wait_for_timeout(1000)  # the cluster layer splits up
    box = iframe.bounding_box()
    assert box is not None
    shown: dict[str, str] = {}
    for text, mark_id in ids.items():
        tip = frame.locator(".leaflet-tooltip", has_text=f"#{mark_id}")
        for _attempt in range(3):
            assert frame.evaluate(FOCUS_MARK, mark_id), f"mark #{mark_id} is not on the map"
            page.wait_for_timeout(300)
            x, y = frame.evaluate(MARK_POINT, mark_id)
            page.mouse.move(box["x"] + x + 60, box["y"] + y + 60)
            page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
            try:
                tip.last.wait_for(timeout=3_000)
                break
            except PlaywrightError:
                # the pointer did not reach the pin (something drawn over it): open the same
                # tooltip the way a hover does, so its content is still built in the page
                frame.evaluate(OPEN_TIP, mark_id)
                try:
                    tip.last.wait_for(timeout=3_000)
                    break
                except PlaywrightError:
                    continue
        shown[text] = tip.last.inner_text()
    return shown


def test_payloads_and_canaries_are_live(chromium):
    """The control: unescaped, the payloads do run and the watchers see it — so a clean result
    above means escaping worked, not that the payloads or the checks were inert."""
    page = chromium.new_page()
    watch = Watch(page)
    try:
        page.set_content("<title>control</title><body><div id=d></div></body>")
        page.evaluate("t => { eval('`' + t + '`'); }", PAYLOADS[0])  # a folium Tooltip literal
        assert page.evaluate(CANARY)["pwned"] == "1"
        page.evaluate("t => { document.getElementById('d').innerHTML = t; }", PAYLOADS[3])
        page.wait_for_function("() => window.__pwned === '4' || window.__pwned === 4")
        page.evaluate("t => { document.getElementById('d').innerHTML = t; }", PAYLOADS[4])
        page.evaluate("t => { document.getElementById('d').innerHTML = t; }", PAYLOADS[11])
        page.wait_for_timeout(1000)
        assert any("alert" in d for d in watch.dialogs), watch.dialogs
        assert any(urlparse(u).port == 1 for u in watch.leaks()), watch.requests
    finally:
        page.close()


def test_hostile_marks_comments_and_replies_do_not_run(xss_server, hostile, chromium, artifacts):
    base = xss_server.base_url
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        # the community map: every payload mark hovered, its tooltip built in the iframe
        page, watch = open_page(context, f"{base}/?community={SLUG}&lang=zh")
        page.get_by_text("居民标注").first.wait_for(timeout=60_000)
        title = page.title()
        assert "pwned" not in title
        tips = hover_tooltips(page, hostile["marks"])
        page.screenshot(path=str(artifacts / "marks-xss-map-tooltip.png"))
        for text, tip in tips.items():  # tooltips show the first TIP_CHARS characters
            assert normalise(text[: TIP_CHARS - 1]) in normalise(tip), (text, tip)
        frame = page.locator(FOLIUM_IFRAME).first.element_handle().content_frame()
        # only the escaped form reaches the map's marks layer (compact rows: text is the last)
        sent = [row[-1] for row in frame.evaluate("() => window.__ccMarks.data.rows")]
        for text in PAYLOADS:
            cut = text if len(text) <= TIP_CHARS else text[: TIP_CHARS - 1]
            assert any(escape_text(cut) in tip for tip in sent), text
            assert not any(cut in tip for tip in sent if cut != escape_text(cut)), text
        assert_clean(page, watch, title)
        page.close()

        # the list, newest first, all of it
        page, watch = open_page(context, f"{base}/marks?community={SLUG}&lang=zh")
        page.get_by_role("radio", name="最新").click()
        idle(page)
        total = int(re.search(r"共 (\d+) 条", main_text(page)).group(1))
        assert total >= len(PAYLOADS)
        cards = page.get_by_role("button", name="查看详情")
        for shown in range(20, total, 20):  # 20 cards a page
            page.get_by_role("button", name="再看 20 条").click()
            page.wait_for_function(
                "n => [...document.querySelectorAll('button')]"
                ".filter(b => b.innerText.trim() === '查看详情').length === n",
                arg=min(total, shown + 20),
                timeout=30_000,
            )
            idle(page)
        assert cards.count() == total
        assert_shown(main_text(page), PAYLOADS)
        page.screenshot(path=str(artifacts / "marks-xss-list.png"), full_page=True)
        assert_clean(page, watch, title)
        page.close()

        # detail views (each with the mark's own map): every payload as residents' comments,
        # every payload as official replies, a reply given with the adoption, a decline reason
        for key in ("commented", "replied", "adopted", "declined"):
            mark_id = hostile[key]
            page, watch = open_page(
                context, f"{base}/marks?community={SLUG}&lang=zh&mark={mark_id}"
            )
            page.get_by_text(f"#{mark_id}").first.wait_for(timeout=60_000)
            idle(page)
            page.frame_locator(FOLIUM_IFRAME).first.locator(
                ".leaflet-overlay-pane svg"
            ).first.wait_for(timeout=60_000)
            text = main_text(page)
            if key in ("commented", "replied"):
                assert_shown(text, PAYLOADS)
            elif key == "adopted":
                assert_shown(text, [PAYLOADS[5], PAYLOADS[10]])
            else:
                assert_shown(text, [PAYLOADS[11], PAYLOADS[10], PAYLOADS[15]])
            page.screenshot(path=str(artifacts / f"marks-xss-detail-{key}.png"), full_page=True)
            assert_clean(page, watch, title)
            page.close()
    finally:
        context.close()
