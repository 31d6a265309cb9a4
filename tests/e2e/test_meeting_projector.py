"""The host projects the open ballot at 1920×1080 in Debian Chromium: big figures, a QR code that
encodes the join link, and the participation figure follows 20 votes without a reload; the host
steps through the panels with the ← → keys and the address follows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import segno
from playwright.sync_api import Error as PlaywrightError

from cocreate_map import services
from cocreate_map.domain.households import RegisterRow
from cocreate_map.services import households as H
from cocreate_map.services.access import local_admin
from cocreate_map.services.meeting import join_link
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import make_engine, transaction
from tests.e2e.conftest import Server, app_server, first_page_load

pytestmark = pytest.mark.e2e
PUBLIC_URL = "http://192.168.1.20:8501"


@pytest.fixture(scope="module")
def meeting_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with app_server(
        tmp_path_factory.mktemp("e2e-meeting"), COCREATE_PUBLIC_URL=PUBLIC_URL
    ) as server:
        yield server


def _path_d(svg: str) -> str:
    """The drawn paths (background, then the dark modules) of a segno SVG."""
    found = re.findall(r"\sd=['\"]([^'\"]+)['\"]", svg)
    assert found, svg[:200]
    return " | ".join(found)


def test_host_projects_ballot_and_watches_participation_rise(meeting_server, chromium, artifacts):
    base = meeting_server.base_url
    slug = services.DEMO_SLUG
    page = chromium.new_page(viewport={"width": 1920, "height": 1080})
    try:
        first_page_load(meeting_server, chromium)  # the app migrates and loads the demo
        page.goto(f"{base}/meeting?lang=zh")
        # the main area, not the sidebar navigation, which shows the same words at once
        main = page.locator("[data-testid='stMain']")
        main.get_by_text("社区地图").first.wait_for(timeout=60_000)
        engine = make_engine(meeting_server.database_url)
        rows = [
            RegisterRow("20", "1", f"{k + 1:02d}01", Fraction("80.5"), None, 2) for k in range(24)
        ]
        with transaction(engine) as s:
            H.add_register_rows(s, repo.community_by_slug(s, slug), rows, who=local_admin("test"))
            bid = services.create_ballot(
                s,
                slug,
                "是否采纳方案C：平衡？",
                "co-creation-two-thirds",
                buildings=["20"],
                who=local_admin("test"),
            ).id
        with transaction(engine) as s:
            voters = [h for h in H.list_households(s, slug) if h.building == "20"]
        page.goto(
            f"{base}/meeting?community={slug}&view=projector&panel=ballot&ballot={bid}&lang=zh"
        )
        figure = page.locator('[data-measure="households"]')
        figure.filter(has_text="0.0%").wait_for(timeout=60_000)
        page.locator('[data-measure="area"]').wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts / "meeting-projector-ballot.png"))

        # The page's style sheet is its own element; on a loaded machine it can reach the page
        # a moment after the figures. Wait for it, then measure.
        fig_sizes = "els => els.map(e => parseFloat(getComputedStyle(e).fontSize))"
        try:
            page.wait_for_function(
                "() => { const s = [...document.querySelectorAll('.cc-fig')]"
                ".map(e => parseFloat(getComputedStyle(e).fontSize));"
                " return s.length >= 2 && Math.min(...s) >= 32; }",
                timeout=30_000,
            )
        except PlaywrightError:
            page.screenshot(path=str(artifacts / "meeting-projector-small-figures.png"))
        sizes = page.eval_on_selector_all(".cc-fig", fig_sizes)
        assert len(sizes) >= 2 and min(sizes) >= 32, sizes
        assert not page.locator('[data-testid="stSidebar"]').is_visible()

        link = join_link(PUBLIC_URL, slug)
        qr = page.locator(".cc-qr")
        assert qr.get_attribute("data-join-link") == link
        src = qr.locator("img").get_attribute("src") or ""
        assert src.startswith("data:image/svg+xml")
        drawn = _path_d(unquote(src.split(",", 1)[1]))
        assert drawn == _path_d(
            segno.make(link, error="m").svg_inline(scale=10, border=2, dark="#000", light="#fff")
        )

        with transaction(engine) as s:
            for h in voters[:20]:
                services.cast_vote(s, bid, h.id, "yes")
        # 20 of 24 households: 83.3 % — on screen within 5 s, no reload.
        figure.filter(has_text="83.3%").wait_for(timeout=5_000)
        page.screenshot(path=str(artifacts / "meeting-projector-after-20-votes.png"))

        for name in ("map", "options", "result"):
            page.goto(
                f"{base}/meeting?community={slug}&view=projector&panel={name}&ballot={bid}&lang=zh"
            )
            page.locator(".cc-big").first.wait_for(timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(artifacts / f"meeting-projector-{name}.png"))

        phone = chromium.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        try:
            for lang in ("zh", "en"):
                phone.goto(f"{base}/meeting?community={slug}&panel=ballot&ballot={bid}&lang={lang}")
                phone.locator('[data-measure="households"]').wait_for(timeout=60_000)
                phone.screenshot(path=str(artifacts / f"meeting-phone-{lang}.png"), full_page=True)
        finally:
            phone.close()
    finally:
        page.close()


def test_host_steps_through_panels_with_arrow_keys(meeting_server, chromium, artifacts):
    base = meeting_server.base_url
    slug = services.DEMO_SLUG
    labels = {
        "map": "社区地图",
        "options": "方案对比",
        "ballot": "扫码投票",
        "result": "表决结果",
        "works": "工程与资金",
        "story": "来龙去脉",
        "convention": "公约签署",
    }
    page = chromium.new_page(viewport={"width": 1920, "height": 1080})
    try:
        page.goto(f"{base}/meeting?community={slug}&view=projector&panel=ballot&lang=zh")
        main = page.locator("[data-testid='stMain']")

        def shows(panel: str) -> None:
            main.locator("h1").filter(has_text=f"· {labels[panel]}").wait_for(timeout=60_000)
            page.wait_for_function(
                "p => new URL(location.href).searchParams.get('panel') === p",
                arg=panel,
                timeout=10_000,
            )
            # its button, and only its button, is highlighted (the buttons are drawn after the
            # title, so wait for them too)
            page.wait_for_function(
                """p => {
                  const on = [...document.querySelectorAll(
                    "[data-testid='stMain'] [data-testid='stBaseButton-primary']")];
                  return on.length === 1 && !!on[0].closest('.st-key-meeting_go_' + p);
                }""",
                arg=panel,
                timeout=10_000,
            )
            query = parse_qs(urlparse(page.url).query)
            assert query["panel"] == [panel] and query["view"] == ["projector"], page.url
            assert query["community"] == [slug] and query["lang"] == ["zh"], page.url

        shows("ballot")
        # an open ballot, so the live tally refreshes every 2 s while the host steps
        engine = make_engine(meeting_server.database_url)
        with transaction(engine) as s:
            bid = services.create_ballot(
                s, slug, "晾衣架选址？", "simple-majority", who=local_admin("test")
            ).id
        engine.dispose()
        page.goto(
            f"{base}/meeting?community={slug}&view=projector&panel=ballot&ballot={bid}&lang=zh"
        )
        page.locator('[data-measure="households"]').wait_for(timeout=60_000)
        shows("ballot")
        # the key listener is installed by a tiny iframe once it has loaded
        page.wait_for_function("() => window.__ccMeetingKeys === true", timeout=10_000)
        # the keys act on the page itself, not on a focused widget: nothing is clicked first
        for key, panel in (
            ("ArrowRight", "result"),
            ("ArrowRight", "works"),
            ("ArrowRight", "story"),
            ("ArrowRight", "convention"),
            ("ArrowRight", "map"),  # wraps round after the last panel
            ("ArrowLeft", "convention"),  # and back before the first
            ("ArrowLeft", "story"),
            ("ArrowLeft", "works"),
            ("ArrowLeft", "result"),
            ("ArrowLeft", "ballot"),
            ("ArrowLeft", "options"),
        ):
            page.keyboard.press(key)
            shows(panel)
        assert parse_qs(urlparse(page.url).query)["ballot"] == [str(bid)]  # kept while stepping
        main.get_by_text("方案A：草坪改车位").first.wait_for(timeout=60_000)  # the panel itself
        page.wait_for_timeout(1000)
        page.screenshot(path=str(artifacts / "meeting-projector-keys-options.png"))
        assert not page.locator('[data-testid="stSidebar"]').is_visible()
    finally:
        page.close()
