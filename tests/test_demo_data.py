"""Checks on the committed demo community data/demo/cotton_compound.geojson.

Everything is measured in UTM zone 50N (EPSG:32650), the community's metric CRS.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "cotton_compound.geojson"
SCRIPT = ROOT / "data" / "make_demo.py"

EXPECTED_COUNTS = {
    "boundary": 1,
    "building": 12,
    "road": 6,
    "fire_lane": 1,
    "footpath": 3,
    "parking_stall": 48,
    "parking_lot": 1,
    "green_belt": 10,
    "illegal_structure": 4,
    "facility": 22,
}

_TO_UTM = Transformer.from_crs(4326, 32650, always_xy=True)


def _to_utm(geom: BaseGeometry) -> BaseGeometry:
    def fn(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(_TO_UTM.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geom, fn)


def _elements() -> ModuleType:
    return importlib.import_module("cocreate_map.domain.elements")


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_demo", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def collection() -> dict[str, Any]:
    return json.loads(DEMO.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def features(collection: dict[str, Any]) -> list[dict[str, Any]]:
    """Each feature's properties plus its geometry in WGS-84 ("geom") and in UTM ("utm")."""
    out = []
    for feat in collection["features"]:
        geom = shape(feat["geometry"])
        out.append({**feat["properties"], "geom": geom, "utm": _to_utm(geom)})
    return out


def _of(features: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f for f in features if f["kind"] == kind]


def _sides(geom: BaseGeometry) -> tuple[float, float]:
    """(short, long) sides of a rectangle-like polygon's minimum rotated rectangle, metres."""
    rect = geom.minimum_rotated_rectangle
    xs, ys = rect.exterior.coords.xy
    a = float(np.hypot(xs[1] - xs[0], ys[1] - ys[0]))
    b = float(np.hypot(xs[2] - xs[1], ys[2] - ys[1]))
    return min(a, b), max(a, b)


def _has_clear_width(geom: BaseGeometry, width: float) -> bool:
    """True when a band is at least ``width`` wide everywhere and not much wider on average.

    Eroding by just under half the width must leave one piece with the same holes (the band is
    not cut anywhere); for a band, 2 * area / perimeter is at most its width.
    """
    eroded = geom.buffer(-(width / 2 - 0.05))
    if eroded.geom_type != "Polygon" or len(eroded.interiors) != len(geom.interiors):
        return False
    return 2 * geom.area / geom.length <= width + 0.1


def test_file_is_a_small_feature_collection(collection: dict[str, Any]) -> None:
    assert collection["type"] == "FeatureCollection"
    assert DEMO.stat().st_size < 300_000


def test_counts_per_kind(features: list[dict[str, Any]]) -> None:
    assert Counter(f["kind"] for f in features) == EXPECTED_COUNTS


def test_ids_are_unique_and_names_present(features: list[dict[str, Any]]) -> None:
    ids = [f["id"] for f in features]
    assert len(ids) == len(set(ids))
    assert all(isinstance(f["name"], str) and f["name"] for f in features)


def test_kinds_geometries_and_attributes_match_the_domain(features: list[dict[str, Any]]) -> None:
    el = _elements()
    for f in features:
        kind = el.Kind(f["kind"])
        assert el.geometry_family(f["geom"]) in el.KIND_GEOMETRIES[kind], f["id"]
        attrs = {k: v for k, v in f.items() if k not in ("id", "kind", "name", "geom", "utm")}
        assert el.normalize_attrs(kind, attrs) == attrs, f["id"]
        for required in el.KIND_ATTRS.get(kind, ()):
            assert required in attrs, (f["id"], required)


def test_every_geometry_is_valid(features: list[dict[str, Any]]) -> None:
    for f in features:
        assert f["geom"].is_valid, f["id"]
        assert f["utm"].is_valid, f["id"]
        assert not f["geom"].is_empty, f["id"]


def test_households_total_about_300(features: list[dict[str, Any]]) -> None:
    buildings = _of(features, "building")
    assert all(b["floors"] == 6 for b in buildings)
    assert all(b["households"] in (24, 36) for b in buildings)
    assert 280 <= sum(b["households"] for b in buildings) <= 320
    assert {b["name"] for b in buildings} == {f"{n}栋" for n in range(1, 13)}


def test_slabs_are_about_60_by_12_m(features: list[dict[str, Any]]) -> None:
    for b in _of(features, "building"):
        short, long = _sides(b["utm"])
        assert short == pytest.approx(12.0, abs=0.1), b["id"]
        assert long == pytest.approx(60.0, abs=0.1), b["id"]
        assert b["utm"].area == pytest.approx(720.0, rel=0.01)


def test_slab_rows_run_east_west_with_1990s_spacing(features: list[dict[str, Any]]) -> None:
    buildings = [b["utm"] for b in _of(features, "building")]
    for g in buildings:
        minx, miny, maxx, maxy = g.bounds
        assert maxx - minx > maxy - miny  # long side east-west
    rows = sorted({round(g.bounds[1]) for g in buildings})
    gaps = [rows[i + 1] - rows[i] - 12 for i in range(len(rows) - 1)]
    assert min(gaps) >= 18


def test_stalls_are_2_5_by_5_3_m(features: list[dict[str, Any]]) -> None:
    for s in _of(features, "parking_stall"):
        short, long = _sides(s["utm"])
        assert short == pytest.approx(2.5, abs=0.05), s["id"]
        assert long == pytest.approx(5.3, abs=0.05), s["id"]
        assert s["stall_count"] == 1
    assert 40 <= len(_of(features, "parking_stall")) <= 60


def test_fire_lane_is_at_least_4_m_wide(features: list[dict[str, Any]]) -> None:
    for lane in _of(features, "fire_lane"):
        assert lane["width_m"] >= 4.0
        assert _has_clear_width(lane["utm"], lane["width_m"]), lane["id"]


def test_roads_are_4_to_6_m(features: list[dict[str, Any]]) -> None:
    for road in _of(features, "road"):
        assert 4.0 <= road["width_m"] <= 6.0
        assert _has_clear_width(road["utm"], road["width_m"]), road["id"]


def test_illegal_structures(features: list[dict[str, Any]]) -> None:
    sheds = _of(features, "illegal_structure")
    assert len(sheds) >= 3
    assert all(s["status"] == "existing" for s in sheds)
    for s in sheds:
        assert _sides(s["utm"]) == (pytest.approx(3.0, abs=0.05), pytest.approx(5.0, abs=0.05))


def test_demo_contains_real_problems(features: list[dict[str, Any]]) -> None:
    lanes = shapely.union_all([f["utm"] for f in _of(features, "fire_lane")])
    lawns = shapely.union_all([f["utm"] for f in _of(features, "green_belt")])
    sheds = [f["utm"] for f in _of(features, "illegal_structure")]
    stalls = [f["utm"] for f in _of(features, "parking_stall")]
    # an illegal shed narrows the fire lane, and cars park in it
    assert any(g.intersection(lanes).area > 1.0 for g in sheds)
    assert any(g.intersection(lanes).area > 1.0 for g in stalls)
    # cars on the lawn and a shed on the lawn
    assert sum(g.intersection(lawns).area > 1.0 for g in stalls) >= 3
    assert any(g.intersection(lawns).area > 1.0 for g in sheds)


def test_buildings_overlap_no_building_or_road(features: list[dict[str, Any]]) -> None:
    buildings = _of(features, "building")
    roads = shapely.union_all([f["utm"] for f in _of(features, "road")])
    for i, b in enumerate(buildings):
        assert b["utm"].intersection(roads).area < 0.01, b["id"]
        for other in buildings[i + 1 :]:
            assert b["utm"].intersection(other["utm"]).area < 0.01, (b["id"], other["id"])


def test_everything_is_inside_the_boundary(features: list[dict[str, Any]]) -> None:
    (boundary,) = _of(features, "boundary")
    wall = boundary["geom"]
    for f in features:
        if f is not boundary:
            assert wall.contains(f["geom"]), f["id"]


def test_site_location_and_size(features: list[dict[str, Any]]) -> None:
    (boundary,) = _of(features, "boundary")
    c = boundary["geom"].centroid
    assert c.x == pytest.approx(114.336, abs=0.001)
    assert c.y == pytest.approx(30.532, abs=0.001)
    minx, miny, maxx, maxy = boundary["utm"].bounds
    assert maxx - minx == pytest.approx(260, abs=1)
    assert maxy - miny == pytest.approx(200, abs=1)


def test_facilities_present(features: list[dict[str, Any]]) -> None:
    types = Counter(f["facility_type"] for f in _of(features, "facility"))
    for needed in ("gate", "drying_rack", "waste_point", "activity_room", "ebike_shed", "lighting"):
        assert types[needed] >= 1, needed
    (room,) = [f for f in _of(features, "facility") if f["facility_type"] == "activity_room"]
    assert room["geom"].geom_type == "Polygon"


def test_generator_reproduces_the_committed_file(tmp_path: Path) -> None:
    out = tmp_path / "demo.geojson"
    assert _load_script().main([str(out)]) == 0
    assert out.read_bytes() == DEMO.read_bytes()
