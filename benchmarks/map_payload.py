"""What the community map costs per rerun: bytes st_folium sends, server time, vs plain GeoJSON.

    python benchmarks/map_payload.py

For the demo community (棉花小区) and a synthetic community of 2,000 plan elements plus 5,000
point features. The 5,000 points stand in for residents' marks (annotations are not stored yet):
they are ``facility`` points (facility_type ``other``), drawn exactly as marks would be — one
GeoJSON layer of CircleMarkers with a tooltip each.

Columns: ``payload`` = JSON size of the arguments ``st_folium`` hands to the browser on every
rerun (script + header + html + links), captured from the component call; ``build`` = server
time of ``build_map`` + ``st_folium`` argument generation; ``rerun`` = one full AppTest run of the
map page (database read included); ``geojson`` = the same features as compact plain GeoJSON (the
floor); ``ratio`` = payload / geojson. Prints a table; asserts nothing.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TMP = tempfile.mkdtemp(prefix="cocreate-bench-")
os.environ["COCREATE_DATABASE_URL"] = f"sqlite:///{_TMP}/bench.sqlite3"

import streamlit_folium  # noqa: E402
from folium_capture import captured_args, payload_bytes  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from cocreate_map import services  # noqa: E402
from cocreate_map.storage.db import make_engine, migrate, transaction  # noqa: E402
from cocreate_map.ui import maps  # noqa: E402

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


def component_args(data: services.MapData, lang: str = "zh") -> tuple[dict[str, Any], float]:
    """Build the map and capture what st_folium would send; return (args, seconds)."""

    def render() -> None:
        m = maps.build_map(data, lang)
        streamlit_folium.st_folium(
            m, key="bench", height=maps.MAP_HEIGHT, use_container_width=True, returned_objects=[]
        )

    start = time.perf_counter()
    args = captured_args(render)
    return args, time.perf_counter() - start


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
        services.import_file(session, source, SYNTHETIC_SLUG, create_name="合成小区")
    import_s = time.perf_counter() - t0

    print(f"(synthetic import of 7,000 features: {import_s:.1f} s; database {_TMP})\n")
    header = f"{'community':<22}{'features':>9}{'payload':>11}{'build':>9}{'rerun':>9}{'geojson':>11}{'ratio':>7}"
    print(header)
    print("-" * len(header))
    for slug in (services.DEMO_SLUG, SYNTHETIC_SLUG):
        with transaction(engine) as session:
            data = services.map_data(session, slug)
        args, build_s = component_args(data)
        payload = payload_bytes(args)
        floor = len(
            json.dumps(
                list(data.layers.values()), ensure_ascii=False, separators=(",", ":")
            ).encode("utf-8")
        )
        rerun_s = apptest_seconds(slug)
        n = sum(data.counts.values())
        print(
            f"{slug:<22}{n:>9,}{payload / 1e6:>9.2f}MB{build_s:>8.2f}s{rerun_s:>8.2f}s"
            f"{floor / 1e6:>9.2f}MB{payload / floor:>7.2f}"
        )


if __name__ == "__main__":
    main()
