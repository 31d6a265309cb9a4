"""Walk every page of the app as an anonymous visitor and as a signed-in household, try every
write the page offers (fill every text field, feed the maps a drawn line and a click, press
every button), and fail if any row a visitor or household may not write has changed.

The database is a real SQLite file with the demo; the comparison is a hash of every row of
every table before and after each page.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import streamlit as st
from sqlalchemy import MetaData, select
from streamlit.testing.v1 import AppTest

from cocreate_map import services
from cocreate_map.io import crs as crs_io
from cocreate_map.storage.db import make_engine, transaction
from tests.ui.pages import ROOT

PAGES = [
    "map.py",
    "marks.py",
    "works.py",
    "options.py",
    "vote.py",
    "meeting.py",
    "results.py",
    "communities.py",
    "district.py",
    "ballots.py",
    "marks_staff.py",
    "works_staff.py",
    "evaluate.py",
    "evaluate_staff.py",
    "import_data.py",
    "staff.py",
]
# What a household may write itself: its votes, marks, "me too", comments, ratings (and the
# audit lines those make). An anonymous visitor writes nothing but wrong-code counts.
HOUSEHOLD_TABLES = {
    "votes",
    "vote_history",
    "vote_conflicts",
    "audit_log",
    "marks",
    "mark_supports",
    "mark_comments",
    "mark_ratings",
    "mark_photos",
    "join_throttle",
    "throttles",
    "auth_sessions",
    "work_supervisors",  # a household volunteers as a works supervisor (群众监督员)
    "labour_entries",  # and records its own volunteer hours (counted once staff verify them)
}
# Wrong codes and passwords are counted (throttles, issue 11.1–3): bookkeeping of sign-in
# attempts, not community data.
ANONYMOUS_TABLES = {"join_throttle", "throttles", "auth_sessions"}
LEAVE_EMPTY = {"import_crs", "import_encoding"}  # optional; a made-up value would fail the import


def snapshot(url: str, skip: set[str]) -> dict[str, tuple[int, str]]:
    """(row count, hash of the sorted rows) of every table but ``skip``."""
    eng = make_engine(url)
    meta = MetaData()
    meta.reflect(eng)
    out = {}
    with eng.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            if name in skip or name == "alembic_version":
                continue
            rows = sorted(repr(tuple(r)) for r in conn.execute(select(table)))
            out[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    eng.dispose()
    return out


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return [f"{k}: {before[k][0]} → {after[k][0]} rows" for k in before if before[k] != after[k]]


def map_events(url: str) -> dict[str, Any]:
    """A stall-row line and a click on a demo shed, as the maps' components would report them."""
    with transaction(make_engine(url)) as s:
        epsg = services.list_communities(s)[0].metric_epsg
    from shapely.geometry import LineString, Point

    line = crs_io.to_wgs84(
        LineString([(244270 + 95, 3380658 + 20), (244270 + 120, 3380658 + 20)]), epsg
    )
    shed = crs_io.to_wgs84(Point(244270 + 16.5, 3380658 + 152.5), epsg)
    drawing = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in line.coords]},
    }
    return {
        "options_draw_map": {"last_active_drawing": drawing},
        "options_click_map": {"last_clicked": {"lat": shed.y, "lng": shed.x}},
    }


def upload() -> tuple[str, bytes, str]:
    """One building of the demo as a GeoJSON upload (a valid import into the demo)."""
    doc = json.loads(services.DEMO_FILE.read_text(encoding="utf-8"))
    doc["features"] = doc["features"][:1]
    return ("one.geojson", json.dumps(doc, ensure_ascii=False).encode(), "application/geo+json")


def try_everything(at: AppTest, events: dict[str, Any]) -> int:
    """Fill, feed and press what the page shows; the number of buttons pressed."""
    for uploader in at.file_uploader:
        uploader.set_value(upload())
    for box in at.text_input:
        if box.key in LEAVE_EMPTY:
            continue
        if box.type != "password" and not box.disabled:
            box.set_value("方案测试9")
    for area in at.text_area:
        if not area.disabled:
            area.set_value("测试：这里需要修")
    for key, value in events.items():
        at.session_state[key] = value
    at.run()
    pressed = 0
    i = 0
    while i < len(at.button) and pressed < 40:
        button = at.button[i]
        i += 1
        if button.disabled:
            continue
        button.click().run()
        pressed += 1
    return pressed


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("COCREATE_ADMIN_PASSWORD", "s3cret-staff")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()
    st.cache_data.clear()


def household_of(url: str) -> dict[str, Any]:
    with transaction(make_engine(url)) as s:
        h = services.list_households(s, services.DEMO_SLUG)[0]
        return {
            "id": h.id,
            "slug": services.DEMO_SLUG,
            "building": h.building,
            "unit": h.unit,
            "room": h.room,
        }


@pytest.mark.parametrize("visitor", ["anonymous", "household"])
def test_no_page_lets_a_visitor_or_household_change_staff_data(entry, sqlite_url, visitor):
    at = AppTest.from_file(str(entry), default_timeout=180)
    at.run()  # first start loads the demo
    assert not at.exception, at.exception
    events = map_events(sqlite_url)
    skip = ANONYMOUS_TABLES if visitor == "anonymous" else HOUSEHOLD_TABLES
    problems: list[str] = []
    pressed = 0
    for page in PAGES:
        if visitor == "household":
            at.session_state["household"] = household_of(sqlite_url)
        before = snapshot(sqlite_url, skip)
        at.switch_page(f"cocreate_map/ui/pages/{page}")
        at.run()
        assert not at.exception, (page, at.exception)
        pressed += try_everything(at, events)
        problems += [f"{page}: {c}" for c in changed(before, snapshot(sqlite_url, skip))]
    assert pressed > 10  # the walk did press buttons
    assert not problems, problems
