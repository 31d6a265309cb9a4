"""Small hand-made sample files, written into a test's tmp_path."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"


def need_realdata() -> Path:
    if not REALDATA.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{REALDATA} is missing (CI=true: real-data tests must run)")
        pytest.skip(f"{REALDATA} is missing")
    return REALDATA


def feature(geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def square(x: float, y: float, d: float = 0.0005) -> dict[str, Any]:
    ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def point(x: float, y: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [x, y]}


def line(*coords: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(c) for c in coords]}


def write_geojson(path: Path, features: list[dict[str, Any]], **extra: Any) -> Path:
    payload = {"type": "FeatureCollection", **extra, "features": features}
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


def community(path: Path) -> Path:
    """A tiny Shanghai community: two buildings, a road, a footpath, a green, a bowtie."""
    return write_geojson(
        path,
        [
            feature(square(121.50, 31.23), id=1, kind="building", name="1号楼", floors=6),
            feature(square(121.501, 31.23), id=2, building="yes", name="2号楼", height=18),
            feature(line((121.50, 31.229), (121.502, 31.229)), id=3, highway="service"),
            feature(line((121.50, 31.2295), (121.501, 31.2295)), id=4, highway="footway"),
            feature(square(121.502, 31.23), id=5, landuse="grass"),
            feature(
                {
                    "type": "Polygon",
                    "coordinates": [
                        [
                            [121.503, 31.23],
                            [121.504, 31.231],
                            [121.504, 31.23],
                            [121.503, 31.231],
                            [121.503, 31.23],
                        ]
                    ],
                },
                id=6,
                amenity="parking",
            ),
            feature(point(121.5005, 31.2305), id=7, name="井盖"),
        ],
    )
