"""Issue 11.13 and 11.14 in Debian Chromium against a served app.

13: a ballot whose title, choices and linked option name are markdown images and links
(``![x](http://example.invalid/a.png)``) is shown as plain text on every page a visitor or the host
opens (vote, results, meeting, projector, options): no ``<img>`` or ``<a>`` pointing there in the
page or any iframe, and no request leaves for ``example.invalid``.

14: bad numbers in the address (``?mark=²``, a 5,000-digit ``?mark=``, ``?ballot=²``, ``?work=x``)
give a page in the reader's language with a way back — no traceback, no server path, no
Streamlit error box. Screenshots of that page at 390×844, zh and en.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from cocreate_map import services
from cocreate_map.services import options as option_service
from cocreate_map.services.access import local_admin
from cocreate_map.storage.db import make_engine, transaction
from tests.e2e.conftest import ROOT, Server, app_server, first_page_load

pytestmark = pytest.mark.e2e
SLUG = services.DEMO_SLUG
HOST = "example.invalid"
TITLE = f"![x](http://{HOST}/a.png) [点我](http://{HOST}/t) http://{HOST}/bare 换路灯？"
CHOICE = f"![c](http://{HOST}/c.png)"
OPTION = f"[方案](http://{HOST}/o) ![o](http://{HOST}/o.png)"
SHOTS = Path("/tmp/shots-harden")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with app_server(tmp_path_factory.mktemp("e2e-plain")) as s:
        yield s


def _leaks(page: Any) -> list[str]:
    """<img>/<a>/<source> elements pointing at the bait host, in the page and every frame."""
    found = []
    for frame in page.frames:
        try:
            found += frame.eval_on_selector_all(
                f'img[src*="{HOST}"], a[href*="{HOST}"], source[src*="{HOST}"], '
                f'image[href*="{HOST}"], iframe[src*="{HOST}"]',
                "els => els.map(e => (e.closest('[data-testid]') || {}).outerHTML?.slice(0, 400)"
                " + ' ⇒ ' + e.outerHTML)",
            )
        except Exception:  # noqa: BLE001 - a frame that went away while we looked
            continue
    return found


def test_markdown_in_ballot_fields_stays_text(server, chromium):
    first_page_load(server, chromium)
    engine = make_engine(server.database_url)
    admin = local_admin("test")
    with transaction(engine) as s:
        option_service.create_option(s, SLUG, OPTION, who=admin)
        option_service.create_option(s, SLUG, "方案乙", who=admin)
        bid = services.create_ballot(
            s, SLUG, TITLE, "co-creation-two-thirds", choices=[CHOICE, "不换"],
            kind="choose-one", description=f"![d](http://{HOST}/d.png)", who=admin,
        ).id  # fmt: skip
        on_options = services.create_ballot(
            s, SLUG, f"选方案 {TITLE}", None, options=[OPTION, "方案乙"], who=admin
        ).id
    _, code = services.demo_codes()[0]
    requests: list[str] = []
    page = chromium.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.on("request", lambda r: requests.append(r.url) if HOST in r.url else None)
    page.route(f"**/*{HOST}*", lambda route: route.abort())
    main = page.locator("[data-testid='stMain']")
    try:
        visits = [
            (f"/vote?community={SLUG}&code={code}&lang=zh", "换路灯"),
            (f"/results?community={SLUG}&ballot={bid}&lang=zh", "换路灯"),
            (f"/meeting?community={SLUG}&panel=ballot&ballot={bid}&lang=zh", "换路灯"),
            (
                f"/meeting?community={SLUG}&view=projector&panel=ballot&ballot={bid}&lang=en",
                "换路灯",
            ),
            (f"/results?community={SLUG}&ballot={on_options}&lang=zh", "方案乙"),
            (f"/meeting?community={SLUG}&panel=ballot&ballot={on_options}&lang=zh", "方案乙"),
            (f"/meeting?community={SLUG}&panel=options&ballot={on_options}&lang=zh", "方案"),
            (f"/options?community={SLUG}&lang=zh", "方案"),
            (f"/ballots?community={SLUG}&lang=zh", ""),
        ]
        for path, shown in visits:
            page.goto(server.base_url + path)
            main.get_by_text(shown or "表决").first.wait_for(timeout=90_000)
            page.wait_for_timeout(2500)  # late elements (charts, iframes) settle
            assert not _leaks(page), (path, _leaks(page))
            if path.startswith("/vote"):
                # the choices are buttons whose labels are the raw text, shown as written (an
                # invisible word joiner after "http:" keeps the address from becoming a link)
                button = main.get_by_role("button", name="![c](http")
                assert button.count() == 1
                button.click()  # the confirmation screen
                main.get_by_text("您选择").first.wait_for(timeout=60_000)
                page.wait_for_timeout(1500)
                assert not _leaks(page), ("vote confirm", _leaks(page))
                assert main.get_by_text("![x](http").count() >= 1
            if path.startswith("/results"):
                SHOTS.mkdir(exist_ok=True)
                page.screenshot(path=str(SHOTS / f"results-plain-title-390-zh-{path[-12:-8]}.png"))
                assert main.get_by_text("![x](http").count() >= 1
                assert main.get_by_text("[点我](http").count() >= 1
    finally:
        page.close()
    assert requests == []


BAD = [
    ("marks", "mark", "²", {"zh": "意见编号不对", "en": "opinion number in this address is wrong"}),
    ("marks", "mark", "9" * 5000, {"zh": "意见编号不对", "en": "opinion number"}),
    ("results", "ballot", "²", {"zh": "表决编号不对", "en": "ballot number in this address"}),
    ("meeting", "ballot", "²", {"zh": "表决编号不对", "en": "ballot number in this address"}),
    ("works", "work", "x1", {"zh": "工程编号不对", "en": "works number in this address"}),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bad_numbers_in_the_address_give_a_friendly_page(server, chromium, lang):
    first_page_load(server, chromium)
    page = chromium.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    main = page.locator("[data-testid='stMain']")
    try:
        for path, name, value, expected in BAD:
            page.goto(f"{server.base_url}/{path}?community={SLUG}&{name}={value}&lang={lang}")
            main.get_by_text(expected[lang]).first.wait_for(timeout=90_000)
            page.wait_for_timeout(1000)
            html = page.content()
            for bad in ("Traceback", "ValueError", str(ROOT), "site-packages", ".py"):
                assert bad not in html, (path, value[:10], bad)
            assert page.locator('[data-testid="stException"]').count() == 0
            if value == "²" and path == "marks":
                SHOTS.mkdir(exist_ok=True)
                page.screenshot(path=str(SHOTS / f"bad-mark-address-390-{lang}.png"))
            # the way back: the list, without the bad number
            back = main.get_by_role("button", name="打开列表" if lang == "zh" else "Open the list")
            back.click()
            main.get_by_text(expected[lang]).first.wait_for(state="detached", timeout=60_000)
            # the bad number is gone (results and meeting then name the ballot they show)
            assert f"{name}={quote(value)}" not in page.url, page.url
    finally:
        page.close()
