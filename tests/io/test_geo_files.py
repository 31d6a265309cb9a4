from __future__ import annotations

import json
import shutil
import statistics
import zipfile
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from cocreate_map.domain.elements import Kind
from cocreate_map.errors import (
    CrsError,
    ImportFormatError,
    InvalidGeometry,
    InvalidInput,
    TooLarge,
)
from cocreate_map.io import china_coords
from cocreate_map.io.crs import to_metric, utm_epsg
from cocreate_map.io.geo_files import (
    ExportRow,
    ImportedFeature,
    ReadOptions,
    parse_layer_map,
    read_geo_file,
    write_export,
)

from .samples import community, feature, line, need_realdata, point, square, write_geojson


def kinds(features: list[ImportedFeature]) -> Counter[str]:
    return Counter(f.kind.value for f in features)


def median_area_m2(features: list[ImportedFeature], kind: Kind) -> float:
    geoms = [f.geometry for f in features if f.kind is kind]
    c = geoms[0].centroid
    epsg = utm_epsg(c.x, c.y)
    return statistics.median(to_metric(g, epsg).area for g in geoms)


# ------------------------------------------------------------------------------ real data


def test_shanghai_buildings() -> None:
    result = read_geo_file(need_realdata() / "shanghai_osm" / "buildings.geojson")
    counts = kinds(result.features)
    assert counts["building"] > 1300
    assert result.source_crs == "EPSG:4326"
    assert any("label points skipped" in n for n in result.notes)
    assert any("building parts imported as other" in n for n in result.notes)
    assert any("floors estimated" in n for n in result.notes)
    assert 50 < median_area_m2(result.features, Kind.BUILDING) < 5000
    named = {f.name for f in result.features}
    assert "上海国际会议中心" in named
    ids = [f.source_id for f in result.features]
    assert len(ids) == len(set(ids)), "duplicate ids must be merged or reported"
    icc = next(f for f in result.features if f.name == "上海国际会议中心")
    assert icc.kind is Kind.BUILDING and icc.attrs["height_m"] == 20 and icc.attrs["floors"] == 7
    for f in result.features:
        assert f.geometry.is_valid and not f.geometry.has_z
        assert 121.4 < f.geometry.centroid.x < 121.6 and 31.1 < f.geometry.centroid.y < 31.3


def test_shanghai_landuse() -> None:
    result = read_geo_file(need_realdata() / "shanghai_osm" / "landuse.geojson")
    counts = kinds(result.features)
    assert counts["green_belt"] >= 35 + 17  # grass + parks at least
    assert counts["parking_lot"] == 13
    assert counts["boundary"] == 0
    residential = [f for f in result.features if f.attrs.get("landuse") == "residential"]
    assert len(residential) == 18 and all(f.kind is Kind.OTHER for f in residential)
    assert any("label points skipped" in n for n in result.notes)
    assert 100 < median_area_m2(result.features, Kind.GREEN_BELT) < 100_000


def test_shanghai_roads() -> None:
    result = read_geo_file(need_realdata() / "shanghai_osm" / "roads.geojson")
    counts = kinds(result.features)
    assert counts["road"] > 600 and counts["footpath"] > 300
    assert counts["road"] + counts["footpath"] + counts["other"] == len(result.features)
    roads = [f for f in result.features if f.kind is Kind.ROAD]
    length_km = sum(to_metric(f.geometry, 32651).length for f in roads) / 1000
    assert 50 < length_km < 500


def test_shanghai_pois() -> None:
    result = read_geo_file(need_realdata() / "shanghai_osm" / "pois.geojson")
    counts = kinds(result.features)
    assert len(result.features) == 493
    assert counts["facility"] > 20
    assert any("parking_lot features drawn as Point imported as other" in n for n in result.notes)
    toilets = [f for f in result.features if f.attrs.get("osm_kind") == "toilets"]
    assert toilets and all(f.kind is Kind.FACILITY for f in toilets)


def test_wuhan_buildings_and_roads() -> None:
    buildings = read_geo_file(need_realdata() / "wuhan_osm" / "buildings.geojson")
    assert kinds(buildings.features)["building"] > 200
    assert 50 < median_area_m2(buildings.features, Kind.BUILDING) < 5000
    roads = read_geo_file(need_realdata() / "wuhan_osm" / "roads.geojson")
    counts = kinds(roads.features)
    assert counts["road"] > 100 and counts["footpath"] > 50
    assert any(f.name == "鲁磨路" for f in roads.features)


def test_hubei_without_crs_says_what_to_pass() -> None:
    with pytest.raises(CrsError) as info:
        read_geo_file(need_realdata() / "hubei_districts_gcj02" / "湖北省.shp")
    assert "--crs EPSG:4326" in info.value.message and "--coords gcj02" in info.value.message


def test_hubei_with_gcj02_reads_names_and_converts() -> None:
    path = need_realdata() / "hubei_districts_gcj02" / "湖北省.shp"
    result = read_geo_file(path, ReadOptions(crs="EPSG:4326", coords="gcj02"))
    assert len(result.features) == 103
    names = {f.name for f in result.features}
    assert "洪湖市" in names and "武汉市" not in {None}
    assert "encoding: UTF-8 detected (no .cpg)" in result.notes
    assert result.source_crs == "EPSG:4326 (given)"
    raw = pyogrio.read_dataframe(path, encoding="UTF-8")
    honghu_raw = raw[raw["name"] == "洪湖市"].geometry.iloc[0]
    honghu = next(f for f in result.features if f.name == "洪湖市")
    gx, gy = (
        honghu_raw.exterior.coords[0]
        if honghu_raw.geom_type == "Polygon"
        else (list(honghu_raw.geoms)[0].exterior.coords[0])
    )
    wx, wy = china_coords.gcj02_to_wgs84(gx, gy)
    got = (
        honghu.geometry.exterior.coords[0]
        if honghu.geometry.geom_type == "Polygon"
        else list(honghu.geometry.geoms)[0].exterior.coords[0]
    )
    assert got == pytest.approx((float(wx), float(wy)), abs=1e-7)
    assert abs(got[0] - gx) > 1e-4  # it really moved (GCJ-02 offsets are ~500 m)
    area_km2 = to_metric(honghu.geometry, utm_epsg(113.4, 29.8)).area / 1e6
    assert 2000 < area_km2 < 3000  # Honghu is ~2,519 km²


# ------------------------------------------------------------------------------ sample files


def test_community_sample_kinds_names_attrs_and_bowtie_repair(tmp_path: Path) -> None:
    result = read_geo_file(community(tmp_path / "c.geojson"))
    by_id = {f.source_id: f for f in result.features}
    assert by_id["1"].kind is Kind.BUILDING and by_id["1"].attrs["floors"] == 6
    assert by_id["1"].name == "1号楼"
    assert by_id["2"].kind is Kind.BUILDING and by_id["2"].attrs["height_m"] == 18
    assert by_id["2"].attrs["floors"] == 6
    assert by_id["3"].kind is Kind.ROAD
    assert by_id["4"].kind is Kind.FOOTPATH
    assert by_id["5"].kind is Kind.GREEN_BELT
    assert by_id["6"].kind is Kind.PARKING_LOT and by_id["6"].geometry.is_valid
    assert by_id["7"].kind is Kind.OTHER
    assert len(result.repairs) == 1 and "id 6" in result.repairs[0].feature


def test_options_kind_and_kind_field(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "k.geojson",
        [
            feature(square(121.5, 31.2), id=1, 类型="green_belt"),
            feature(square(121.501, 31.2), id=2, 类型="building"),
        ],
    )
    every = read_geo_file(path, ReadOptions(kind=Kind.ILLEGAL_STRUCTURE))
    assert kinds(every.features) == {"illegal_structure": 2}
    assert every.features[0].attrs["status"] == "existing"
    by_field = read_geo_file(path, ReadOptions(kind_field="类型"))
    assert [f.kind for f in by_field.features] == [Kind.GREEN_BELT, Kind.BUILDING]
    with pytest.raises(InvalidInput, match="--kind-field 'type' is not a property"):
        read_geo_file(path, ReadOptions(kind_field="type"))


def test_bad_kind_in_kind_field_names_the_feature(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "k.geojson", [feature(square(121.5, 31.2), id=9, t="house")])
    with pytest.raises(InvalidInput, match="feature id 9: unknown element kind 'house'"):
        read_geo_file(path, ReadOptions(kind_field="t"))


def test_explicit_kind_with_wrong_geometry_is_refused_naming_the_feature(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "g.geojson",
        [feature(line((121.5, 31.2), (121.501, 31.2)), id=4, kind="green_belt")],
    )
    with pytest.raises(InvalidGeometry, match="feature id 4: a green_belt must be a polygon"):
        read_geo_file(path)


def test_closed_line_becomes_polygon(tmp_path: Path) -> None:
    ring = line((121.5, 31.2), (121.501, 31.2), (121.501, 31.201), (121.5, 31.2))
    path = write_geojson(tmp_path / "r.geojson", [feature(ring, id=1, kind="building")])
    result = read_geo_file(path)
    assert result.features[0].geometry.geom_type == "Polygon"
    assert "1 closed lines turned into polygons" in result.notes


def test_mixed_geometry_types_each_on_its_own(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "m.geojson",
        [
            feature(point(121.5, 31.2), id=1, kind="facility", facility_type="fitness"),
            feature(line((121.5, 31.2), (121.501, 31.2)), id=2, kind="fire_lane", width_m=4),
            feature(square(121.5, 31.2), id=3, kind="parking_lot", stall_count="12"),
        ],
    )
    result = read_geo_file(path)
    assert [f.geometry.geom_type for f in result.features] == ["Point", "LineString", "Polygon"]
    assert result.features[0].attrs == {"facility_type": "fitness"}
    assert result.features[1].attrs == {"width_m": 4.0}
    assert result.features[2].attrs == {"stall_count": 12}


def test_geometry_collection_is_split_by_family(tmp_path: Path) -> None:
    collection = {
        "type": "GeometryCollection",
        "geometries": [square(121.5, 31.2), point(121.6, 31.2)],
    }
    path = write_geojson(tmp_path / "gc.geojson", [feature(collection, id=1)])
    result = read_geo_file(path)
    assert sorted(f.geometry.geom_type for f in result.features) == ["Point", "Polygon"]
    assert any("split into one feature per geometry type" in n for n in result.notes)


def test_duplicate_ids_are_merged_with_a_note(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "d.geojson",
        [
            feature(square(121.5, 31.2), id=7, kind="green_belt"),
            feature(square(121.5005, 31.2), id=7, kind="green_belt"),
            feature(square(121.51, 31.2), id=8, kind="green_belt"),
            feature(square(121.51, 31.2), id=8, kind="green_belt"),
        ],
    )
    result = read_geo_file(path)
    assert len(result.features) == 2
    merged = result.features[0]
    assert to_metric(merged.geometry, 32651).area == pytest.approx(
        2 * to_metric(Polygon(square(121.5, 31.2)["coordinates"][0]), 32651).area, rel=1e-6
    )
    assert "1 duplicate ids merged (pieces of one feature joined)" in result.notes
    assert "1 duplicate ids dropped (same geometry repeated)" in result.notes


def test_layer_map_json_and_csv(tmp_path: Path) -> None:
    j = tmp_path / "map.json"
    j.write_text(json.dumps({"JMD": "building", "绿地": "green_belt"}), encoding="utf-8")
    assert parse_layer_map(j) == {"JMD": Kind.BUILDING, "绿地": Kind.GREEN_BELT}
    c = tmp_path / "map.csv"
    c.write_text("layer,kind\nDLSS,road\n消防通道,fire_lane\n", encoding="utf-8")
    assert parse_layer_map(c) == {"DLSS": Kind.ROAD, "消防通道": Kind.FIRE_LANE}
    bad = tmp_path / "bad.csv"
    bad.write_text("DLSS,street\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="layer 'DLSS': unknown element kind 'street'"):
        parse_layer_map(bad)


def test_geopackage_all_layers_with_layer_map(tmp_path: Path) -> None:
    path = tmp_path / "plan.gpkg"
    gpd.GeoDataFrame(
        {"name": ["A栋"]}, geometry=[box(121.5, 31.2, 121.501, 31.201)], crs=4326
    ).to_file(path, layer="楼栋", engine="pyogrio")
    gpd.GeoDataFrame(
        {"name": ["草坪"]}, geometry=[box(121.502, 31.2, 121.503, 31.201)], crs=4326
    ).to_file(path, layer="green", engine="pyogrio")
    result = read_geo_file(
        path, ReadOptions(layer_map={"楼栋": Kind.BUILDING, "green": Kind.GREEN_BELT})
    )
    assert {(f.layer, f.kind) for f in result.features} == {
        ("楼栋", Kind.BUILDING),
        ("green", Kind.GREEN_BELT),
    }


def test_projected_gpkg_is_reprojected(tmp_path: Path) -> None:
    path = tmp_path / "cgcs.gpkg"
    # CGCS2000 3-degree zone CM 114°E (EPSG:4547): a 20 m × 30 m building in Wuhan.
    building = box(500000, 3375000, 500020, 3375030)
    gpd.GeoDataFrame({"kind": ["building"]}, geometry=[building], crs=4547).to_file(
        path, engine="pyogrio"
    )
    result = read_geo_file(path)
    assert result.source_crs == "EPSG:4547"
    geom = result.features[0].geometry
    assert geom.centroid.x == pytest.approx(114.0, abs=0.01)
    assert to_metric(geom, utm_epsg(114.0, 30.5)).area == pytest.approx(600, rel=0.01)


def test_kml_folders_are_layers(tmp_path: Path) -> None:
    kml = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Folder><name>建筑</name><Placemark><name>3号楼</name><Polygon><outerBoundaryIs><LinearRing>
<coordinates>121.5,31.2 121.501,31.2 121.501,31.201 121.5,31.201 121.5,31.2</coordinates>
</LinearRing></outerBoundaryIs></Polygon></Placemark></Folder>
<Folder><name>路灯</name><Placemark><name>灯1</name><Point><coordinates>121.5,31.2</coordinates></Point></Placemark></Folder>
</Document></kml>"""
    path = tmp_path / "plan.kml"
    path.write_text(kml, encoding="utf-8")
    result = read_geo_file(path, ReadOptions(layer_map={"建筑": Kind.BUILDING}))
    by_layer = {f.layer: f for f in result.features}
    assert by_layer["建筑"].kind is Kind.BUILDING and by_layer["建筑"].name == "3号楼"
    assert by_layer["路灯"].kind is Kind.OTHER


# ------------------------------------------------------------------------------ shapefiles, zips


def _shapefile(folder: Path, encoding: str, *, prj: bool = True, cpg: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "楼栋.shp"
    frame = gpd.GeoDataFrame(
        {"name": ["幸福小区1号楼", "幸福小区2号楼"], "floors": [6, 7]},
        geometry=[box(114.3, 30.5, 114.3005, 30.5005), box(114.301, 30.5, 114.3015, 30.5005)],
        crs=4326,
    )
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    if not cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)
    if not prj:
        path.with_suffix(".prj").unlink()
    return path


def test_gbk_shapefile_without_cpg_is_detected(tmp_path: Path) -> None:
    path = _shapefile(tmp_path / "gbk", "GBK")
    result = read_geo_file(path, ReadOptions(kind=Kind.BUILDING))
    assert [f.name for f in result.features] == ["幸福小区1号楼", "幸福小区2号楼"]
    assert [f.attrs["floors"] for f in result.features] == [6, 7]
    assert any(n.startswith("encoding: GBK assumed") for n in result.notes)


def test_encoding_option_overrides(tmp_path: Path) -> None:
    path = _shapefile(tmp_path / "gbk", "GBK")
    result = read_geo_file(path, ReadOptions(encoding="GBK"))
    assert result.features[0].name == "幸福小区1号楼"
    assert "encoding: GBK (given with --encoding)" in result.notes


def test_zipped_shapefile(tmp_path: Path) -> None:
    path = _shapefile(tmp_path / "src", "UTF-8", cpg=True)
    archive = tmp_path / "楼栋.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for part in path.parent.iterdir():
            z.write(part, f"data/{part.name}")
    result = read_geo_file(archive, ReadOptions(kind=Kind.BUILDING))
    assert len(result.features) == 2 and result.features[0].layer == "楼栋"
    assert result.features[0].name == "幸福小区1号楼"


def test_zip_with_path_traversal_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("../../evil.shp", b"x")
    with pytest.raises(ImportFormatError, match="unsafe path"):
        read_geo_file(archive)
    assert not (tmp_path.parent / "evil.shp").exists()


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.geojson", b" " * (60 * 1024 * 1024))
    with pytest.raises(TooLarge, match="COCREATE_MAX_UNPACKED_MB"):
        read_geo_file(archive)


def test_zip_without_data_and_broken_zip(tmp_path: Path) -> None:
    archive = tmp_path / "notes.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ImportFormatError, match="holds no file this import reads"):
        read_geo_file(archive)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(ImportFormatError, match="not a valid .zip"):
        read_geo_file(broken)


def test_shapefile_without_dbf_is_refused(tmp_path: Path) -> None:
    path = _shapefile(tmp_path / "x", "UTF-8")
    path.with_suffix(".dbf").unlink()
    with pytest.raises(ImportFormatError, match="upload all of them together in one .zip"):
        read_geo_file(path)


def test_projected_shapefile_without_prj(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    path = folder / "b.shp"
    gpd.GeoDataFrame(geometry=[box(500000, 3375000, 500020, 3375030)], crs=4547).to_file(
        path, engine="pyogrio"
    )
    path.with_suffix(".prj").unlink()
    with pytest.raises(CrsError, match="has no CRS .*pass --crs EPSG:n"):
        read_geo_file(path)
    result = read_geo_file(path, ReadOptions(crs="EPSG:4547", kind=Kind.BUILDING))
    assert result.features[0].geometry.centroid.x == pytest.approx(114.0, abs=0.01)


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "truncated.geojson",
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "prop',
        ),
        ("text.geojson", "这不是地理数据，只是一段文字。\n"),
        ("image.geojson", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),
    ],
)
def test_unreadable_files_give_one_clear_error(
    tmp_path: Path, name: str, content: str | bytes
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFormatError) as info:
        read_geo_file(path)
    message = info.value.message
    assert "could not be read as GeoJSON" in message and "\n" not in message


def test_empty_feature_collection(tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "empty.geojson", [])
    with pytest.raises(InvalidInput, match="contains no features"):
        read_geo_file(path)


def test_unsupported_extension_lists_supported(tmp_path: Path) -> None:
    path = tmp_path / "plan.dwg"
    path.write_bytes(b"AC1032")
    with pytest.raises(
        ImportFormatError, match=r"'\.dwg' are not supported; use one of .*\.geojson.*\.dxf"
    ):
        read_geo_file(path)


def test_empty_geometry_names_the_feature(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "e.geojson",
        [feature(square(121.5, 31.2), id=1), feature(None, id=42, name="空的")],
    )
    with pytest.raises(InvalidGeometry, match="feature id 42 has no geometry"):
        read_geo_file(path)


def test_projected_coordinates_declared_as_wgs84(tmp_path: Path) -> None:
    ring = [[500000, 3375000], [500020, 3375000], [500020, 3375030], [500000, 3375000]]
    path = write_geojson(
        tmp_path / "p.geojson", [feature({"type": "Polygon", "coordinates": [ring]}, id=1)]
    )
    with pytest.raises(
        CrsError, match=r"coordinates look projected \(x=500020\); pass --crs EPSG:n"
    ):
        read_geo_file(path)
    result = read_geo_file(path, ReadOptions(crs="EPSG:4547"))
    assert result.source_crs == "EPSG:4547 (given)"


def test_bd09_coordinates_are_converted(tmp_path: Path) -> None:
    wgs = (116.404, 39.915)
    bx, by = china_coords.wgs84_to_bd09(*wgs)
    path = write_geojson(tmp_path / "b.geojson", [feature(point(float(bx), float(by)), id=1)])
    result = read_geo_file(path, ReadOptions(coords="bd09"))
    # bd09 → gcj02 in china_coords is the closed-form inverse (~0.1 m), not iterated
    assert result.features[0].geometry.coords[0] == pytest.approx(wgs, abs=5e-6)


def test_stray_feature_far_away_needs_drop_outliers(tmp_path: Path) -> None:
    features = [feature(square(121.5 + i * 0.001, 31.2), id=i, kind="building") for i in range(8)]
    features.append(feature(square(0.0, 0.0), id=99, kind="building"))
    path = write_geojson(tmp_path / "o.geojson", features)
    with pytest.raises(InvalidInput, match="1 features lie .* km or more away .*--drop-outliers"):
        read_geo_file(path)
    result = read_geo_file(path, ReadOptions(drop_outliers=True))
    assert len(result.features) == 8 and any(
        "left out (--drop-outliers)" in n for n in result.notes
    )


def test_file_too_large(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCREATE_MAX_UPLOAD_MB", "1")
    path = tmp_path / "big.geojson"
    features = [feature(square(121.5, 31.2), id=i, note="x" * 200) for i in range(5000)]
    write_geojson(path, features)
    with pytest.raises(TooLarge, match="above the limit of 1 MB.*COCREATE_MAX_UPLOAD_MB"):
        read_geo_file(path)


def test_too_many_features(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COCREATE_MAX_FEATURES", "3")
    path = community(tmp_path / "c.geojson")
    with pytest.raises(TooLarge, match="7 features, above the limit of 3"):
        read_geo_file(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="no such file"):
        read_geo_file(tmp_path / "nope.geojson")


# ------------------------------------------------------------------------------ round trips


def _rows() -> list[ExportRow]:
    return [
        ExportRow(
            1,
            "building",
            "1号楼",
            {"floors": 6, "households": 24, "height_m": 18.5},
            Polygon([(121.5, 31.2), (121.5001234567, 31.2), (121.5001, 31.2001), (121.5, 31.2)]),
        ),
        ExportRow(
            2, "fire_lane", None, {"width_m": 4.0}, LineString([(121.5, 31.2), (121.501, 31.2003)])
        ),
        ExportRow(
            3,
            "facility",
            "健身点",
            {"facility_type": "fitness", "note": "靠近3号楼"},
            Point(121.50012345678, 31.20012345678),
        ),
        ExportRow(
            4,
            "illegal_structure",
            "违建棚",
            {"status": "scheduled"},
            box(121.5, 31.2, 121.5001, 31.2001),
        ),
    ]


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv"])
def test_export_round_trip(tmp_path: Path, fmt: str) -> None:
    rows = _rows()
    path = tmp_path / f"export.{fmt}"
    write_export(rows, path, fmt)
    result = read_geo_file(path)
    assert len(result.features) == len(rows)
    for row, got in zip(rows, result.features, strict=True):
        assert got.source_id == str(row.id)
        assert got.kind.value == row.kind
        assert got.name == row.name
        assert got.attrs == row.attrs
        assert got.geometry.equals_exact(row.geometry, tolerance=1e-7)
        assert np.allclose(got.geometry.bounds, row.geometry.bounds, atol=1e-7)
    assert result.repairs == []


def test_unknown_export_format(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="use one of: geojson, gpkg, csv"):
        write_export(_rows(), tmp_path / "x.shp", "shp")


def test_csv_without_geometry_column(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text("户号,姓名\n101,张三\n", encoding="utf-8")
    with pytest.raises(ImportFormatError, match="geometry_wkt"):
        read_geo_file(path)


def test_realdata_folder_is_left_untouched() -> None:
    folder = need_realdata()
    assert shutil.disk_usage(folder).total > 0
    assert not list(folder.rglob("*.cpg")) and not list(folder.rglob("*.prj"))
