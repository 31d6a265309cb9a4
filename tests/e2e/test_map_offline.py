"""A resident opens the community map with no internet: every layer draws, nothing leaves localhost.

Runs `streamlit run app.py` on a fresh SQLite database (the demo loads on first start) and drives
Debian Chromium. Screenshots for phone (390×844) and projector (1920×1080), zh and en, go to
test-artifacts/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from cocreate_map import services
from cocreate_map.services.access import local_admin
from cocreate_map.storage.db import make_engine, migrate, transaction
from cocreate_map.ui.maps import STYLES

pytestmark = pytest.mark.e2e

FOLIUM_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
VIEWPORTS = {"phone": (390, 844), "projector": (1920, 1080)}
HOSTILE = [
    "${window.top.__pwned=1}",
    "`;window.top.__pwned=2;`",
    '<img src=x onerror="window.top.__pwned=3">',
    "</script><script>window.top.__pwned=4</script>",
    '"><svg onload="window.top.__pwned=5">',
    "{{ 7*7 }}${alert(1)}",
]

# Count the drawn SVG paths per style signature (stroke, fill, dash) = per element kind.
# The site layers' paths; the works layer (its own pane, ui/work_maps.PANE) is not a site layer.
COUNT_PATHS = """
() => {
  const out = {};
  for (const p of document.querySelectorAll("path.leaflet-interactive")) {
    if (p.closest(".leaflet-cc_works-pane")) continue;
    const key = [p.getAttribute("stroke"), p.getAttribute("fill"),
                 p.getAttribute("stroke-dasharray") || ""].join("|");
    out[key] = (out[key] || 0) + 1;
  }
  return out;
}
"""


def _signature(kind: str) -> str:
    style = STYLES[kind]
    fill = style.get("fillColor", style["color"]) if style.get("fill", True) else "none"
    return "|".join([style["color"], fill, style.get("dashArray", "")])


def _expected(database_url: str, slug: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        with transaction(engine) as session:
            counts = services.map_data(session, slug).counts
    finally:
        engine.dispose()
    signatures: dict[str, int] = {}
    for kind, n in counts.items():
        signatures[_signature(kind)] = signatures.get(_signature(kind), 0) + n
    return signatures


class Recorder:
    """Every request the page and its iframes make, and every one that failed."""

    def __init__(self, page: Any) -> None:
        self.requests: list[str] = []
        self.failed: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))
        page.on(
            "response",
            lambda r: self.failed.append(f"{r.url} (HTTP {r.status})") if r.status >= 400 else None,
        )

    def foreign(self) -> list[str]:
        out = []
        for url in self.requests:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about"):
                continue
            if parsed.hostname not in LOCAL_HOSTS:
                out.append(url)
        return out


def _open_map(browser: Any, base_url: str, viewport: tuple[int, int], query: str) -> tuple:
    width, height = viewport
    context = browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=width < 600,
        has_touch=width < 600,
        locale="zh-CN",
    )
    page = context.new_page()
    recorder = Recorder(page)
    # "/" is the map page (the default); "/map" makes Streamlit probe "/map/_stcore/…" first (404s).
    page.goto(f"{base_url}/?{query}", wait_until="networkidle")
    page.wait_for_selector(FOLIUM_IFRAME, timeout=30_000)
    frame = page.frame_locator(FOLIUM_IFRAME)
    frame.locator(".leaflet-overlay-pane svg").wait_for(timeout=30_000)
    return context, page, recorder


def _frame(page: Any) -> Any:
    handle = page.wait_for_selector(FOLIUM_IFRAME)
    return handle.content_frame()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_resident_sees_every_layer_offline(
    streamlit_server: Any, chromium: Any, artifacts: Path, lang: str, device: str
) -> None:
    query = f"community={services.DEMO_SLUG}&lang={lang}"
    context, page, recorder = _open_map(
        chromium, streamlit_server.base_url, VIEWPORTS[device], query
    )
    try:
        # The app migrated the database and loaded the demo on its first start (page load).
        expected = _expected(streamlit_server.database_url, services.DEMO_SLUG)
        frame = _frame(page)
        frame.wait_for_function(
            f"() => document.querySelectorAll('path.leaflet-interactive').length >= "
            f"{sum(expected.values())}",
            timeout=30_000,
        )
        assert frame.evaluate(COUNT_PATHS) == expected
        legends = frame.locator(".cc-legend")
        assert legends.count() == 2  # the elements and the residents' marks
        label = "Buildings" if lang == "en" else "楼栋"
        marks_label = "Residents' marks" if lang == "en" else "居民标注"
        text = " ".join(legends.all_inner_texts())
        assert marks_label in text
        assert label in text or device == "phone"  # folded on phones
        # every public demo mark is a pin (or inside a cluster's count)
        frame.locator(".cc-mark, .marker-cluster").first.wait_for(timeout=30_000)
        assert frame.locator(".leaflet-control-layers").count() == 1
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / f"map_{device}_{lang}.png"), full_page=False)
        assert recorder.failed == [], recorder.failed
        assert recorder.foreign() == [], recorder.foreign()
        assert any(
            "/app/static/vendor/leaflet@1.9.3/dist/leaflet.js" in u for u in recorder.requests
        )
    finally:
        context.close()


def test_hostile_names_do_not_run_in_the_map(
    streamlit_server: Any, chromium: Any, tmp_path: Path, artifacts: Path
) -> None:
    """Names from an imported file reach tooltips as text; none of the payloads executes."""
    features = [
        {
            "type": "Feature",
            "properties": {"kind": "facility", "name": name, "facility_type": "seating"},
            "geometry": {"type": "Point", "coordinates": [114.3350 + i * 0.0002, 30.5320]},
        }
        for i, name in enumerate(HOSTILE)
    ]
    path = tmp_path / "hostile.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    engine = make_engine(streamlit_server.database_url)
    try:
        migrate(engine)
        with transaction(engine) as session:
            services.import_file(
                session, path, "hostile", create_name="<b>x</b>${alert(1)}", who=local_admin("test")
            )
    finally:
        engine.dispose()
    context, page, recorder = _open_map(
        chromium, streamlit_server.base_url, (1280, 900), "community=hostile&lang=en"
    )
    try:
        frame = _frame(page)
        frame.wait_for_function(
            f"() => document.querySelectorAll('path.leaflet-interactive').length >= {len(HOSTILE)}",
            timeout=30_000,
        )
        markers = frame.locator('path.leaflet-interactive[fill="#F0E442"]')
        shown = []
        for i in range(markers.count()):
            markers.nth(i).hover(force=True)
            tooltip = frame.locator(".leaflet-tooltip")
            tooltip.last.wait_for(timeout=5_000)
            shown.append(tooltip.last.inner_text())
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / "map_hostile_tooltip.png"))
        assert page.evaluate("() => window.__pwned") is None
        assert frame.evaluate("() => window.__pwned") is None
        for name in HOSTILE[:2]:
            assert any(name in text for text in shown), (name, shown)
        assert recorder.foreign() == []
    finally:
        context.close()
