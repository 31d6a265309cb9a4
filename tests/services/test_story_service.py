"""The decision story (issue 14.3) on the demo, on SQLite and on PostgreSQL/PostGIS: the wall
work from the 棉花白 ballot (the 11栋 wall mark follows it, receipts with a reversal and one
awaiting approval), its finished and rated first phase (work 3), and a layout-option ballot
whose options come with their metrics. Every figure is checked against the service that owns it
(marks, ballots, funds, evaluation), never against a number copied here."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from fractions import Fraction

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import DeclarativeBase

from cocreate_map import services
from cocreate_map.domain.annotations import Role
from cocreate_map.errors import NotFound
from cocreate_map.services import ballots as B
from cocreate_map.services import evaluation as E
from cocreate_map.services import funds as F
from cocreate_map.services import marks as M
from cocreate_map.services import story as S
from cocreate_map.services import works as W
from cocreate_map.services.access import local_admin
from cocreate_map.services.demo.evaluation import PHASE_ONE
from cocreate_map.services.demo.register import DEMO_SEEDED_CODES
from cocreate_map.services.demo.works import WALL_WORK
from cocreate_map.services.households import households_of
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.db import make_engine, migrate, transaction
from cocreate_map.storage.tables import utcnow
from tests.conftest import scratch_database

SLUG = services.DEMO_SLUG


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """One demo database per backend for the module (the demo takes a while to load)."""
    folder = tmp_path_factory.mktemp("story")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COCREATE_DATA_DIR", str(folder))
        if request.param == "sqlite":
            engine = make_engine(f"sqlite:///{folder / 'story.sqlite3'}")
            yield from _loaded(engine)
        else:
            request.getfixturevalue("pg_database_url")  # skips (fails on CI) with no server
            with scratch_database("cocreate_story") as url:
                yield from _loaded(make_engine(url))


def _loaded(engine: Engine) -> Iterator[Engine]:
    migrate(engine)
    with transaction(engine) as s:
        services.load_demo(s)
    try:
        yield engine
    finally:
        engine.dispose()


def _work_id(engine: Engine, title: str) -> int:
    with transaction(engine) as s:
        return next(w.id for w in W.list_works(s, SLUG) if w.title == title)


def _no_rows(value: object, path: str = "story") -> None:
    """Nothing in a story is an ORM row, a session-bound object or a mutable dataclass."""
    assert not isinstance(value, DeclarativeBase), path
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__module__.startswith("cocreate_map.services.story"):
            assert type(value).__dataclass_params__.frozen, path  # type: ignore[attr-defined]
        for f in dataclasses.fields(value):
            _no_rows(getattr(value, f.name), f"{path}.{f.name}")
    elif isinstance(value, tuple | list):
        for i, v in enumerate(value):
            _no_rows(v, f"{path}[{i}]")


def test_the_wall_story_from_mark_to_receipt(demo):
    wall = _work_id(demo, WALL_WORK)
    with transaction(demo) as s:
        story = S.work_story(s, wall)
        linked = W.work_detail(s, wall).marks
        mark_infos = {m.id: M.get_mark(s, m.id) for m in linked}
        tally = B.tally_ballot(s, story.work.ballot_id)
        money = F.work_money(s, wall)
        entries = [e for e in F.list_entries(s, SLUG, limit=10**9) if e.work_id == wall]
    _no_rows(story)
    with pytest.raises(dataclasses.FrozenInstanceError):
        story.work = None  # type: ignore[misc]
    # the marks: the 11栋 wall mark with its "me too" count as the marks service counts it
    assert [m.id for m in story.marks] == [m.id for m in linked] and story.marks
    for m in story.marks:
        assert m.supports == mark_infos[m.id].supports and m.supports > 0
        assert m.status.value == "in_progress"  # it follows the work in progress
    assert story.supports == sum(i.supports for i in mark_infos.values())
    # the ballot: the binding outcome and both measures, exactly as the results page has them
    b = story.ballot
    assert b is not None and b.decision.outcome == tally.decision.outcome == "passed"
    assert b.adopted == "棉花白" == tally.decision.winner
    c = tally.decision.binding.counts
    assert b.counts == c
    assert b.approval_households == Fraction(c.agreeing_households, c.participating_households)
    assert b.approval_area == c.agreeing_area_m2 / c.participating_area_m2
    assert b.participation_area == c.participating_area_m2 / c.area_m2
    assert {x.choice: x.households for x in b.choices} == {
        x.choice: x.households for x in tally.decision.binding.choices
    }
    assert sum(n for _, n in b.channels) == c.participating_households
    assert story.options == ()  # a colour ballot decided on no layout option
    # the work: its milestones and photos
    assert [m.progress_pct for m in story.milestones] == [5, 20, 45, 60]
    assert story.photos == 4
    # the money: every expense line of the work, in date order; spent = approved, net of the
    # reversed double booking; the one awaiting approval is pending
    assert (story.money.budget_fen, story.money.spent_fen, story.money.pending_fen) == (
        money.budget_fen, money.spent_fen, money.pending_fen,
    )  # fmt: skip
    assert story.money.in_kind_fen == money.in_kind_fen > 0
    assert sorted(r.entry_id for r in story.money.receipts) == sorted(
        e.id for e in entries if e.kind.value == "expense"
    )
    days = [r.occurred_on for r in story.money.receipts]
    assert days == sorted(days)
    counted = sum(r.amount_fen for r in story.money.receipts if r.status == "counted")
    assert counted == story.money.spent_fen
    assert sum(r.amount_fen for r in story.money.receipts if r.status == "pending") == (
        story.money.pending_fen
    )
    statuses = {r.status for r in story.money.receipts}
    assert {"counted", "pending", "reversed", "reversal"} <= statuses
    assert all(r.receipt_no for r in story.money.receipts)
    # not finished yet: no ratings
    assert story.ratings.summary.rated == 0


def test_the_finished_first_phase_story_has_its_ratings(demo):
    phase = _work_id(demo, PHASE_ONE)
    with transaction(demo) as s:
        story = S.work_story(s, phase)
        ratings = E.work_ratings(s, phase)
        wall_ballot = W.get_work(s, _work_id(demo, WALL_WORK)).ballot_id
        order = S.story_work_ids(s, SLUG)
    assert story.work.status.value == "completed" and story.work.progress_pct == 100
    assert story.ballot is not None and story.ballot.id == wall_ballot
    assert story.marks == () and story.money.receipts == () and story.money.spent_fen == 0
    sm = story.ratings.summary
    assert sm == ratings.summary and sm.rated > 0 and sm.households == 96
    assert 1 <= sm.average <= 5 and sm.average_text == ratings.summary.average_text
    assert sm.satisfaction == Fraction(sm.satisfied, sm.rated)
    assert [g.key for g in sm.by_building] == ["1", "2", "3", "4"]
    assert order.index(phase) < order.index(_work_id(demo, WALL_WORK))


def test_an_expense_booked_on_the_work_is_a_receipt_line_and_counts_once_approved(demo):
    phase = _work_id(demo, PHASE_ONE)
    with transaction(demo) as s:
        community = repo.community_by_slug(s, SLUG)
        treasurer = StaffIdentity("story.treasurer", Role.ADMIN, community.id)
        reviewer = StaffIdentity("story.reviewer", Role.PLANNER, community.id)
        e = F.add_entry(
            s, treasurer, SLUG, "expense", "1234.56", work_id=phase, payee="新堤涂料经营部",
            receipt_no="FP-0601", occurred_on=utcnow().date(),
        )  # fmt: skip
    with transaction(demo) as s:
        pending = S.work_story(s, phase).money
    [line] = [r for r in pending.receipts if r.entry_id == e.id]
    assert (line.status, line.amount_fen, line.receipt_no) == ("pending", 123456, "FP-0601")
    assert pending.pending_fen == 123456 and pending.spent_fen == 0
    with transaction(demo) as s:
        F.approve_entry(s, reviewer, e.id)
    with transaction(demo) as s:
        approved = S.work_story(s, phase).money
    assert approved.spent_fen == 123456 and approved.pending_fen == 0
    assert approved.spent_share == Fraction(123456, approved.budget_fen)


def test_a_layout_option_ballot_brings_its_options_and_metrics(demo):
    with transaction(demo) as s:
        names = [o.name for o in services.options.list_options(s, SLUG)][:2]
        community = repo.community_by_slug(s, SLUG)
        voters = households_of(s, community.id)[DEMO_SEEDED_CODES:]
        t0 = utcnow() - timedelta(days=3)
        ballot = B.create_ballot(
            s, SLUG, "草坪怎么改？", "simple-majority", kind="choose-one", options=names, opens_at=t0, closes_at=t0 + timedelta(days=1),
            who=local_admin("test"), now=t0,
        )  # fmt: skip
        for k, h in enumerate(voters):  # nearly everyone: passes even a statutory 3/4 test
            B.cast_vote(
                s, ballot.id, h.id, names[1] if k % 10 else names[0], "online",
                now=t0 + timedelta(hours=1, minutes=k),
            )  # fmt: skip
        B.close_ballot(s, ballot.id, who=local_admin("test"), now=t0 + timedelta(days=1))
        work = W.create_work(s, SLUG, "草坪改造", who=local_admin("test"), ballot_id=ballot.id)
        cmp = services.options.compare_options(s, SLUG, names)
    with transaction(demo) as s:
        story = S.work_story(s, work.id)
    assert [o.name for o in story.options] == names
    assert [o.adopted for o in story.options] == [False, True]
    for o in story.options:
        got = {m.key: m.value for m in o.metrics}
        assert set(got) == set(S.OPTION_METRICS)
        for key in S.OPTION_METRICS:
            want = cmp["options"][o.name].get(key)
            assert got[key] == (None if want is None else float(want))
    assert story.ballot is not None and story.ballot.adopted == names[1]


def test_an_unknown_work_is_not_found(demo):
    with transaction(demo) as s, pytest.raises(NotFound):
        S.work_story(s, 10**6)
