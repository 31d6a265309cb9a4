from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import ezdxf
import pytest

from cocreate_map.domain.elements import Kind
from cocreate_map.errors import CrsError, InvalidInput
from cocreate_map.io.crs import to_metric, utm_epsg
from cocreate_map.io.dxf import dxf_encoding, layer_kind
from cocreate_map.io.geo_files import ReadOptions, read_geo_file

from .samples import need_realdata


def survey() -> Path:
    return need_realdata() / "kr_survey_dxf" / "survey_EPSG5186.dxf"


def test_dxf_without_crs_says_what_to_pass() -> None:
    with pytest.raises(CrsError) as info:
        read_geo_file(survey())
    assert info.value.message == (
        "DXF files carry no CRS; pass --crs, e.g. --crs EPSG:4547 (CGCS2000 3-degree zone) "
        "or the drawing's EPSG code"
    )


def test_off_site_details_must_be_dropped_explicitly() -> None:
    with pytest.raises(
        InvalidInput, match=r"267 features lie 17\d km or more away.*--drop-outliers"
    ):
        read_geo_file(survey(), ReadOptions(crs="EPSG:5186"))


def test_survey_dxf_reads_in_korea_with_readable_layers() -> None:
    start = time.perf_counter()
    result = read_geo_file(survey(), ReadOptions(crs="EPSG:5186", drop_outliers=True))
    assert time.perf_counter() - start < 20
    assert result.source_crs == "EPSG:5186 (given)"
    layers = {f.layer for f in result.features}
    assert {"건물", "도로_아스콘", "가로등"} <= layers  # UTF-8, not CP949 mojibake
    counts = Counter(f.kind for f in result.features)
    assert counts[Kind.BUILDING] >= 40 and counts[Kind.ROAD] > 500 and counts[Kind.FOOTPATH] > 100
    assert any("DXF AC1021 is always UTF-8" in n for n in result.notes)
    assert any("left out (--drop-outliers)" in n for n in result.notes)
    assert any("closed lines turned into polygons" in n for n in result.notes)
    for f in result.features:
        c = f.geometry.centroid
        assert 126 < c.x < 130 and 33 < c.y < 39
        assert not f.geometry.has_z and f.geometry.is_valid
    buildings = [f.geometry for f in result.features if f.kind is Kind.BUILDING]
    assert all(g.geom_type in ("Polygon", "MultiPolygon") for g in buildings)
    epsg = utm_epsg(buildings[0].centroid.x, buildings[0].centroid.y)
    areas = sorted(to_metric(g, epsg).area for g in buildings)
    assert 10 < areas[len(areas) // 2] < 5000


def test_layer_map_overrides_builtin_table() -> None:
    options = ReadOptions(crs="EPSG:5186", drop_outliers=True, layer_map={"화단": Kind.OTHER})
    result = read_geo_file(survey(), options)
    assert all(f.kind is Kind.OTHER for f in result.features if f.layer == "화단")


@pytest.mark.parametrize(
    ("layer", "kind"),
    [
        ("JMD", Kind.BUILDING),
        ("房屋", Kind.BUILDING),
        ("DLSS", Kind.ROAD),
        ("道路边线", Kind.ROAD),
        ("ZBTZ", Kind.GREEN_BELT),
        ("绿地", Kind.GREEN_BELT),
        ("停车场", Kind.PARKING_LOT),
        ("Parking", Kind.PARKING_LOT),
        ("消防通道", Kind.FIRE_LANE),
        ("人行道", Kind.FOOTPATH),
        ("GCD", None),
    ],
)
def test_builtin_layer_table(layer: str, kind: Kind | None) -> None:
    found = layer_kind(layer)
    assert (found[0] if found else None) == kind


def _drawing(path: Path, version: str = "R2010") -> Path:
    doc = ezdxf.new(version)
    msp = doc.modelspace()
    doc.layers.add("JMD")
    doc.layers.add("道路")
    doc.layers.add("GCD")
    x0, y0 = 500000.0, 3375000.0  # CGCS2000 3-degree zone CM 114°E, Wuhan
    msp.add_lwpolyline(
        [(x0, y0), (x0 + 20, y0), (x0 + 20, y0 + 30), (x0, y0 + 30)],
        close=True,
        dxfattribs={"layer": "JMD"},
    )
    msp.add_lwpolyline([(x0 - 10, y0 - 5), (x0 + 60, y0 - 5)], dxfattribs={"layer": "道路"})
    msp.add_point((x0 + 5, y0 + 50, 12.3), dxfattribs={"layer": "GCD"})
    msp.add_text("12.3", dxfattribs={"layer": "GCD", "insert": (x0 + 6, y0 + 50)})
    doc.saveas(path)
    return path


def test_hand_made_cass_like_drawing(tmp_path: Path) -> None:
    path = _drawing(tmp_path / "小区.dxf")
    result = read_geo_file(path, ReadOptions(crs="EPSG:4547"))
    by_layer = {f.layer: f for f in result.features}
    assert by_layer["JMD"].kind is Kind.BUILDING
    assert to_metric(by_layer["JMD"].geometry, 32650).area == pytest.approx(600, rel=0.01)
    assert by_layer["道路"].kind is Kind.ROAD
    assert by_layer["GCD"].kind is Kind.OTHER and by_layer["GCD"].geometry.geom_type == "Point"
    assert "1 DXF text labels skipped" in result.notes


def test_encoding_from_header(tmp_path: Path) -> None:
    new = _drawing(tmp_path / "new.dxf", "R2010")
    assert dxf_encoding(new, None)[0] == "UTF-8"
    old = _drawing(tmp_path / "old.dxf", "R2000")
    assert dxf_encoding(old, None)[0] is None
    assert dxf_encoding(old, "GBK") == ("GBK", "encoding: GBK (given with --encoding)")


def test_garbage_dxf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.dxf"
    path.write_text("0\nSECTION\n2\nENTITIES\n0\nLINE\n8\n", encoding="utf-8")
    with pytest.raises(InvalidInput):
        read_geo_file(path, ReadOptions(crs="EPSG:4547"))


def test_ezdxf_fallback_reader(tmp_path: Path) -> None:
    from cocreate_map.io.dxf import read_dxf_ezdxf

    doc = ezdxf.new("R2010")
    msp = doc.modelspace()
    msp.add_lwpolyline(
        [(500000, 3375000), (500020, 3375000), (500020, 3375030)],
        close=True,
        dxfattribs={"layer": "JMD"},
    )
    block = doc.blocks.new("LAMP")
    block.add_circle((0, 0), 0.5)
    msp.add_blockref("LAMP", (500010, 3375050), dxfattribs={"layer": "路灯"})
    msp.add_ellipse((500000, 3375000), (3, 0))
    path = tmp_path / "b.dxf"
    doc.saveas(path, fmt="bin")
    frame, notes = read_dxf_ezdxf(path)
    assert list(frame["Layer"]) == ["JMD", "路灯"]
    assert list(frame.geometry.geom_type) == ["Polygon", "Polygon"]
    assert "entities not read: 1 ELLIPSE" in notes
