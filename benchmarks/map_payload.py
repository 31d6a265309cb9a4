"""What the community map costs per rerun: bytes st_folium sends, server time, vs plain GeoJSON.

    python benchmarks/map_payload.py

For the demo community (棉花小区) and a synthetic community of 2,000 plan elements plus 5,000
point features. The 5,000 points stand in for residents' marks (annotations are not stored yet):
they are ``facility`` points (facility_type ``other``), drawn exactly as marks would be — one
GeoJSON layer of CircleMarkers with a tooltip each.

Columns: ``first load`` = what the map costs the browser the first time: the JSON of the
arguments ``st_folium`` hands the browser (script + header + html + links + the marks layer)
plus the gzip-compressed static layer file the script fetches; ``gz floor`` = the same features
as compact plain GeoJSON, gzip-compressed; ``ratio`` = first load / floor; ``rerun B`` = map
bytes of a rerun that changed nothing (0 when the arguments are identical and at least
Streamlit's ``global.minCachedMessageSize``: the browser gets a reference to the message it
has); ``build`` = server time of the first build, ``rebuild`` = of the same map again (cached
arguments); ``rerun`` = one full AppTest run of the map page (database read included). Prints
the load average and a table; asserts nothing.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TMP = tempfile.mkdtemp(prefix="cocreate-bench-")
os.environ["COCREATE_DATABASE_URL"] = f"sqlite:///{_TMP}/bench.sqlite3"

from folium_capture import captured_args, payload_bytes  # noqa: E402
from streamlit import config  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from cocreate_map import services  # noqa: E402
from cocreate_map.services.access import local_admin  # noqa: E402
from cocreate_map.storage.db import make_engine, migrate, transaction  # noqa: E402
from cocreate_map.ui import map_files, mark_maps  # noqa: E402

SYNTHETIC_SLUG = "synthetic-7000"


def synthetic_geojson(path: Path, elements: int = 2000, marks: int = 5000) -> None:
    """A ~1 km estate near the demo: `elements` polygons of several kinds + `marks` points."""
    x0, y0 = 114.330, 30.528
    kinds = ["building", "green_belt", "parking_stall", "illegal_structure", "parking_lot"]
    side = math.ceil(math.sqrt(elements))
    step = 0.009 / side
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "properties": {"kind": "boundary", "name": "合成小区边界"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [x0, y0],
                        [x0 + 0.0095, y0],
                        [x0 + 0.0095, y0 + 0.0095],
                        [x0, y0 + 0.0095],
                        [x0, y0],
                    ]
                ],
            },
        }
    ]
    for i in range(elements - 1):
        cx, cy = x0 + (i % side) * step, y0 + (i // side) * step
        d = step * 0.7
        kind = kinds[i % len(kinds)]
        props: dict[str, Any] = {"kind": kind, "name": f"{kind} {i}"}
        if kind == "building":
            props.update(floors=6, households=24)
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[cx, cy], [cx + d, cy], [cx + d, cy + d], [cx, cy + d], [cx, cy]]
                    ],
                },
            }
        )
    for j in range(marks):
        px = x0 + 0.0003 + (j * 0.61803398875 % 1.0) * 0.0089
        py = y0 + 0.0003 + (j * 0.7548776662 % 1.0) * 0.0089
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "facility", "facility_type": "other", "name": f"标记 {j}"},
                "geometry": {"type": "Point", "coordinates": [round(px, 7), round(py, 7)]},
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")


def component_args(
    data: services.MapData, version: str, lang: str = "zh"
) -> tuple[dict[str, Any], float]:
    """Build the map as the map page does and capture what st_folium would send."""

    def render() -> None:
        mark_maps.render_marks_map(data, [], lang, key="bench", version=version)

    start = time.perf_counter()
    args = captured_args(render)
    return args, time.perf_counter() - start


def static_bytes(args: dict[str, Any]) -> int:
    """Bytes of the static layer files the map's script fetches (gzip, as sent)."""
    total = 0
    for url in set(re.findall(r'"(/app/static/data/[^"]+)"', args["script"])):
        total += (map_files.data_dir() / url.rsplit("/", 1)[-1]).stat().st_size
    return total


def apptest_seconds(slug: str) -> float:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["community"] = slug
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return seconds


def main() -> None:
    engine = make_engine()
    migrate(engine)
    services.ensure_demo(engine)
    source = Path(_TMP) / "synthetic.geojson"
    synthetic_geojson(source)
    t0 = time.perf_counter()
    with transaction(engine) as session:
        services.import_file(
            session, source, SYNTHETIC_SLUG, create_name="合成小区", who=local_admin("test")
        )
    import_s = time.perf_counter() - t0

    print(f"(synthetic import of 7,000 features: {import_s:.1f} s; database {_TMP})")
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    cached = float(config.get_option("global.minCachedMessageSize"))
    header = (
        f"{'community':<18}{'features':>9}{'first load':>12}{'gz floor':>10}{'ratio':>7}"
        f"{'rerun B':>9}{'build':>8}{'rebuild':>9}{'rerun':>8}"
    )
    print(header)
    print("-" * len(header))
    for slug in (services.DEMO_SLUG, SYNTHETIC_SLUG):
        with transaction(engine) as session:
            data = services.map_data(session, slug)
            version = services.map_version(session, slug).version
        args, build_s = component_args(data, version)
        again, rebuild_s = component_args(data, version)
        first = payload_bytes(args) + static_bytes(args)
        # Streamlit sends a message this browser already has as a reference to its hash
        rerun = 0 if again == args and payload_bytes(args) >= cached else payload_bytes(again)
        floor = len(
            gzip.compress(
                json.dumps(
                    list(data.layers.values()), ensure_ascii=False, separators=(",", ":")
                ).encode("utf-8")
            )
        )
        rerun_s = apptest_seconds(slug)
        n = sum(data.counts.values())
        print(
            f"{slug:<18}{n:>9,}{first / 1e3:>10.1f}KB{floor / 1e3:>8.1f}KB{first / floor:>7.2f}"
            f"{rerun:>9,}{build_s:>7.2f}s{rebuild_s:>8.3f}s{rerun_s:>7.2f}s"
        )


if __name__ == "__main__":
    main()
