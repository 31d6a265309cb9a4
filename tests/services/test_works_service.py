"""Works service (issue 13) on real SQLite and PostgreSQL/PostGIS."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from cocreate_map import services
from cocreate_map.domain.annotations import RenovationClass
from cocreate_map.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from cocreate_map.services import ballots as B
from cocreate_map.services import works as W
from cocreate_map.services.access import local_admin
from cocreate_map.storage.db import transaction
from tests.services.mark_factories import B1, B2, SLUG, act, chief, load_demo, planner, published
from tests.services.mark_factories import status as mark_status

OPT_B = "方案B：保留绿地"


@pytest.fixture
def demo(engine):
    d = load_demo(engine)
    with transaction(engine) as s:
        services.load_demo_options(s, SLUG, who=local_admin("test"))
    return d


def _passed_ballot(engine, demo, option=OPT_B, yes=True) -> int:
    with transaction(engine) as s:
        # consultative: 3 of 300 households cannot carry an art. 278 matter, which binds (issue 17)
        bid = B.create_ballot(
            s,
            SLUG,
            "采纳方案B？",
            "simple-majority",
            options=[option],
            matter_class="consultative",
            who=local_admin("test"),
        ).id
    with transaction(engine) as s:
        for label in ("1-1-101", "1-1-102", "2-1-101"):
            B.cast_vote(s, bid, demo.hh(label), "yes" if yes else "no")
    with transaction(engine) as s:
        B.close_ballot(s, bid, who=local_admin("test"))
    return bid


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (240, 240, 230)).save(buf, "JPEG")
    return buf.getvalue()


def test_work_from_a_passed_ballot_takes_the_option_scope_and_category(engine, demo):
    bid = _passed_ballot(engine, demo)
    with transaction(engine) as s:
        w = W.create_work(
            s, SLUG, "拆违建、建电动车棚", who=planner(demo), ballot_id=bid, budget_fen=7300000,
            planned_start=date(2026, 5, 1), planned_end=date(2026, 6, 30),
        )  # fmt: skip
    assert (w.status, w.progress_pct, w.budget_fen, w.budget_yuan) == (
        W.Status.PLANNED, 0, 7300000, "73000.00",
    )  # fmt: skip
    assert w.option_name == OPT_B and w.source.value == "ballot"
    assert w.category is RenovationClass.IMPROVEMENT  # sheds, stalls and an e-bike shed
    assert w.scope is not None and not w.scope.is_empty
    with transaction(engine) as s:
        assert [x.id for x in W.list_works(s, SLUG)] == [w.id]
        again = W.get_work(s, w.id)
    assert again == w


def test_refuses_open_failed_or_wrong_option_ballots_and_writes_nothing(engine, demo):
    with transaction(engine) as s:
        open_id = B.create_ballot(
            s, SLUG, "还开着", "simple-majority", options=[OPT_B], who=local_admin("test")
        ).id
    failed = _passed_ballot(engine, demo, yes=False)
    passed = _passed_ballot(engine, demo)
    cases = [
        ({"ballot_id": open_id}, InvalidTransition, "works.ballot_open"),
        ({"ballot_id": failed}, InvalidTransition, "works.ballot_not_passed"),
        ({"ballot_id": passed, "option_name": "方案A：草坪改车位"}, InvalidInput,
         "works.option_not_winner"),
        ({"budget_fen": -1}, InvalidInput, "works.amount_negative"),
        ({"category": "豪华类"}, InvalidInput, "works.category"),
        ({"planned_start": date(2026, 6, 2), "planned_end": date(2026, 6, 1)}, InvalidInput,
         "works.dates"),
        ({"buildings": ["99"]}, InvalidInput, "works.unknown_buildings"),
    ]  # fmt: skip
    for kwargs, exc, key in cases:
        with transaction(engine) as s, pytest.raises(exc) as err:
            W.create_work(s, SLUG, "x", who=planner(demo), **kwargs)
        assert err.value.key == key, kwargs
    with transaction(engine) as s:
        assert W.list_works(s, SLUG) == []


def test_only_editors_create_and_drive_works(engine, demo):
    with transaction(engine) as s, pytest.raises(PermissionDenied):
        W.create_work(s, SLUG, "外墙", who=None)
    with transaction(engine) as s, pytest.raises(PermissionDenied):
        W.create_work(s, SLUG, "外墙", who=chief(demo, "1"))
    with transaction(engine) as s:
        wid = W.create_work(s, SLUG, "外墙", who=planner(demo), buildings=["1"]).id
    with transaction(engine) as s, pytest.raises(PermissionDenied):
        W.apply_action(s, wid, "start", who=chief(demo, "1"))


def test_marks_follow_the_work_with_official_replies(engine, demo):
    m1 = published(engine, demo.hh("1-1-101"), "1栋外墙掉皮", "walls_facades", where=B1)
    m2 = published(engine, demo.hh("2-1-101"), "2栋墙面发霉", "walls_facades", where=B2)
    act(engine, m2, "adopt")
    with transaction(engine) as s:
        wid = W.create_work(s, SLUG, "外墙粉刷", who=planner(demo), mark_ids=[m1, m2]).id
        w = W.get_work(s, wid)
    assert w.source.value == "marks" and w.category is RenovationClass.BASIC
    assert set(w.buildings) >= {"1", "2"}
    assert (mark_status(engine, m1), mark_status(engine, m2)) == ("adopted", "adopted")
    with transaction(engine) as s:
        W.apply_action(s, wid, "start", who=planner(demo))
    assert (mark_status(engine, m1), mark_status(engine, m2)) == ("in_progress", "in_progress")
    with transaction(engine) as s:
        W.apply_action(s, wid, "complete", who=planner(demo))
        detail = W.work_detail(s, wid)
        replies = [c.text for c in services.marks.mark_detail(s, m1, None).comments if c.official]
    assert detail.work.progress_pct == 100
    assert {m.status.value for m in detail.marks} == {"resolved"}
    assert any("外墙粉刷" in r and "已解决" in r for r in replies)
    with transaction(engine) as s, pytest.raises(InvalidInput) as err:
        W.create_work(s, SLUG, "又一个", who=planner(demo), mark_ids=[m1])
    assert err.value.key == "works.mark_linked"


def test_milestones_photos_progress_and_building_chiefs(engine, demo):
    with transaction(engine) as s:
        wid = W.create_work(s, SLUG, "1栋外墙", who=planner(demo), buildings=["1"]).id
    with transaction(engine) as s:
        ms = W.post_milestone(
            s, wid, "脚手架已搭好", 10, who=chief(demo, "1"), happened_on=date(2026, 5, 3),
            photos=[_jpeg()],
        )  # fmt: skip
    assert ms.progress_pct == 10 and len(ms.photo_ids) == 1
    with transaction(engine) as s, pytest.raises(PermissionDenied) as err:
        W.post_milestone(s, wid, "别的楼", 20, who=chief(demo, "2"))
    assert err.value.key == "works.chief_building"
    with transaction(engine) as s, pytest.raises(InvalidInput) as err:
        W.post_milestone(s, wid, "倒退", 5, who=planner(demo))
    assert err.value.key == "works.progress_lower"
    with transaction(engine) as s, pytest.raises(InvalidInput):
        W.post_milestone(s, wid, "坏照片", 20, who=planner(demo), photos=[b"<svg/>"])
    with transaction(engine) as s:
        d = W.work_detail(s, wid)
        data = W.photo(s, ms.photo_ids[0])
    assert [m.text for m in d.milestones] == ["脚手架已搭好"] and d.work.progress_pct == 10
    assert data.mime == "image/jpeg" and data.data[:3] == b"\xff\xd8\xff"


def test_households_volunteer_once_and_the_audit_chain_holds(engine, demo):
    with transaction(engine) as s:
        wid = W.create_work(s, SLUG, "外墙", who=planner(demo), buildings=["1"]).id
    with transaction(engine) as s:
        W.volunteer(s, wid, demo.hh("1-1-101"), public_name="杨大爷")
    with transaction(engine) as s, pytest.raises(InvalidInput) as err:
        W.volunteer(s, wid, demo.hh("1-1-101"))
    assert err.value.key == "works.volunteer_twice"
    with transaction(engine) as s, pytest.raises(PermissionDenied):
        W.volunteer(s, wid, None)
    with transaction(engine) as s:
        d = W.work_detail(s, wid)
        [report] = services.verify_audit(s, SLUG)
        actions = [e.action for e in services.audit.audit_entries(s, demo.community_id)]
    assert [(x.label, x.public_name) for x in d.supervisors] == [("1-1-101", "杨大爷")]
    assert d.work.supervisors == 1
    assert report.ok
    assert {"work.create", "work.volunteer"} <= set(actions)


def test_unknown_work(engine, demo):
    with transaction(engine) as s, pytest.raises(NotFound) as err:
        W.get_work(s, 999)
    assert "999" in err.value.render("zh")


def test_marks_linked_to_a_started_work_catch_up_and_refusals_change_nothing(engine, demo):
    m1 = published(engine, demo.hh("1-1-101"), "1栋墙皮掉", "walls_facades", where=B1)
    with transaction(engine) as s:
        wid = W.create_work(s, SLUG, "1栋外墙", who=planner(demo), buildings=["1"]).id
        W.apply_action(s, wid, "start", who=planner(demo))
    with transaction(engine) as s, pytest.raises(PermissionDenied):
        W.link_marks(s, wid, [m1], who=chief(demo, "1"))
    with transaction(engine) as s, pytest.raises(InvalidInput) as err:
        W.link_marks(s, wid, [], who=planner(demo))
    assert err.value.key == "works.no_marks"
    assert mark_status(engine, m1) == "published"
    with transaction(engine) as s:
        W.link_marks(s, wid, [m1], who=planner(demo))
    assert mark_status(engine, m1) == "in_progress"  # adopted, then started: two replies
    with transaction(engine) as s:
        replies = [c.text for c in services.marks.mark_detail(s, m1, None).comments if c.official]
    assert len(replies) == 2 and all("1栋外墙" in r for r in replies)
