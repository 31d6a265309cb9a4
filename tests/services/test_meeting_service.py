"""Meeting-mode read models on SQLite and PostgreSQL/PostGIS: the projector snapshot is exact
and read-only; the pack's ballot numbers follow building/unit/room order, are recorded, and a
reprint reuses them."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.domain.households import RegisterRow
from cocreate_map.services import households as H
from cocreate_map.services import meeting as M
from cocreate_map.services.access import local_admin
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.ballot_tables import AuditRow, PaperBallotNumberRow
from cocreate_map.storage.db import transaction
from tests.services.ballot_factories import make_register


def test_snapshot_counts_both_measures_exactly_and_writes_nothing(engine):
    reg = make_register(engine)
    with transaction(engine) as s:
        bid = services.create_ballot(
            s, "test-estate", "Q?", "co-creation-two-thirds", who=local_admin("test")
        ).id
    ids = [hid for hid, _ in reg.values()]
    with transaction(engine) as s:
        for hid in ids[:3]:
            services.cast_vote(s, bid, hid, "yes")
    with transaction(engine) as s:
        before = s.scalar(select(func.count()).select_from(AuditRow))
        snap = M.projector_snapshot(s, bid)
        after = s.scalar(select(func.count()).select_from(AuditRow))
        assert not s.new and not s.dirty
    assert before == after
    assert snap.households.numerator == 3 and snap.households.denominator == 10
    assert snap.households.ratio == Fraction(3, 10) and snap.households.percent == "30.0"
    assert snap.households.threshold is not None and not snap.households.met
    assert snap.area.denominator > snap.area.numerator > 0
    assert snap.status == "open" and snap.outcome is None and snap.choices is not None
    assert {c.choice: c.households for c in snap.choices}["yes"] == 3


def test_hidden_running_results_and_reveal_at_close(engine):
    make_register(engine)
    with transaction(engine) as s:
        bid = services.create_ballot(
            s,
            "test-estate",
            "Q?",
            "co-creation-two-thirds",
            show_running=False,
            who=local_admin("test"),
        ).id
    with transaction(engine) as s:
        assert M.projector_snapshot(s, bid).choices is None
        services.close_ballot(s, bid, who=local_admin("test"))
    with transaction(engine) as s:
        snap = M.projector_snapshot(s, bid)
    assert snap.revealed and snap.outcome == "invalid" and snap.checks and snap.reasons


def test_join_link_and_paper_numbers(engine):
    make_register(engine)
    assert M.join_link("http://x.cn/", "a b") == "http://x.cn/vote?community=a+b"
    with transaction(engine) as s:
        bid = services.create_ballot(
            s, "test-estate", "Q?", "simple-majority", who=local_admin("test")
        ).id
        ballot = services.ballots.get_ballot(s, bid)
        papers = M.paper_households(s, ballot, who=local_admin("test"))
        listed = M.meeting_ballots(s, "test-estate")
    assert len(papers) == 10 and papers[0].ballot_no == f"B{bid}-0001"
    assert [(p.building, p.room) for p in papers[:2]] == [("1", "101"), ("1", "201")]
    assert listed[0].id == bid and listed[0].status == "open"


def _numbers(engine, bid):
    with transaction(engine) as s:
        return {
            r.household_id: (r.ballot_no, r.issued_at)
            for r in s.scalars(
                select(PaperBallotNumberRow).where(PaperBallotNumberRow.ballot_id == bid)
            )
        }


def _print(engine, bid):
    with transaction(engine) as s:
        return M.paper_households(s, services.ballots.get_ballot(s, bid), who=local_admin("test"))


def test_pack_numbers_are_recorded_and_a_reprint_reuses_them(engine):
    reg = make_register(engine)
    with transaction(engine) as s:
        bid = services.create_ballot(
            s, "test-estate", "Q?", "simple-majority", who=local_admin("test")
        ).id
    first = _print(engine, bid)
    stored = _numbers(engine, bid)
    assert [p.ballot_no for p in first] == [f"B{bid}-{i:04d}" for i in range(1, 11)]
    assert all(p.issued_now for p in first)
    assert stored[reg["1-1-101"][0]][0] == f"B{bid}-0001"
    again = _print(engine, bid)
    assert [(p.ballot_no, p.room) for p in again] == [(p.ballot_no, p.room) for p in first]
    assert not any(p.issued_now for p in again)
    assert _numbers(engine, bid) == stored  # same rows, same issue times
    # A household registered after the first print (it sorts first) gets the next number;
    # everyone else keeps theirs.
    with transaction(engine) as s:
        H.add_register_rows(
            s,
            repo.community_by_slug(s, "test-estate"),
            [RegisterRow("1", "1", "001", Fraction("50"), None, 1)],
            who=local_admin("test"),
        )
    third = _print(engine, bid)
    assert (third[0].room, third[0].ballot_no, third[0].issued_now) == ("001", f"B{bid}-0011", True)
    assert [(p.ballot_no, p.room) for p in third[1:]] == [(p.ballot_no, p.room) for p in first]
    with transaction(engine) as s:
        logged = list(s.scalars(select(AuditRow).where(AuditRow.action == "ballot.paper_numbers")))
        assert all(r.ok for r in services.verify_audit(s))
    assert [(r.payload["issued"], r.payload["first"], r.payload["last"]) for r in logged] == [
        (10, f"B{bid}-0001", f"B{bid}-0010"),
        (1, f"B{bid}-0011", f"B{bid}-0011"),
    ]


def test_numbers_are_per_ballot_and_only_for_its_electorate(engine):
    reg = make_register(engine)
    with transaction(engine) as s:
        one = services.create_ballot(
            s, "test-estate", "1栋?", "simple-majority", buildings=["1"], who=local_admin("test")
        ).id
        two = services.create_ballot(
            s, "test-estate", "2栋?", "simple-majority", buildings=["2"], who=local_admin("test")
        ).id
    assert [p.ballot_no for p in _print(engine, two)][:1] == [f"B{two}-0001"]
    assert len(_print(engine, one)) == 6
    assert set(_numbers(engine, two)) == {reg[f"2-1-{k}01"][0] for k in range(1, 5)}
