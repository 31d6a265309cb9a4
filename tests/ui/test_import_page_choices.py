"""AppTest of the import page as capable as the CLI (issue 17.7, 17.6): a layer → kind mapping,
a CRS picker naming the CRSs the coordinates fit, errors without CLI flags, and the replace offer
for a file imported before. A staff member signed in with a real session token."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import streamlit as st
from pyproj import Transformer
from shapely.geometry import shape
from streamlit.testing.v1 import AppTest

from cocreate_map import services
from cocreate_map.storage.db import make_engine, transaction

ROOT = Path(__file__).resolve().parents[2]
PAGE = "cocreate_map/ui/pages/import_data.py"


@pytest.fixture
def app(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    from cocreate_map.services import sessions
    from cocreate_map.services import staff as staff_service

    with transaction(make_engine(sqlite_url)) as s:
        who = staff_service.add_user(s, "planner.li", "long enough secret", "planner")
        at.session_state["staff_token"] = sessions.open_staff_session(s, who)
    at.switch_page(PAGE)
    at.run()
    yield at
    st.cache_resource.clear()


def counts(url, slug):
    with transaction(make_engine(url)) as s:
        found = {c.slug: c for c in services.list_communities(s)}
    return found[slug].element_counts if slug in found else None


def press(at, label):
    next(b for b in at.button if b.label == label).click().run()


def new_community(at, slug):
    at.radio(key="import_target").set_value("new").run()
    at.text_input(key="import_new_name").set_value("关山小区").run()
    at.text_input(key="import_new_slug").set_value(slug).run()


def two_layer_gpkg(realdata: Path, tmp_path: Path) -> bytes:
    """Wuhan buildings and roads as two layers with names only: nothing says what they are."""
    path = tmp_path / "two_layers.gpkg"
    for layer, name, wanted in (
        ("houses", "buildings.geojson", "Polygon"),
        ("paths", "roads.geojson", "LineString"),
    ):
        data = json.loads((realdata / "wuhan_osm" / name).read_text(encoding="utf-8"))
        picked = [f for f in data["features"] if f["geometry"]["type"] == wanted][:30]
        gpd.GeoDataFrame(
            {"name": [f["properties"].get("name") for f in picked]},
            geometry=[shape(f["geometry"]) for f in picked],
            crs=4326,
        ).to_file(path, layer=layer, driver="GPKG")
    return path.read_bytes()


def test_a_two_layer_geopackage_gets_a_kind_per_layer(app, sqlite_url, realdata, tmp_path):
    app.file_uploader[0].set_value(("two_layers.gpkg", two_layer_gpkg(realdata, tmp_path), "x"))
    app.run()
    new_community(app, "guanshan")
    assert not app.exception and not app.error, [e.value for e in app.error]
    press(app, "预览")
    assert any("其他" in i.value for i in app.info)  # before: all "other", and now a hint says so
    app.selectbox(key="import_layer_0").set_value("building").run()
    app.selectbox(key="import_layer_1").set_value("road").run()
    press(app, "预览")
    assert not app.error, [e.value for e in app.error]
    assert not any("其他" in i.value for i in app.info)
    press(app, "确认导入")
    assert not app.error, [e.value for e in app.error]
    assert counts(sqlite_url, "guanshan") == {"building": 30, "road": 30}


def mercator_declared_utm(realdata: Path) -> bytes:
    data = json.loads((realdata / "wuhan_osm" / "buildings.geojson").read_text(encoding="utf-8"))
    to = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    features = []
    for f in data["features"][:50]:
        if f["geometry"]["type"] != "Polygon":
            continue
        rings = [[list(to.transform(x, y)) for x, y in r] for r in f["geometry"]["coordinates"]]
        features.append({**f, "geometry": {"type": "Polygon", "coordinates": rings}})
    payload = {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32649"}},
        "features": features,
    }
    return json.dumps(payload).encode()


def test_a_wrong_declared_crs_is_refused_without_cli_flags_and_the_picker_fixes_it(
    app, sqlite_url, realdata
):
    app.file_uploader[0].set_value(("survey.geojson", mercator_declared_utm(realdata), "x"))
    app.run()
    new_community(app, "mercator")
    picker = app.selectbox(key="import_crs_pick")
    assert "EPSG:3857" in picker.options[1]  # named: "EPSG:3857 · WGS 84 / Pseudo-Mercator"
    assert "Pseudo-Mercator" in picker.options[1]
    press(app, "预览")
    [error] = app.error
    assert "EPSG:3857" in error.value and "坐标系" in error.value and "--" not in error.value
    picker.set_value("EPSG:3857").run()
    press(app, "预览")
    assert not app.error, [e.value for e in app.error]
    press(app, "确认导入")
    assert not app.error
    with transaction(make_engine(sqlite_url)) as s:
        data = services.map_data(s, "mercator")
    (south, west), (north, east) = data.bounds
    assert 114.0 < west < east < 114.8 and 30.3 < south < north < 30.8  # Wuhan, not the Pacific


def test_a_file_imported_before_is_offered_for_replacement(app, sqlite_url, realdata):
    data = (realdata / "wuhan_osm" / "buildings.geojson").read_bytes()
    app.file_uploader[0].set_value(("buildings.geojson", data, "x"))
    app.run()
    new_community(app, "again")
    press(app, "确认导入")
    first = counts(sqlite_url, "again")
    app.radio(key="import_target").set_value("existing").run()
    app.selectbox(key="import_slug").set_value("again").run()
    assert any("以前已导入过" in w.value for w in app.warning)
    press(app, "确认导入")
    [error] = app.error
    assert "替换先前的导入" in error.value and "--replace" not in error.value
    assert counts(sqlite_url, "again") == first  # nothing duplicated
    app.checkbox(key="import_replace").check().run()
    press(app, "确认导入")
    assert not app.error, [e.value for e in app.error]
    assert counts(sqlite_url, "again") == first  # replaced, not doubled
    undo = [b for b in app.button if b.label == "撤销"]
    assert len(undo) == 1  # the replaced import shows as undone, without a button
    undo[0].click().run()
    assert not app.error, [e.value for e in app.error]
    assert counts(sqlite_url, "again") == {}
