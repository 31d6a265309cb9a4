"""The community map page through AppTest, on a fresh SQLite database with the demo loaded."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from cocreate_map import services
from cocreate_map.services.access import local_admin
from cocreate_map.storage.db import make_engine, transaction
from cocreate_map.storage.work_tables import WorkRow
from cocreate_map.ui import map_files, maps, state

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app(sqlite_url: str) -> Iterator[AppTest]:
    st.cache_resource.clear()  # the engine is cached per process: point it at this test's DB
    at = AppTest.from_file(APP, default_timeout=30)
    yield at
    st.cache_resource.clear()


def folium_args(at: AppTest) -> dict[str, Any]:
    """The arguments st_folium sent to the browser (AppTest sees the component as unknown)."""
    found = [
        el for el in at.get("component_instance") if "streamlit_folium" in el.proto.component_name
    ]
    assert len(found) == 1
    args: dict[str, Any] = json.loads(found[0].proto.json_args)
    return args


def test_map_page_shows_the_demo_in_chinese(app: AppTest) -> None:
    app.run()
    assert not app.exception
    assert app.title[0].value == services.DEMO_NAME
    assert app.selectbox(key=state.BASEMAP).value == "none"
    text = " ".join(md.value for md in app.markdown)
    assert "楼栋 **12**" in text and "个要素" in text
    assert not app.warning
    args = folium_args(app)
    assert args["js_links"] and args["css_links"]
    for link in args["js_links"] + args["css_links"]:
        assert link.startswith("/app/static/vendor/"), link
    # only a tap on a pin comes back (it opens that mark); panning and zooming do not rerun
    assert args["returned_objects"] == ["last_object_clicked"]


def test_lang_en_switches_labels(app: AppTest) -> None:
    app.query_params["lang"] = "en"
    app.run()
    assert not app.exception
    assert app.selectbox(key=state.BASEMAP).label == "Base map"
    text = " ".join(md.value for md in app.markdown)
    assert "Buildings **12**" in text


def test_unknown_community_warns_and_shows_the_first(app: AppTest) -> None:
    app.query_params["community"] = "no-such-place"
    app.run()
    assert not app.exception
    assert any("no-such-place" in html.unescape(w.value) for w in app.warning)
    assert app.title[0].value == services.DEMO_NAME


def test_basemap_choices_render(app: AppTest) -> None:
    app.run()
    for basemap in ("osm", "amap", "none"):
        app.selectbox(key=state.BASEMAP).set_value(basemap).run()
        assert not app.exception
        assert not app.error


def test_custom_tiles_need_a_valid_url(app: AppTest) -> None:
    app.query_params["lang"] = "en"
    app.run()
    app.selectbox(key=state.BASEMAP).set_value("custom").run()
    assert any("tile URL" in i.value for i in app.info)
    app.text_input(key=state.CUSTOM_TILES).set_value("ftp://example.org/tiles.png").run()
    assert not app.exception
    assert any("http" in e.value for e in app.error)
    app.text_input(key=state.CUSTOM_TILES).set_value(
        "https://tiles.example.org/{z}/{x}/{y}.png"
    ).run()
    assert not app.exception
    assert not app.error


def _layers_url(args: dict[str, Any]) -> str:
    urls = re.findall(r'"(/app/static/data/layers-[0-9a-f]+\.json\.gz)"', args["script"])
    assert len(urls) == 1, args["script"][:2000]
    return urls[0]


def test_site_layers_travel_as_one_static_file_equal_to_the_elements(
    app: AppTest, sqlite_url: str
) -> None:
    app.run()
    assert not app.exception
    engine = make_engine(sqlite_url)
    with transaction(engine) as session:  # the works layer draws its own scopes (the demo's
        # (their money rows keep the works themselves: the scopes are taken away instead)
        session.execute(update(WorkRow).values(scope=None))
    maps._ARGS.clear()
    app.run()
    args = folium_args(app)
    served = map_files.read(_layers_url(args))
    with transaction(engine) as session:
        data = services.map_data(session, services.DEMO_SLUG)
    engine.dispose()
    assert served == maps.site_payload(data.layers, "zh", "wgs84")
    assert {k: len(v["features"]) for k, v in served.items()} == data.counts
    for kind, collection in served.items():
        ids = [f["properties"]["id"] for f in collection["features"]]
        assert ids == [f["properties"]["id"] for f in data.layers[kind]["features"]]
        shown = [f["geometry"] for f in collection["features"]]
        assert shown == [f["geometry"] for f in data.layers[kind]["features"]]
    # the data is not in the page: no tooltip text, no coordinates of a building
    assert "楼栋" not in args["script"].split("var groups", 1)[0]
    building = data.layers["building"]["features"][0]["geometry"]["coordinates"][0][0]
    assert json.dumps(building[0]) not in args["script"]


def test_a_rerun_that_changes_nothing_rebuilds_nothing_and_sends_the_same_map(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[str] = []
    original = maps.build_map

    def counting(*a: Any, **kw: Any) -> Any:
        builds.append("map")
        return original(*a, **kw)

    monkeypatch.setattr(maps, "build_map", counting)
    app.run()
    first = folium_args(app)
    app.run()
    assert not app.exception
    # identical arguments: Streamlit sends the browser a reference to the message it has
    assert folium_args(app) == first
    assert builds == ["map"]
    app.toggle(key=state.HEATMAP).set_value(True).run()
    assert builds == ["map", "map"]


def test_an_import_changes_the_data_version_and_the_served_file(
    app: AppTest, sqlite_url: str, tmp_path: Path
) -> None:
    app.run()
    before = _layers_url(folium_args(app))
    feature = {
        "type": "Feature",
        "properties": {"kind": "facility", "facility_type": "seating", "name": "新座椅"},
        "geometry": {"type": "Point", "coordinates": [114.3355, 30.5321]},
    }
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), "utf-8")
    engine = make_engine(sqlite_url)
    with transaction(engine) as session:
        old = services.map_version(session, services.DEMO_SLUG)
        services.import_file(session, path, services.DEMO_SLUG, who=local_admin("test"))
    with transaction(engine) as session:
        new = services.map_version(session, services.DEMO_SLUG)
    engine.dispose()
    assert new.version != old.version
    assert new.counts["facility"] == old.counts["facility"] + 1
    app.run()
    assert not app.exception
    after = _layers_url(folium_args(app))
    assert after != before
    names = [f["properties"]["tip"] for f in map_files.read(after)["facility"]["features"]]
    assert any("新座椅" in tip for tip in names)
    assert not any("新座椅" in f["properties"]["tip"]
                   for f in map_files.read(before)["facility"]["features"])  # fmt: skip
