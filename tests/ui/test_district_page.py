"""街道总览 through AppTest: the league table, headline figures with denominators, the CSV and the
map, in Chinese and English, for an anonymous visitor (nothing on it writes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from cocreate_map import services
from cocreate_map.domain.annotations import Role
from cocreate_map.services import district as D
from cocreate_map.services.access import local_admin
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage.db import make_engine, migrate, transaction
from tests.ui.pages import open_page

APP = Path(__file__).resolve().parents[2] / "app.py"


@pytest.fixture
def district_db(sqlite_url: str) -> Iterator[str]:
    st.cache_resource.clear()
    engine = make_engine(sqlite_url)
    migrate(engine)
    with transaction(engine) as s:
        services.load_demo(s)
        services.create_community(s, "second", "第二小区", who=local_admin("test"))
        for slug in (services.DEMO_SLUG, "second"):
            D.set_district(s, slug, "银行街道", StaffIdentity("cli", Role.ADMIN))
    engine.dispose()
    yield sqlite_url
    st.cache_resource.clear()


@pytest.mark.parametrize(
    ("lang", "title", "resolved"),
    [("zh", "街道总览", "解决率"), ("en", "District overview", "Resolved")],
)
def test_district_page_lists_every_community_with_denominators(district_db, lang, title, resolved):
    at = open_page(APP, "cocreate_map/ui/pages/district.py", lang=lang)
    assert at.title[0].value == title
    labels = {m.label: m.value for m in at.metric}
    assert labels[resolved].endswith(")") and "/" in labels[resolved]
    frame = at.dataframe[0].value
    assert set(frame["slug"]) == {services.DEMO_SLUG, "second"}
    assert list(frame.loc[frame["slug"] == services.DEMO_SLUG, "households"]) == [300]
    assert at.get("download_button")
    maps = [
        el for el in at.get("component_instance") if "streamlit_folium" in el.proto.component_name
    ]
    assert len(maps) == 1


def test_district_page_picks_a_district(district_db):
    engine = make_engine(district_db)
    with transaction(engine) as s:
        services.create_community(s, "far", "远处小区", who=local_admin("test"))
        D.set_district(s, "far", "水果湖街道", StaffIdentity("cli", Role.ADMIN))
    engine.dispose()
    at = open_page(APP, "cocreate_map/ui/pages/district.py", lang="zh")
    at.selectbox(key="district_pick").select("水果湖街道").run()
    assert set(at.dataframe[0].value["slug"]) == {"far"}
