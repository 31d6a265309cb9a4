"""Ratings and contests of finished works, and conventions (issue 14), on SQLite and PostgreSQL:
table-driven cases of the rules, every refusal changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.domain import evaluation as dom
from cocreate_map.domain.annotations import Role
from cocreate_map.errors import (
    AlreadyExists,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
)
from cocreate_map.services import conventions as C
from cocreate_map.services import evaluation as E
from cocreate_map.services import households as H
from cocreate_map.services import works as W
from cocreate_map.services.access import local_admin
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import transaction
from cocreate_map.storage.evaluation_tables import WorkRatingRow

SLUG = services.DEMO_SLUG
ADMIN = StaffIdentity("admin", Role.ADMIN)
T0 = datetime(2026, 11, 1, 9, 0)


def _estate(engine) -> dict[str, int]:
    """The demo community: its buildings are on the map, its households in the register."""
    with transaction(engine) as s:
        services.load_demo(s)
    with transaction(engine) as s:
        return {h.label: h.id for h in H.list_households(s, SLUG)}


def _in_building(hh: dict[str, int], building: str) -> list[str]:
    return sorted(label for label in hh if label.split("-")[0] == building)


def _completed_work(engine, buildings=("1",)) -> int:
    with transaction(engine) as s:
        w = W.create_work(s, SLUG, "外墙刷白", who=ADMIN, buildings=buildings, now=T0)
        W.apply_action(s, w.id, "start", who=ADMIN, now=T0 + timedelta(days=1))
        W.apply_action(s, w.id, "complete", who=ADMIN, now=T0 + timedelta(days=10))
    return w.id


def test_household_rates_once_and_may_change_it(engine):
    hh = _estate(engine)
    wid = _completed_work(engine)
    now = T0 + timedelta(days=11)
    with transaction(engine) as s:
        first = E.rate_work(s, wid, hh["1-1-101"], 2, now=now)
        again = E.rate_work(s, wid, hh["1-1-101"], 5, "刷得很白", now=now)
        E.rate_work(s, wid, hh["1-1-201"], 4, now=now)
    assert not first.changed and again.changed
    with transaction(engine) as s:
        r = E.work_ratings(s, wid, now=now)
        n = s.scalar(
            select(func.count()).select_from(WorkRatingRow).where(WorkRatingRow.work_id == wid)
        )
    assert n == 2  # a changed rating counts once
    assert (r.summary.households, r.summary.rated) == (len(_in_building(hh, "1")), 2)
    assert r.summary.average_text == "4.50" and r.summary.satisfaction == Fraction(1)
    assert r.comments[0].text == "刷得很白" and r.comments[0].building == "1"


@pytest.mark.parametrize(
    ("case", "kwargs", "error"),
    [
        ("not completed", {"complete": False}, InvalidTransition),
        ("window closed", {"days": 31}, InvalidTransition),
        ("outside the work's buildings", {"label": "2-1-101"}, InvalidInput),
        ("zero stars", {"stars": 0}, InvalidInput),
        ("six stars", {"stars": 6}, InvalidInput),
        ("half a star", {"stars": "4.5"}, InvalidInput),
        ("paper without staff", {"paper": True}, PermissionDenied),
    ],
)
def test_refusals_change_nothing(engine, case, kwargs, error):
    hh = _estate(engine)
    with transaction(engine) as s:
        w = W.create_work(s, SLUG, "外墙刷白", who=ADMIN, buildings=["1"], now=T0)
        W.apply_action(s, w.id, "start", who=ADMIN, now=T0 + timedelta(days=1))
        if kwargs.get("complete", True):
            W.apply_action(s, w.id, "complete", who=ADMIN, now=T0 + timedelta(days=10))
    now = T0 + timedelta(days=10 + kwargs.get("days", 1))
    with pytest.raises(error), transaction(engine) as s:
        E.rate_work(
            s, w.id, hh[kwargs.get("label", "1-1-101")], kwargs.get("stars", 4),
            paper=kwargs.get("paper", False), now=now,
        )  # fmt: skip
    with transaction(engine) as s:
        assert (
            s.scalar(
                select(func.count()).select_from(WorkRatingRow).where(WorkRatingRow.work_id == w.id)
            )
            == 0
        ), case


def test_staff_enter_paper_forms_only_for_their_buildings(engine):
    hh = _estate(engine)
    wid = _completed_work(engine, buildings=())
    chief = StaffIdentity("zhang", Role.BUILDING_CHIEF, None, ("2",))
    now = T0 + timedelta(days=12)
    with transaction(engine) as s:
        chief = StaffIdentity(
            "zhang", Role.BUILDING_CHIEF, repo.community_by_slug(s, SLUG).id, ("2",)
        )
        E.rate_work(s, wid, hh["2-1-101"], 3, paper=True, who=chief, now=now)
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        E.rate_work(s, wid, hh["1-1-101"], 3, paper=True, who=chief, now=now)


@pytest.mark.parametrize(
    ("contests", "concerned", "threshold", "reopens"),
    [
        (0, 10, Fraction(1, 10), False),
        (1, 10, Fraction(1, 10), True),  # exactly 10 % reopens
        (9, 100, Fraction(1, 10), False),
        (10, 100, Fraction(1, 10), True),
        (2, 24, Fraction(1, 10), False),
        (3, 24, Fraction(1, 10), True),
        (1, 0, Fraction(1, 10), False),
        (3, 24, Fraction(1, 8), True),
        (2, 24, Fraction(1, 8), False),
    ],
)
def test_contest_threshold_cases(contests, concerned, threshold, reopens):
    assert dom.reopens(contests, concerned, threshold) is reopens


@pytest.mark.parametrize(("short", "reopened"), [(1, False), (0, True)])
def test_contests_reaching_the_threshold_reopen_the_work(engine, short, reopened):
    from cocreate_map.storage import funds_repo

    hh = _estate(engine)
    labels = _in_building(hh, "1")
    assert len(labels) % 8 == 0, len(labels)  # exactly 1/8 of them is a whole number
    needed = len(labels) // 8
    with transaction(engine) as s:
        cid = repo.community_by_slug(s, SLUG).id
        funds_repo.set_setting(s, cid, E.THRESHOLD_KEY, {"fraction": "1/8"})
    wid = _completed_work(engine)
    now = T0 + timedelta(days=12)
    result = None
    for label in labels[: needed - short]:
        with transaction(engine) as s:
            result = E.contest_work(s, wid, hh[label], "墙角还在掉皮", now=now)
    with transaction(engine) as s:
        info = W.get_work(s, wid)
    assert (info.status is W.Status.IN_PROGRESS) is reopened
    if reopened:
        assert result is not None and result.reopened
        assert f"{needed}/{len(labels)}" in info.reopen_reason


def test_a_household_contests_once_and_below_threshold_nothing_moves(engine):
    hh = _estate(engine)
    wid = _completed_work(engine, buildings=())  # the whole community: 300 households
    now = T0 + timedelta(days=12)
    with transaction(engine) as s:
        r = E.contest_work(s, wid, hh["1-1-101"], "楼道灯不亮", now=now)
    assert (r.contests, r.concerned, r.reopened) == (1, 300, False)
    with pytest.raises(AlreadyExists), transaction(engine) as s:
        E.contest_work(s, wid, hh["1-1-101"], "还是不亮", now=now)
    with pytest.raises(InvalidInput), transaction(engine) as s:
        E.contest_work(s, wid, hh["1-1-201"], "   ", now=now)
    with transaction(engine) as s:
        assert W.get_work(s, wid).status is W.Status.COMPLETED
        assert E.work_ratings(s, wid, now=now).contests == 1


def test_ratings_by_how_households_voted(engine):
    hh = _estate(engine)
    with transaction(engine) as s:
        bid = services.create_ballot(
            s, SLUG, "外墙刷白？", "simple-majority", who=local_admin("test")
        ).id
        services.cast_vote(s, bid, hh["1-1-101"], "yes")
        services.cast_vote(s, bid, hh["1-1-201"], "no")
        services.close_ballot(s, bid, who=local_admin("test"))
    wid = _completed_work(engine)
    with transaction(engine) as s:
        s.get(
            __import__("cocreate_map.storage.work_tables", fromlist=["WorkRow"]).WorkRow, wid
        ).ballot_id = bid
    now = T0 + timedelta(days=12)
    with transaction(engine) as s:
        E.rate_work(s, wid, hh["1-1-101"], 5, now=now)
        E.rate_work(s, wid, hh["1-1-201"], 4, now=now)
        E.rate_work(s, wid, hh["1-1-301"], 3, now=now)
        r = E.work_ratings(s, wid, now=now)
    assert {g.key: (g.rated, g.average_text) for g in r.summary.by_vote} == {
        "yes": (1, "5.00"),
        "no": (1, "4.00"),
    }


@given(st.lists(st.integers(1, 5), min_size=1, max_size=40))
def test_average_stays_within_one_and_five_and_a_five_never_lowers_it(stars):
    ratings = [dom.Rating(i, s, "1") for i, s in enumerate(stars)]
    before = dom.summarise({"1": 100}, ratings)
    assert 1 <= before.average <= 5
    after = dom.summarise({"1": 100}, [*ratings, dom.Rating(999, 5, "1")])
    assert after.average >= before.average
    assert 0 <= before.satisfaction <= 1


def test_convention_versions_signatures_and_progress(engine):
    hh = _estate(engine)
    with transaction(engine) as s:
        c = C.create_convention(
            s, SLUG, "卫生公约", "1. 垃圾分类投放\n2. 不乱堆杂物\n3. 爱护绿地", who=ADMIN
        )
    assert c.articles == ("垃圾分类投放", "不乱堆杂物", "爱护绿地") and c.version == 1
    with transaction(engine) as s:
        C.sign(s, c.id, hh["1-1-101"])
        C.sign(s, c.id, hh["2-1-101"])
    with pytest.raises(AlreadyExists), transaction(engine) as s:
        C.sign(s, c.id, hh["1-1-101"])
    with transaction(engine) as s:
        C.withdraw(s, c.id, hh["2-1-101"])
        p = C.progress(s, c.id)
    assert (p.households, p.signed) == (300, 1)
    by = {b.building: (b.households, b.signed) for b in p.by_building}
    assert by["1"] == (len(_in_building(hh, "1")), 1) and by["2"][1] == 0
    with transaction(engine) as s:
        v2 = C.revise_convention(s, c.id, "卫生公约", "1. 垃圾分类投放\n2. 不乱堆杂物", who=ADMIN)
        assert v2.version == 2 and C.progress(s, c.id).signed == 0  # a new text is signed anew
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        C.create_convention(s, SLUG, "公约", "1. 一条", who=None)


def test_building_chief_sees_unsigned_households_of_their_buildings(engine):
    hh = _estate(engine)
    with transaction(engine) as s:
        c = C.create_convention(s, SLUG, "卫生公约", "垃圾分类投放", buildings=["2"], who=ADMIN)
        cid = repo.community_by_slug(s, SLUG).id
        C.sign(s, c.id, hh["2-1-101"])
    chief = StaffIdentity("zhang", Role.BUILDING_CHIEF, cid, ("2",))
    with transaction(engine) as s:
        rooms = C.unsigned(s, c.id, chief)
    assert len(rooms) == len(_in_building(hh, "2")) - 1 and ("2", "1", "101") not in rooms
    with pytest.raises(InvalidInput), transaction(engine) as s:
        C.sign(s, c.id, hh["1-1-101"])  # building 1 is outside the convention's scope


def _jpeg_with_exif() -> bytes:
    import io

    from PIL import Image

    img = Image.new("RGB", (40, 30), (200, 180, 160))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMakerX"  # the camera's make: metadata that must not survive
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def test_a_rating_photo_is_kept_without_metadata_and_replaced_on_change(engine):
    hh = _estate(engine)
    wid = _completed_work(engine)
    now = T0 + timedelta(days=11)
    raw = _jpeg_with_exif()
    assert b"PhoneMakerX" in raw
    with transaction(engine) as s:
        E.rate_work(s, wid, hh["1-1-101"], 4, "", photo=raw, now=now)
        E.rate_work(s, wid, hh["1-1-101"], 5, "颜色好", photo=raw, now=now)
    with transaction(engine) as s:
        r = E.work_ratings(s, wid, now=now)
        [c] = r.comments
        assert c.stars == 5 and len(c.photo_ids) == 1  # the second photo replaced the first
        mime, data = E.rating_photo(s, c.photo_ids[0])
        assert mime == "image/jpeg" and b"PhoneMakerX" not in data
        # the work's milestones show no rating photo
        assert all(not m.photo_ids for m in W.work_detail(s, wid).milestones)
    with pytest.raises(InvalidInput), transaction(engine) as s:
        E.rate_work(s, wid, hh["1-1-201"], 3, photo=b"<svg onload=alert(1)>", now=now)
    with transaction(engine) as s:
        assert E.my_rating(s, wid, hh["1-1-201"]) is None  # the bad photo wrote nothing


def test_community_summary_has_its_denominators(engine):
    hh = _estate(engine)
    wid = _completed_work(engine)
    now = T0 + timedelta(days=11)
    with transaction(engine) as s:
        before = E.community_summary(s, SLUG)
        E.rate_work(s, wid, hh["1-1-101"], 5, now=now)
        E.rate_work(s, wid, hh["1-1-201"], 2, now=now)
        E.contest_work(s, wid, hh["1-1-201"], "没刷匀", now=now)
    with transaction(engine) as s:
        after = E.community_summary(s, SLUG)
        from cocreate_map.services import marks as M

        marks = M.summary(s, SLUG)
    assert after.works_rated == before.works_rated + 2
    assert after.works_satisfied == before.works_satisfied + 1
    assert after.works_evaluated == before.works_evaluated  # the work was completed already
    assert after.contests == before.contests + 1 and after.contested_works >= 1
    assert (after.marks_resolved, after.marks_adopted) == (
        before.marks_resolved,
        before.marks_adopted,
    )
    assert after.satisfaction == Fraction(after.works_satisfied, after.works_rated)
    assert (marks.resolved, marks.adopted) == (after.marks_resolved, after.marks_adopted)
