"""Issue 10.16: files that gave a traceback, refused whole, or imported into the Pacific.

Built from the real samples where they fit (Wuhan and Shanghai OSM buildings, the Korean survey
DXF), each changed the one way a real file goes wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ezdxf
import pytest
from pyproj import Transformer

from cocreate_map.errors import CocreateError, CrsError
from cocreate_map.io import crs as crs_io
from cocreate_map.io.geo_files import ReadOptions, read_geo_file

from .samples import need_realdata


def _real_features(name: str, n: int) -> list[dict[str, Any]]:
    data = json.loads((need_realdata() / name).read_text(encoding="utf-8"))
    polys = [f for f in data["features"] if f["geometry"]["type"] == "Polygon"]
    return polys[:n]


def _mercator(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    to3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    out = []
    for f in features:
        rings = [
            [list(to3857.transform(x, y)) for x, y in ring] for ring in f["geometry"]["coordinates"]
        ]
        out.append({**f, "geometry": {"type": "Polygon", "coordinates": rings}})
    return out


def _write(path: Path, features: list[dict[str, Any]], crs: str | None = None) -> Path:
    payload: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs:
        payload["crs"] = {
            "type": "name",
            "properties": {"name": f"urn:ogc:def:crs:{crs.replace(':', '::')}"},
        }
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    return path


def _unclosed(features: list[dict[str, Any]], k: int) -> list[dict[str, Any]]:
    """The first ``k`` outer rings lose their closing point (what hand-written GeoJSON does)."""
    out = []
    for i, f in enumerate(features):
        rings = [list(r) for r in f["geometry"]["coordinates"]]
        if i < k:
            rings[0] = rings[0][:-1]
        out.append({**f, "geometry": {"type": "Polygon", "coordinates": rings}})
    return out


# ------------------------------------------------------------ declared CRS outside its area of use

AREA_CASES = [
    # (file CRS declared, how coordinates were made, --crs given, expected: error fragment or None)
    ("EPSG:32649", "mercator", None, "they fit EPSG:3857 (WGS 84 / Pseudo-Mercator)"),
    ("EPSG:4547", "mercator", None, "they fit EPSG:3857"),
    ("EPSG:32649", "mercator", "EPSG:32650", "they fit EPSG:3857"),  # a wrong pick is refused too
    ("EPSG:32649", "mercator", "EPSG:3857", None),  # the CRS that fits imports in Wuhan
    ("EPSG:3857", "mercator", None, None),
    ("EPSG:32650", "utm50", None, None),  # the true UTM zone of Wuhan
]


@pytest.mark.parametrize(("declared", "made", "given", "expected"), AREA_CASES)
def test_coordinates_outside_the_declared_crs_area_are_refused_naming_what_fits(
    tmp_path: Path, declared: str, made: str, given: str | None, expected: str | None
) -> None:
    real = _real_features("wuhan_osm/buildings.geojson", 40)
    if made == "mercator":
        features = _mercator(real)
    else:
        to = Transformer.from_crs("EPSG:4326", "EPSG:32650", always_xy=True)
        features = [
            {
                **f,
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [list(to.transform(x, y)) for x, y in r]
                        for r in f["geometry"]["coordinates"]
                    ],
                },
            }
            for f in real
        ]
    path = _write(tmp_path / "survey.geojson", features, declared)
    if expected is None:
        result = read_geo_file(path, ReadOptions(crs=given))
        for f in result.features:
            c = f.geometry.centroid
            assert 114.0 < c.x < 114.8 and 30.3 < c.y < 30.8  # Wuhan, not the Pacific
        return
    with pytest.raises(CrsError) as info:
        read_geo_file(path, ReadOptions(crs=given))
    assert expected in info.value.message
    assert "lie outside that CRS's area" in info.value.message
    # The page names no command-line flag; both languages say what to choose.
    for lang in ("zh", "en"):
        page = info.value.render(lang, page=True)
        assert "--" not in page and "EPSG:3857" in page
    assert "坐标系" in info.value.render("zh", page=True)


CANDIDATE_CASES = [
    # (x, y, near, first candidate expected, a code that must not be offered)
    (12_725_000.0, 3_573_000.0, (), "EPSG:3857", "EPSG:32649"),
    (38_500_123.0, 3_380_000.0, (), "EPSG:4526", "EPSG:3857"),  # zone 38 prefix: CM 114°E
    (500_123.0, 3_380_000.0, ((114.3, 30.5),), "EPSG:4547", "EPSG:3857"),  # near Wuhan
    (500_123.0, 3_450_000.0, ((121.5, 31.2),), "EPSG:4549", "EPSG:4326"),  # near Shanghai
    (114.3, 30.5, (), "EPSG:4326", "EPSG:3857"),
]


@pytest.mark.parametrize(("x", "y", "near", "first", "never"), CANDIDATE_CASES)
def test_candidate_crs_guessed_from_coordinates(
    x: float, y: float, near: tuple[tuple[float, float], ...], first: str, never: str
) -> None:
    found = [c.code for c in crs_io.candidates((x, y), near)]
    assert found[0] == first
    assert never not in found


# ------------------------------------------------------------ unclosed rings, degenerate CAD


@pytest.mark.parametrize(("unclosed", "note"), [(1, "1 polygon rings"), (7, "7 polygon rings")])
def test_unclosed_ring_is_closed_with_a_counted_note_not_a_traceback(
    tmp_path: Path, unclosed: int, note: str
) -> None:
    real = _real_features("shanghai_osm/buildings.geojson", 20)
    path = _write(tmp_path / "hand.geojson", _unclosed(real, unclosed))
    result = read_geo_file(path)
    assert len(result.features) == 20
    assert all(
        f.geometry.is_valid and f.geometry.geom_type.endswith("Polygon") for f in result.features
    )
    assert any(n.startswith(note) and "not closed" in n for n in result.notes)
    assert not any("Non closed ring" in n for n in result.notes)  # GDAL's own words stay out


def test_ring_too_short_to_close_is_a_clear_message(tmp_path: Path) -> None:
    bad = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [[[114.3, 30.5], [114.301, 30.5]]]},
    }
    path = _write(tmp_path / "two_points.geojson", [bad])
    with pytest.raises(CocreateError) as info:
        read_geo_file(path)
    assert "two_points.geojson" in info.value.message
    assert "Traceback" not in info.value.render("zh")


def _survey_with(tmp_path: Path, degenerate: int) -> Path:
    doc = ezdxf.readfile(need_realdata() / "kr_survey_dxf" / "survey_EPSG5186.dxf")
    msp = doc.modelspace()
    on_site = next(e for e in msp if e.dxftype() == "LWPOLYLINE" and e.dxf.layer == "건물")
    x, y = next(iter(on_site.get_points("xy")))
    for i in range(degenerate):
        if i % 2 == 0:
            msp.add_line((x, y, 0), (x, y, 0), dxfattribs={"layer": "건물"})  # zero length
        else:  # a closed polyline whose points all coincide: zero area
            msp.add_lwpolyline(
                [(x, y), (x, y), (x, y), (x, y)], close=True, dxfattribs={"layer": "건물"}
            )
    out = tmp_path / "survey_with_slips.dxf"
    doc.saveas(out)
    return out


@pytest.mark.parametrize("degenerate", [3])
def test_degenerate_cad_entities_are_dropped_with_a_count(tmp_path: Path, degenerate: int) -> None:
    path = _survey_with(tmp_path, degenerate)
    result = read_geo_file(path, ReadOptions(crs="EPSG:5186", drop_outliers=True))
    assert len(result.features) > 4000
    notes = [n for n in result.notes if "degenerate CAD entities left out" in n]
    assert notes and int(notes[0].split()[0]) >= degenerate


@pytest.mark.parametrize(
    ("bounds", "says", "never"),
    [
        ((537_105.0, 3_376_185.0, 537_900.0, 3_377_000.0), "nearest the site", "CM 78E"),
        ((12_725_000.0, 3_573_000.0, 12_726_000.0, 3_574_000.0), "EPSG:3857", "UTM"),
    ],
)
def test_missing_crs_names_what_fits_without_listing_random_zones(bounds, says, never) -> None:
    error = crs_io.missing_crs_error(bounds, "survey.gpkg")
    assert says in error.message and never not in error.message
    assert "--" not in error.render("zh", page=True)
