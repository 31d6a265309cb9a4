"""Meeting-mode read models on SQLite and PostgreSQL/PostGIS: the projector snapshot is exact
and read-only; the pack's ballot numbers follow building/unit/room order."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.services import meeting as M
from cocreate_map.storage.ballot_tables import AuditRow
from cocreate_map.storage.db import transaction
from tests.services.ballot_factories import make_register


def test_snapshot_counts_both_measures_exactly_and_writes_nothing(engine):
    reg = make_register(engine)
    with transaction(engine) as s:
        bid = services.create_ballot(s, "test-estate", "Q?", "co-creation-two-thirds").id
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
            s, "test-estate", "Q?", "co-creation-two-thirds", show_running=False
        ).id
    with transaction(engine) as s:
        assert M.projector_snapshot(s, bid).choices is None
        services.close_ballot(s, bid)
    with transaction(engine) as s:
        snap = M.projector_snapshot(s, bid)
    assert snap.revealed and snap.outcome == "invalid" and snap.checks and snap.reasons


def test_join_link_and_paper_numbers(engine):
    make_register(engine)
    assert M.join_link("http://x.cn/", "a b") == "http://x.cn/vote?community=a+b"
    with transaction(engine) as s:
        bid = services.create_ballot(s, "test-estate", "Q?", "simple-majority").id
        ballot = services.ballots.get_ballot(s, bid)
        papers = M.paper_households(s, ballot)
        listed = M.meeting_ballots(s, "test-estate")
    assert len(papers) == 10 and papers[0].ballot_no == f"B{bid}-0001"
    assert [(p.building, p.room) for p in papers[:2]] == [("1", "101"), ("1", "201")]
    assert listed[0].id == bid and listed[0].status == "open"
