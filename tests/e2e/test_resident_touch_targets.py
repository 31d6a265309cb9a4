"""Elderly hands and eyes on a phone (390×844, Debian Chromium): every resident page — the map,
marking, the list, a mark's page, works, a work's page, funds, options, vote, results, the
communities and the district — measured in the page and inside every map iframe. Every visible
interactive element must be at least 44 × 44 px (WCAG 2.5.5; a checkbox or radio counts with
its label, as a tap on the label ticks it) and every visible text at least 16 px. A failure
names the page, the element and its size.

And a tap on a pin (issue 10.12): on the community map it opens that mark with its "me too";
while marking it offers that mark instead of dropping a new point on it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from cocreate_map import services
from cocreate_map.domain.annotations import Status
from cocreate_map.services import marks as M
from cocreate_map.storage.db import make_engine, transaction
from tests.e2e.conftest import Server, app_server, first_page_load

pytestmark = pytest.mark.e2e

FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SLUG = services.DEMO_SLUG
TARGET = 44
TEXT = 16

# Everything a finger can act on, and every element that shows text of its own; measured in
# CSS pixels (the page is not zoomed). Hidden things (no box, display:none, visibility:hidden,
# transparent) are skipped; an <input> inside a <label> is measured as its label.
MEASURE = """([target, text]) => {
  const out = [];
  const shown = el => {
    const r = el.getBoundingClientRect();
    // no box, a screen-reader-only clip (the skip link), or off the screen to the side (the
    // folded sidebar)
    if (r.width <= 1 || r.height <= 1 || r.right <= 0 || r.left >= innerWidth) return false;
    if (el.closest('[data-testid=stSidebar][aria-expanded=false]')) return false;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || parseFloat(s.opacity) === 0)
        return false;
    }
    return true;
  };
  const say = el => {
    const words = (el.innerText || el.getAttribute('aria-label') || el.title || el.value
      || el.type || '')
      .trim().replace(/\\s+/g, ' ').slice(0, 30);
    const id = el.getAttribute('data-testid') || el.getAttribute('role') || '';
    const up = el.parentElement && el.parentElement.closest('[data-testid]');
    const cls = up ? 'in ' + up.getAttribute('data-testid') : '';
    return `<${el.tagName.toLowerCase()}${id ? ' ' + id : ''}${cls ? ' ' + cls : ''}> "${words}"`;
  };
  const interactive = [
    'a[href]', 'button', 'input:not([type=hidden])', 'select', 'textarea', 'summary',
    '[role=button]', '[role=radio]', '[role=checkbox]', '[role=tab]', '[role=switch]',
    '[role=combobox]', '[role=slider]', '.leaflet-marker-icon',
  ].join(',');
  const seen = new Set();
  for (const el of document.querySelectorAll(interactive)) {
    let box = el;
    const label = el.closest('label');
    if (label && (el.tagName === 'INPUT' || el.getAttribute('role'))) box = label;
    // a select's typing box and its arrow: the whole select takes the tap
    const select = el.closest('[data-baseweb=select]');
    if (select) box = select;
    if (el.tagName === 'INPUT' && el.type === 'range') box = el.closest('[data-baseweb=slider]') || el;
    if (seen.has(box) || !shown(box)) continue;
    seen.add(box);
    if (el.closest('[aria-hidden=true]') && el.tabIndex < 0) continue;
    const r = box.getBoundingClientRect();
    if (r.width + 0.5 < target || r.height + 0.5 < target)
      out.push(`target ${say(el)} ${Math.round(r.width)}×${Math.round(r.height)} px`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const texts = new Set();
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const el = n.parentElement;
    if (!el || texts.has(el) || el.closest('script, style, noscript, svg title')) continue;
    texts.add(el);
    if (!shown(el)) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size + 0.05 < text) out.push(`text ${say(el)} ${size} px`);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, map_assets: None) -> Iterator[Server]:
    with app_server(
        tmp_path_factory.mktemp("e2e-touch"), STREAMLIT_SERVER_FILE_WATCHER_TYPE="none"
    ) as server:
        yield server


@pytest.fixture(scope="module")
def published(server: Server, chromium: Any) -> Any:
    """A published demo mark (it takes "me too"), after a first load made the database."""
    first_page_load(server, chromium)
    engine = make_engine(server.database_url)
    try:
        with transaction(engine) as s:
            marks = M.list_marks(s, SLUG)
    finally:
        engine.dispose()
    return next(m for m in marks if m.status is Status.PUBLISHED and m.category.value == "greenery")


def idle(page: Any) -> None:
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=60_000)


def settle(page: Any) -> None:
    """The page and its maps drawn (Streamlit lays pages out in steps; maps fetch layers). A map
    iframe may be replaced while we look, or sit folded away (no height): the current, shown
    ones are checked again until all have drawn."""
    page.locator("[data-testid='stMain']").wait_for(timeout=60_000)
    idle(page)
    deadline = time.monotonic() + 90
    while True:
        waiting = 0
        for iframe in page.locator(FOLIUM_IFRAME).all():
            try:
                box = iframe.bounding_box()
                if box is None or box["height"] < 50:
                    continue
                frame = iframe.element_handle().content_frame()
                drawn = frame is not None and frame.evaluate(
                    "() => window.map !== undefined && window.map.getSize().y > 50"
                )
            except PlaywrightError:  # detached mid-look: the next round sees its successor
                drawn = False
            waiting += not drawn
        if not waiting:
            break
        assert time.monotonic() < deadline, f"{waiting} map(s) never drew on {page.url}"
        page.wait_for_timeout(500)
    page.wait_for_timeout(1500)
    idle(page)


def problems(page: Any) -> list[str]:
    found = []
    for frame in page.frames:
        if frame.is_detached():
            continue
        where = "map" if frame is not page.main_frame else "page"
        found += [f"{where}: {p}" for p in frame.evaluate(MEASURE, [TARGET, TEXT])]
    return found


def join(page: Any, base: str) -> None:
    _label, code = services.demo_codes()[4]
    page.goto(f"{base}/marks?community={SLUG}&lang=zh&code={code}")
    page.get_by_text(re.compile(r"您好，\d+栋")).first.wait_for(timeout=60_000)
    idle(page)


def test_every_resident_page_has_big_targets_and_text(server, published, chromium, artifacts):
    base = server.base_url
    q = f"community={SLUG}&lang=zh"
    pages = {
        "map": f"/?{q}",
        "marks (marking)": f"/marks?{q}",
        "marks (list)": None,  # the marking page, then 意见列表
        "a mark's page": f"/marks?{q}&mark={published.id}",
        "works": f"/works?{q}",
        "a work's page": f"/works?{q}&work=1",
        "funds": f"/funds?{q}",
        "options": f"/options?{q}",
        "vote": f"/vote?{q}",
        "results": f"/results?{q}",
        "communities": f"/communities?{q}",
        "district": f"/district?{q}",
    }
    context = chromium.new_context(locale="zh-CN", **PHONE)
    report: list[str] = []
    try:
        page = context.new_page()
        join(page, base)  # a household: the pages show what a joined resident sees
        for name, path in pages.items():
            if path is None:
                page.get_by_role("radio", name="意见列表").click()
            else:
                page.goto(base + path)
            settle(page)
            slug = re.sub(r"\W+", "-", name).strip("-")
            page.screenshot(path=str(artifacts / f"touch-{slug}.png"), full_page=True)
            report += [f"{name} · {p}" for p in problems(page)]
    finally:
        context.close()
    assert report == [], "\n" + "\n".join(report[:150]) + f"\n({len(report)} in all)"


def pin_point(frame: Any, mark_id: int) -> list[float]:
    """Zoom the map to the mark's pin (no cluster there) and give its place in page pixels."""
    return frame.evaluate(
        """id => {
          const row = window.__ccMarks.data.rows.find(r => r[4] === id);
          window.map.setView([row[0], row[1]], 19, {animate: false});
          const p = window.map.latLngToContainerPoint([row[0], row[1]]);
          const r = window.frameElement.getBoundingClientRect();
          return [p.x + r.left, p.y + r.top];
        }""",
        mark_id,
    )


def tap_pin(page: Any, mark_id: int) -> None:
    iframe = page.locator(FOLIUM_IFRAME).first
    iframe.evaluate("e => e.scrollIntoView({block: 'center'})")
    frame = iframe.element_handle().content_frame()
    frame.wait_for_function(
        "id => !!window.__ccMarks && window.__ccMarks.data.rows.some(r => r[4] === id)",
        arg=mark_id,
        timeout=60_000,
    )
    pin_point(frame, mark_id)
    page.wait_for_timeout(800)  # the cluster splits up
    x, y = pin_point(frame, mark_id)
    # a finger lands a little off the tip: 8 px above it, inside the 44-px pin
    page.touchscreen.tap(x, y - 8)


def test_a_tap_on_a_pin_opens_that_mark(server, published, chromium, artifacts):
    base = server.base_url
    context = chromium.new_context(locale="zh-CN", **PHONE)
    try:
        page = context.new_page()
        join(page, base)
        page.goto(f"{base}/?community={SLUG}&lang=zh")
        settle(page)
        tap_pin(page, published.id)
        page.get_by_text(f"#{published.id}").first.wait_for(timeout=60_000)
        assert f"mark={published.id}" in page.url
        try:
            page.get_by_role("button", name="我也遇到").wait_for(timeout=60_000)
        except Exception:
            page.screenshot(path=str(artifacts / "touch-pin-FAILED.png"), full_page=True)
            raise
        page.screenshot(path=str(artifacts / "touch-pin-opened.png"))

        # while marking, a tap on the pin offers it; no new point is dropped on it
        page.goto(f"{base}/marks?community={SLUG}&lang=zh")
        settle(page)
        page.get_by_text("还没选位置").first.wait_for(timeout=30_000)
        tap_pin(page, published.id)
        page.get_by_text(f"您点到了已有的问题 #{published.id}").wait_for(timeout=60_000)
        idle(page)
        assert page.get_by_text("位置已选好").count() == 0
        offer = page.locator(".st-key-marks_tapped_offer")
        offer.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "touch-pin-offered.png"))
        offer.get_by_role("button", name="我也遇到").click()
        page.get_by_text("现在共").first.wait_for(timeout=30_000)
    finally:
        context.close()
    engine = make_engine(server.database_url)
    try:
        with transaction(engine) as s:
            assert M.get_mark(s, published.id).supports == published.supports + 1
    finally:
        engine.dispose()


# Where a phone user would tap a building: the centre of the first site feature that has a
# tooltip, in page pixels.
FEATURE_POINT = """() => {
  let target = null;
  window.map.eachLayer(l => {
    if (!target && l.getTooltip && l.getTooltip() && l.getBounds && !l.getLayers) target = l;
  });
  const p = window.map.latLngToContainerPoint(target.getBounds().getCenter());
  const r = window.frameElement.getBoundingClientRect();
  return [p.x + r.left, p.y + r.top];
}"""


def test_a_tooltip_a_tap_opened_does_not_stick(server, published, chromium, artifacts):
    """Issue 10.12: a touch screen has no pointer to move away, so a tooltip a tap opened
    closes by itself after a few seconds instead of covering the map."""
    context = chromium.new_context(locale="zh-CN", **PHONE)
    try:
        page = context.new_page()
        page.goto(f"{server.base_url}/?community={SLUG}&lang=zh")
        settle(page)
        iframe = page.locator(FOLIUM_IFRAME).first
        iframe.evaluate("e => e.scrollIntoView({block: 'center'})")
        page.wait_for_timeout(500)
        frame = iframe.element_handle().content_frame()
        x, y = frame.evaluate(FEATURE_POINT)
        page.touchscreen.tap(x, y)
        tips = frame.locator(".leaflet-tooltip")
        tips.first.wait_for(timeout=5_000)
        page.screenshot(path=str(artifacts / "touch-tooltip-open.png"))
        frame.wait_for_function(
            "() => document.querySelectorAll('.leaflet-tooltip').length === 0", timeout=8_000
        )
    finally:
        context.close()
