"""Chromium time until every feature is drawn: our map page vs a bare Leaflet page of the same
GeoJSON (SVG and canvas), for 2,000 polygons and for 5,000 points. Prints a table; asserts nothing.

    python benchmarks/browser_draw.py [--repeat 3]

Starts ``streamlit run app.py`` on a scratch SQLite database with two synthetic communities
(``map_payload.synthetic_geojson``: 2,000 polygons; 5,000 points) on a free port, and serves the
bare pages from the same server (``static/data/bench-*.html``, git-ignored) so both load our
locally served Leaflet from ``static/vendor``. Each run is a fresh browser context (cold cache);
project and floor alternate. "Drawn" = the count of features Leaflet holds on the map reaches
the number of features; for the map page, the layers holding a feature. "mounted" = until the
map's iframe exists (Streamlit has started, run the page and mounted the component); "map" =
from then until drawn, the map's own share, against the bare page ("map/SVG"). An empty
Streamlit page is timed too: Streamlit's own start, which no map can undercut. The load average
is printed: absolute times on a busy machine are noisy, the ratios are the point.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from map_payload import synthetic_geojson  # noqa: E402

from cocreate_map import services  # noqa: E402
from cocreate_map.io import assets  # noqa: E402
from cocreate_map.services.access import local_admin  # noqa: E402
from cocreate_map.storage.db import make_engine, migrate, transaction  # noqa: E402
from cocreate_map.ui import map_files  # noqa: E402

BARE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="{css}"><script src="{js}"></script>
<style>html,body,#m{{height:100%;margin:0}}</style></head><body><div id="m"></div><script>
var map = L.map("m", {{preferCanvas: {canvas}}});
fetch("{data}").then(function (r) {{ return r.json(); }}).then(function (fc) {{
  var layer = L.geoJson(fc, {{pointToLayer: function (f, ll) {{
    return L.circleMarker(ll, {{radius: 7}}); }}}}).addTo(map);
  map.fitBounds(layer.getBounds());
  window.__drawn = layer.getLayers().length;
}});
</script></body></html>"""

COUNT = """() => {
  const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const w = f ? f.contentWindow : window;
  if (!w || !w.document) return 0;
  if (w.__drawn) return w.__drawn;
  let n = 0;
  if (w.map && w.map.eachLayer) { w.map.eachLayer(l => { if (l.feature) n += 1; }); }
  return n;
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def communities(db: str, tmp: Path) -> dict[str, int]:
    engine = make_engine(db)
    migrate(engine)
    made = {}
    for slug, (polys, points) in {"draw-polygons": (2000, 0), "draw-points": (1, 5000)}.items():
        src = tmp / f"{slug}.geojson"
        synthetic_geojson(src, elements=polys, marks=points)
        with transaction(engine) as s:
            services.import_file(s, src, slug, create_name=slug, who=local_admin("test"))
        with transaction(engine) as s:
            data = services.map_data(s, slug)
        fc = {
            "type": "FeatureCollection",
            "features": [f for layer in data.layers.values() for f in layer["features"]],
        }
        made[slug] = len(fc["features"])
        folder = map_files.data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"bench-{slug}.json").write_text(json.dumps(fc), "utf-8")
        for canvas in ("false", "true"):
            (folder / f"bench-{slug}-{canvas}.html").write_text(
                BARE.format(
                    css=assets.url("leaflet", "dist/leaflet.css"),
                    js=assets.url("leaflet", "dist/leaflet.js"),
                    canvas=canvas,
                    data=f"{map_files.URL_PREFIX}/bench-{slug}.json",
                ),
                "utf-8",
            )
    engine.dispose()
    return made


IFRAME = """() => !!document.querySelector('iframe[title="streamlit_folium.st_folium"]')"""
EMPTY_READY = """() => document.body && document.body.innerText.includes("cc-empty-ready")"""
EMPTY_APP = 'import streamlit as st\n\nst.write("cc-empty-ready")\n'


def until_drawn(browser, url: str, n: int, ours: bool = False) -> tuple[float, float]:  # noqa: ANN001
    """(seconds until all ``n`` features are drawn, seconds until the map's iframe exists —
    0 for a page without one)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    mounted = 0.0
    if ours:
        page.wait_for_function(IFRAME, timeout=300_000, polling=20)
        mounted = time.perf_counter() - start
    page.wait_for_function(f"() => ({COUNT})() >= {n}", timeout=300_000, polling=20)
    seconds = time.perf_counter() - start
    context.close()
    return seconds, mounted


def until_empty(browser, url: str) -> float:  # noqa: ANN001
    """Seconds until an empty Streamlit page shows its one line: Streamlit's own floor."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function(EMPTY_READY, timeout=300_000, polling=20)
    seconds = time.perf_counter() - start
    context.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="cocreate-draw-"))
    db = f"sqlite:///{tmp}/draw.sqlite3"
    made = communities(db, tmp)
    port = free_port()
    env = {**os.environ, "COCREATE_DATABASE_URL": db}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    (tmp / "empty_app.py").write_text(EMPTY_APP, "utf-8")
    empty_port = free_port()
    empty_server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(tmp / "empty_app.py"),
         "--server.port", str(empty_port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for p_ in (port, empty_port):
            for _ in range(120):
                try:
                    socket.create_connection(("127.0.0.1", p_), timeout=1).close()
                    break
                except OSError:
                    time.sleep(1)
        print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print(f"{'case':<16}{'features':>9}{'ours ms':>10}{'SVG ms':>9}{'canvas ms':>11}"
              f"{'ours/SVG':>10}{'ours/canvas':>13}{'mounted ms':>12}{'map ms':>8}"
              f"{'map/SVG':>9}  (medians; minima in brackets)")  # fmt: skip
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu",
                      "--disable-background-networking"],
            )  # fmt: skip
            for slug, n in made.items():
                urls = {
                    "ours": f"{base}/?community={slug}&lang=zh",
                    "svg": f"{base}/app/static/data/bench-{slug}-false.html",
                    "canvas": f"{base}/app/static/data/bench-{slug}-true.html",
                }
                times: dict[str, list[float]] = {k: [] for k in urls}
                mounted: list[float] = []
                for i in range(args.repeat):
                    order = list(urls) if i % 2 == 0 else list(reversed(urls))
                    for k in order:
                        total, at = until_drawn(browser, urls[k], n, ours=k == "ours")
                        times[k].append(total)
                        if k == "ours":
                            mounted.append(at)
                med = {k: statistics.median(v) for k, v in times.items()}
                mn = {k: min(v) for k, v in times.items()}
                # the map's own share: from its iframe appearing to every feature drawn
                own = statistics.median(t - m for t, m in zip(times["ours"], mounted, strict=True))
                print(
                    f"{slug:<16}{n:>9,}{med['ours'] * 1000:>7.0f} [{mn['ours'] * 1000:.0f}]"
                    f"{med['svg'] * 1000:>6.0f}{med['canvas'] * 1000:>9.0f}"
                    f"{med['ours'] / med['svg']:>10.2f}{med['ours'] / med['canvas']:>13.2f}"
                    f"{statistics.median(mounted) * 1000:>12.0f}{own * 1000:>8.0f}"
                    f"{own / med['svg']:>9.2f}"
                )
            empty = [until_empty(browser, f"http://127.0.0.1:{empty_port}/") for _ in range(3)]
            print(
                f"an empty Streamlit page (st.write of one line): {statistics.median(empty) * 1000:.0f}"
                f" ms [{min(empty) * 1000:.0f}] — Streamlit's own start, before any map"
            )
            browser.close()
    finally:
        for proc in (server, empty_server):
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
