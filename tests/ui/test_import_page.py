"""AppTest of the import page: upload → preview → import; bad files change nothing."""

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cocreate_map import services
from cocreate_map.storage.db import make_engine, transaction

ROOT = Path(__file__).resolve().parents[2]
PAGE = "cocreate_map/ui/pages/import_data.py"


@pytest.fixture
def app(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    # 导入数据 is a staff page: a real account's session token, checked on every run
    from cocreate_map.services import sessions
    from cocreate_map.services import staff as staff_service
    from cocreate_map.storage.db import make_engine, transaction

    with transaction(make_engine(sqlite_url)) as s:
        who = staff_service.add_user(s, "planner.li", "long enough secret", "planner")
        at.session_state["staff_token"] = sessions.open_staff_session(s, who)
    at.switch_page(PAGE)
    at.run()
    yield at
    st.cache_resource.clear()


def communities(url):
    with transaction(make_engine(url)) as s:
        return {c.slug: c for c in services.list_communities(s)}


def press(at, label):
    next(b for b in at.button if b.label == label).click().run()


def test_upload_preview_and_import_a_real_osm_file(app, sqlite_url, realdata):
    data = (realdata / "wuhan_osm" / "buildings.geojson").read_bytes()
    assert not app.exception
    app.file_uploader[0].set_value(("buildings.geojson", data, "application/geo+json"))
    app.run()
    app.radio(key="import_target").set_value("new").run()
    app.text_input(key="import_new_name").set_value("关山小区").run()
    app.text_input(key="import_new_slug").set_value("guanshan").run()
    press(app, "预览")
    assert not app.exception
    assert not app.error, [e.value for e in app.error]
    assert any("可以导入" in s.value for s in app.success)
    assert "guanshan" not in communities(sqlite_url)  # preview writes nothing
    press(app, "确认导入")
    assert not app.error, [e.value for e in app.error]
    assert any("已导入" in s.value for s in app.success)
    assert communities(sqlite_url)["guanshan"].element_counts["building"] > 200


def test_a_broken_file_shows_one_error_and_changes_nothing(app, sqlite_url):
    before = communities(sqlite_url)
    app.file_uploader[0].set_value(
        ("x.geojson", b'{"type": "FeatureCollection", "feat', "text/plain")
    )
    app.run()
    press(app, "确认导入")
    assert not app.exception
    assert len(app.error) == 1
    assert {k: v.element_counts for k, v in communities(sqlite_url).items()} == {
        k: v.element_counts for k, v in before.items()
    }


def test_an_upload_over_the_size_limit_is_refused(app, sqlite_url, monkeypatch):
    monkeypatch.setenv("COCREATE_MAX_UPLOAD_MB", "1")
    app.file_uploader[0].set_value(("big.geojson", b" " * (1024 * 1024 + 10), "text/plain"))
    app.run()
    press(app, "预览")
    assert len(app.error) == 1 and "COCREATE_MAX_UPLOAD_MB" in app.error[0].value


def test_loose_shapefile_parts_need_a_shp(app):
    app.file_uploader[0].set_value(
        [("a.dbf", b"x", "application/octet-stream"), ("a.prj", b"x", "text/plain")]
    )
    app.run()
    press(app, "预览")
    assert len(app.error) == 1 and "Shapefile" in app.error[0].value
