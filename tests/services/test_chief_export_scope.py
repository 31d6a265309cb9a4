"""Issue 11.7: a building chief's exports, lists, counts and mark pages hold the marks of their
buildings only — the staff page's filter, in every way out (GeoJSON, CSV, summary, ``?mark=``);
anyone who is not the community's staff gets no export at all."""

from __future__ import annotations

import csv
import io
import json

import pytest

from cocreate_map.errors import NotFound, PermissionDenied
from cocreate_map.services import mark_files as MF
from cocreate_map.services import marks as M
from cocreate_map.storage.db import transaction
from tests.services.mark_factories import B1, B2, SLUG, act, chief, load_demo, planner, submit


@pytest.fixture
def marks(engine):
    demo = load_demo(engine)
    # building 1: a published and a hidden mark; building 2: a submitted (not yet reviewed), a
    # hidden and a published one
    b1_pub = submit(engine, demo.hh("1-1-101"), text="一栋路灯", where=B1)
    act(engine, b1_pub, "publish")
    b1_hidden = submit(engine, demo.hh("1-1-102"), text="一栋隐藏", where=B1)
    act(engine, b1_hidden, "hide")
    b2_sub = submit(engine, demo.hh("2-1-101"), text="二栋待审", where=B2)
    b2_hidden = submit(engine, demo.hh("2-1-102"), text="二栋隐藏", where=B2)
    act(engine, b2_hidden, "hide")
    b2_pub = submit(engine, demo.hh("2-1-201"), text="二栋公开", where=B2)
    act(engine, b2_pub, "publish")
    with transaction(engine) as s:
        buildings = {m.id: m.building for m in M.list_marks(s, SLUG, staff=planner(demo))}
    assert buildings == {b1_pub: "1", b1_hidden: "1", b2_sub: "2", b2_hidden: "2", b2_pub: "2"}
    return demo, {"b1": {b1_pub, b1_hidden}, "b2": {b2_sub, b2_hidden, b2_pub}}


def test_building_chief_exports_only_their_buildings(engine, marks):
    demo, ids = marks
    who = chief(demo, "1")
    with transaction(engine) as s:
        page = {m.id for m in M.list_marks(s, SLUG, staff=who)}
        geo = json.loads(MF.export_marks(s, SLUG, "geojson", who))
        rows = csv.DictReader(io.StringIO(MF.export_marks(s, SLUG, "csv", who).decode("utf-8-sig")))
        csv_ids = {int(r["id"]) for r in rows}
        counts = M.summary(s, SLUG, staff=who)
        everything = M.summary(s, SLUG, staff=planner(demo))
    assert page == ids["b1"]
    assert {f["properties"]["id"] for f in geo["features"]} == ids["b1"]
    assert csv_ids == ids["b1"]
    assert counts.by_status == {"published": 1, "hidden": 1} and counts.by_building == {"1": 1}
    assert sum(everything.by_status.values()) == 5 and set(everything.by_building) == {"1", "2"}
    # a planner of the community exports everything
    with transaction(engine) as s:
        all_geo = json.loads(MF.export_marks(s, SLUG, "geojson", planner(demo)))
    assert {f["properties"]["id"] for f in all_geo["features"]} == ids["b1"] | ids["b2"]


def test_nobody_but_staff_exports(engine, marks):
    demo, _ = marks
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        MF.export_marks(s, SLUG, "csv", None)
    stranger = planner(None, "elsewhere")
    other = type(stranger)("elsewhere", stranger.role, demo.community_id + 999)
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        MF.export_marks(s, SLUG, "geojson", other)


def test_building_chief_cannot_open_another_buildings_hidden_mark(engine, marks):
    demo, ids = marks
    who = chief(demo, "1")
    with transaction(engine) as s:
        for mark_id in ids["b1"]:
            assert M.mark_detail(s, mark_id, staff=who).mark.id == mark_id
        published_b2 = {m.id for m in M.list_marks(s, SLUG) if m.id in ids["b2"]}
    for mark_id in ids["b2"] - published_b2:
        with pytest.raises(NotFound), transaction(engine) as s:
            M.mark_detail(s, mark_id, staff=who)
    with transaction(engine) as s:  # public marks stay public to everyone
        for mark_id in published_b2:
            assert M.mark_detail(s, mark_id, staff=who).mark.id == mark_id
