"""Import, export and the demo through the service layer, on SQLite and PostgreSQL/PostGIS."""

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.errors import AlreadyExists, CrsError, InvalidGeometry, InvalidInput, NotFound
from cocreate_map.io import crs as crs_io
from cocreate_map.io.geo_files import ReadOptions, read_geo_file
from cocreate_map.services.access import local_admin
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import CommunityRow, ElementRow, ImportRow


def counts(engine):
    with transaction(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(CommunityRow)),
            s.scalar(select(func.count()).select_from(ElementRow)),
            s.scalar(select(func.count()).select_from(ImportRow)),
        )


def feature_collection(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return path


def square(lon, lat, d=0.0002, **props):
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def test_demo_loads_with_every_kind_and_a_utm_crs(engine):
    with transaction(engine) as s:
        summary = services.load_demo(s)
    assert summary.slug == "cotton-compound" and summary.created
    assert summary.metric_epsg == 32650
    assert summary.counts["building"] == 12
    assert summary.repairs == []
    with transaction(engine) as s:
        [info] = services.list_communities(s)
        data = services.map_data(s, "cotton-compound")
    assert info.name == "棉花小区"
    assert sum(info.element_counts.values()) == summary.imported
    assert set(data.layers) >= {
        "building",
        "road",
        "fire_lane",
        "parking_stall",
        "green_belt",
        "illegal_structure",
        "facility",
        "boundary",
    }
    households = sum(f["properties"]["households"] for f in data.layers["building"]["features"])
    assert 280 <= households <= 320
    with pytest.raises(AlreadyExists, match="loaded already"), transaction(engine) as s:
        services.load_demo(s)


def test_ensure_demo_loads_once(engine, monkeypatch):
    assert services.ensure_demo(engine) is True
    assert services.ensure_demo(engine) is False
    assert counts(engine)[0] == 1


def test_import_is_all_or_nothing(engine, tmp_path):
    with transaction(engine) as s:
        services.load_demo(s)
    before = counts(engine)
    bad = feature_collection(
        tmp_path / "bad.geojson",
        [
            square(114.3362, 30.5322, kind="building", name="ok"),
            {"type": "Feature", "properties": {"kind": "building"}, "geometry": None},
        ],
    )
    with pytest.raises(InvalidGeometry), transaction(engine) as s:
        services.import_file(s, bad, "cotton-compound", who=local_admin("test"))
    assert counts(engine) == before


def test_import_with_an_attribute_error_names_the_feature_and_changes_nothing(engine, tmp_path):
    with transaction(engine) as s:
        services.load_demo(s)
    before = counts(engine)
    bad = feature_collection(
        tmp_path / "bad.geojson",
        [square(114.3362, 30.5322, kind="building", floors="six", id="x7")],
    )
    with (
        pytest.raises(InvalidInput, match="floors must be a whole number"),
        transaction(engine) as s,
    ):
        services.import_file(s, bad, "cotton-compound", who=local_admin("test"))
    assert counts(engine) == before


def test_data_kilometres_away_is_refused(engine, tmp_path):
    with transaction(engine) as s:
        services.load_demo(s)
    before = counts(engine)
    far = feature_collection(tmp_path / "far.geojson", [square(114.40, 30.60, kind="building")])
    with (
        pytest.raises(CrsError, match=r"km from 棉花小区.*--coords gcj02"),
        transaction(engine) as s,
    ):
        services.import_file(s, far, "cotton-compound", who=local_admin("test"))
    assert counts(engine) == before


def test_a_whole_district_is_not_a_community(engine, tmp_path):
    big = feature_collection(
        tmp_path / "district.geojson",
        [square(114.0, 30.0, kind="green_belt"), square(114.5, 30.5, kind="green_belt")],
    )
    with pytest.raises(InvalidInput, match="more than a community"), transaction(engine) as s:
        services.import_file(s, big, "district", create_name="区", who=local_admin("test"))
    assert counts(engine) == (0, 0, 0)


def test_unknown_community_and_taken_slug(engine, tmp_path):
    f = feature_collection(tmp_path / "a.geojson", [square(114.3362, 30.5322, kind="building")])
    with pytest.raises(NotFound, match="no community 'nope'"), transaction(engine) as s:
        services.import_file(s, f, "nope", who=local_admin("test"))
    with transaction(engine) as s:
        services.import_file(s, f, "a", create_name="甲", who=local_admin("test"))
    with pytest.raises(AlreadyExists, match="drop --create"), transaction(engine) as s:
        services.import_file(s, f, "a", create_name="甲", who=local_admin("test"))
    with pytest.raises(InvalidInput, match="lower-case letters"), transaction(engine) as s:
        services.import_file(s, f, "Bad Slug", create_name="乙", who=local_admin("test"))


def test_new_community_without_boundary_gets_a_hull_and_utm(engine, tmp_path):
    f = feature_collection(
        tmp_path / "b.geojson",
        [square(121.50, 31.23, kind="building"), square(121.502, 31.231, kind="building")],
    )
    with transaction(engine) as s:
        summary = services.import_file(s, f, "pudong", create_name="浦东", who=local_admin("test"))
        data = services.map_data(s, "pudong")
    assert summary.metric_epsg == 32651
    assert data.boundary is not None
    (south, west), (north, east) = data.bounds
    assert west < 121.50 and east > 121.5022 and south < 31.23 and north > 31.2312


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv"])
def test_export_round_trips_ids_kinds_and_geometry(engine, tmp_path, fmt):
    with transaction(engine) as s:
        services.load_demo(s)
        stored = {r.id: r for r in s.scalars(select(ElementRow)).all()}
        n = services.export_community(s, "cotton-compound", fmt, tmp_path / f"out.{fmt}")
    assert n == len(stored)
    result = read_geo_file(
        tmp_path / f"out.{fmt}", ReadOptions(crs="EPSG:4326") if fmt == "csv" else ReadOptions()
    )
    assert len(result.features) == n
    for feat in result.features:
        row = stored[int(feat.source_id)]
        assert feat.kind.value == row.kind
        assert feat.name == row.name
        assert feat.geometry.equals_exact(row.geometry, 1e-7)
        for key, value in row.attrs.items():
            assert feat.attrs.get(key) == value


def test_shanghai_osm_becomes_a_community_measured_in_utm(engine, realdata):
    sh = realdata / "shanghai_osm"
    with transaction(engine) as s:
        first = services.import_file(
            s, sh / "landuse.geojson", "lujiazui", create_name="陆家嘴", who=local_admin("test")
        )
        second = services.import_file(
            s, sh / "buildings.geojson", "lujiazui", who=local_admin("test")
        )
        data = services.map_data(s, "lujiazui")
        rows = s.scalars(select(ElementRow).where(ElementRow.kind == "building")).all()
    assert first.created and not second.created
    assert second.metric_epsg == 32651
    assert data.counts["building"] > 1000
    assert data.counts.get("green_belt", 0) > 10
    areas = sorted(crs_io.to_metric(r.geometry, 32651).area for r in rows)
    assert 50 < areas[len(areas) // 2] < 5000
