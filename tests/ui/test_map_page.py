"""The community map page through AppTest, on a fresh SQLite database with the demo loaded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cocreate_map import services
from cocreate_map.ui import state

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
    assert args["returned_objects"] == []


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
    assert any("no-such-place" in w.value for w in app.warning)
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
