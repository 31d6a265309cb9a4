"""Every writing use case refuses who=None (an anonymous visitor, or a household: households
have no staff identity, their pages pass None), a planner of another community and a building
chief acting outside their buildings — and works for the community's admin, so each case below
is a real write that the gate alone stops. On SQLite and PostgreSQL/PostGIS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from shapely.geometry import LineString
from sqlalchemy.orm import sessionmaker

from cocreate_map import services
from cocreate_map.domain.annotations import Role
from cocreate_map.errors import PermissionDenied
from cocreate_map.services import households as H
from cocreate_map.services import mark_files
from cocreate_map.services import marks as mark_service
from cocreate_map.services import meeting as meeting_service
from cocreate_map.services.access import local_admin
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import transaction

DEMO = services.DEMO_SLUG
A = "方案A：草坪改车位"
Write = Callable[[Any, StaffIdentity | None, dict[str, Any]], object]


@pytest.fixture
def demo(engine, tmp_path):
    """The demo, an open ballot with a paper/online conflict, files to import."""
    admin = local_admin("test")
    with transaction(engine) as s:
        services.load_demo(s)
        community = services.list_communities(s)[0]
        homes = H.list_households(s, DEMO)
        b1 = next(h for h in homes if h.building == "1")
        b2 = next(h for h in homes if h.building == "2")
        bid = services.create_ballot(s, DEMO, "测试？", "civil-code-ordinary", who=admin).id
        services.cast_vote(s, bid, b1.id, "yes")
        services.cast_vote(s, bid, b1.id, "no", "paper", who=admin)
        conflict = services.ballots.conflicts(s, bid)[0].id
        shed = _shed_lonlat(s)
        element = services.element_at(s, DEMO, *shed)[0]
        marks = mark_service.list_marks(s, DEMO, staff=admin)
        mark_b2 = next(m.id for m in marks if m.building == "2" and m.status.value == "adopted")
    register = tmp_path / "register.csv"
    register.write_text("building,unit,room,area_m2\n99,1,101,60.5\n", "utf-8")
    paper = tmp_path / "paper.csv"
    paper.write_text("building,unit,room,choice\n2,1,101,同意\n", "utf-8")
    opinions = tmp_path / "opinions.csv"
    opinions.write_text("building,category,text\n2,lighting,楼道灯坏了\n", "utf-8")
    bench_file = tmp_path / "bench.geojson"  # a new file for the existing community
    bench_file.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":'
        f'{{"type":"Point","coordinates":[{shed[0]},{shed[1]}]}},'
        '"properties":{"kind":"facility","name":"新座椅","facility_type":"seating"}}]}',
        "utf-8",
    )
    option_file = tmp_path / "option.geojson"
    option_file.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","geometry":null,'
        f'"properties":{{"action":"remove","ref":{element}}}}}]}}',
        "utf-8",
    )
    return {
        "engine": engine,
        "community": community.id,
        "b1": b1.id,
        "b2": b2.id,
        "ballot": bid,
        "conflict": conflict,
        "element": element,
        "mark_b2": mark_b2,
        "register": register,
        "paper": paper,
        "opinions": opinions,
        "option_file": option_file,
        "bench_file": bench_file,
        "out": tmp_path / "pack.pdf",
    }


def _shed_lonlat(s):
    from shapely.geometry import Point

    from cocreate_map.io import crs as crs_io

    epsg = services.list_communities(s)[0].metric_epsg
    p = crs_io.to_wgs84(Point(244270 + 16.5, 3380658 + 152.5), epsg)
    return p.x, p.y


def _line(s):
    from cocreate_map.io import crs as crs_io

    epsg = services.list_communities(s)[0].metric_epsg
    return crs_io.to_wgs84(
        LineString([(244270 + 95, 3380658 + 20), (244270 + 120, 3380658 + 20)]), epsg
    )


EDITOR_WRITES: dict[str, Write] = {
    "create_community": lambda s, w, d: services.create_community(s, "new-one", "新社区", who=w),
    "import_file": lambda s, w, d: services.import_file(
        s, services.DEMO_FILE, "copy", create_name="复制", who=w
    ),
    "import_file_existing": lambda s, w, d: services.import_file(
        s, d["bench_file"], DEMO, who=w, options=None
    ),
    "delete_community": lambda s, w, d: services.delete_community(s, DEMO, who=w),
    "import_households": lambda s, w, d: services.import_households(s, d["register"], DEMO, who=w),
    "add_register_rows": lambda s, w, d: H.add_register_rows(
        s, repo.community_by_slug(s, DEMO), [], who=w
    ),
    "update_household": lambda s, w, d: services.update_household(
        s, d["b1"], owner_id="换人", who=w
    ),
    "regenerate_codes": lambda s, w, d: services.regenerate_codes(
        s, DEMO, [d["b1"]], who=w, confirm_open_ballots=True
    ),
    "create_ballot": lambda s, w, d: services.create_ballot(
        s, DEMO, "新的？", "civil-code-ordinary", who=w
    ),
    "close_ballot": lambda s, w, d: services.close_ballot(s, d["ballot"], who=w),
    "resolve_conflict": lambda s, w, d: services.resolve_conflict(s, d["conflict"], True, who=w),
    "import_paper_votes": lambda s, w, d: services.import_paper_votes(
        s, d["ballot"], d["paper"], who=w
    ),
    "create_option": lambda s, w, d: services.create_option(s, DEMO, "方案Z", who=w),
    "duplicate_option": lambda s, w, d: services.create_option(
        s, DEMO, "方案Z", duplicate_of=A, who=w
    ),
    "delete_option": lambda s, w, d: services.delete_option(s, DEMO, A, who=w),
    "remove_element": lambda s, w, d: services.remove_element(s, DEMO, A, d["element"], who=w),
    "undo_last_change": lambda s, w, d: services.undo_last_change(s, DEMO, A, who=w),
    "add_element": lambda s, w, d: services.add_element(
        s, DEMO, A, "road", _line(s), "新路", {"width_m": 4}, who=w
    ),
    "add_stall_row": lambda s, w, d: services.add_stall_row(s, DEMO, A, _line(s), 3, who=w),
    "import_option": lambda s, w, d: services.import_option(
        s, d["option_file"], DEMO, "方案Y", who=w
    ),
    "set_unit_costs": lambda s, w, d: services.set_unit_costs(s, DEMO, {"per_stall": 9000}, who=w),
    "load_demo_options": lambda s, w, d: services.load_demo_options(s, DEMO, who=w),
    "set_reply_templates": lambda s, w, d: mark_service.set_reply_templates(
        s, DEMO, "zh", ["谢谢"], staff=w
    ),
    "paper_households": lambda s, w, d: meeting_service.paper_households(
        s, services.ballots.get_ballot(s, d["ballot"]), who=w
    ),
    "meeting_pack": lambda s, w, d: meeting_service.meeting_pack(
        s, d["ballot"], d["out"], "http://192.168.1.5:8501", who=w
    ),
}
# Building chiefs may do these for their own buildings (building 1 here), never for building 2.
CHIEF_WRITES: dict[str, Write] = {
    "paper_vote": lambda s, w, d: services.cast_vote(
        s, d["ballot"], d["b2"], "yes", "paper", who=w
    ),
    "paper_marks": lambda s, w, d: mark_files.import_paper_marks(s, d["opinions"], DEMO, w),
    "mark_action": lambda s, w, d: mark_service.apply_action(s, d["mark_b2"], "start", w),
    "bulk_action": lambda s, w, d: mark_service.bulk_action(s, [d["mark_b2"]], "start", w),
}

NEW_COMMUNITY = {"create_community", "import_file"}
OUTSIDERS = {
    "nobody": None,
    "other_planner": StaffIdentity("li.planner", Role.PLANNER, community_id=999_999),
}


def attempt(d: dict[str, Any], write: Write, who: StaffIdentity | None) -> None:
    """Run one write in a transaction that is always rolled back."""
    with sessionmaker(d["engine"])() as s, s.begin():
        try:
            write(s, who, d)
        finally:
            s.rollback()


@pytest.mark.parametrize("name", sorted(EDITOR_WRITES))
def test_editor_writes_need_an_admin_or_planner_of_the_community(demo, name):
    write = EDITOR_WRITES[name]
    chief = StaffIdentity("zhang.chief", Role.BUILDING_CHIEF, demo["community"], ("1", "2"))
    local = StaffIdentity("wang.admin", Role.ADMIN, demo["community"])
    refused = [*OUTSIDERS.values(), chief]
    if name in NEW_COMMUNITY:  # a new community needs an admin or planner of every community
        refused.append(local)
        local = StaffIdentity("chen.admin", Role.ADMIN, None)
    for who in refused:
        with pytest.raises(PermissionDenied):
            attempt(demo, write, who)
    attempt(demo, write, local)


@pytest.mark.parametrize("name", sorted(CHIEF_WRITES))
def test_building_chiefs_act_on_their_buildings_only(demo, name):
    write = CHIEF_WRITES[name]
    outside = StaffIdentity("zhang.chief", Role.BUILDING_CHIEF, demo["community"], ("1",))
    for who in [*OUTSIDERS.values(), outside]:
        with pytest.raises(PermissionDenied):
            attempt(demo, write, who)
    mine = StaffIdentity("zhao.chief", Role.BUILDING_CHIEF, demo["community"], ("2",))
    attempt(demo, write, mine)


def test_the_cli_and_the_demo_act_as_the_local_admin():
    who = local_admin()
    assert who.role is Role.ADMIN and who.community_id is None and who.actor == "staff:cli"
