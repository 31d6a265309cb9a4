"""Issue 11.5: a vote staff enter for a household (assisted or paper) never silently replaces the
household's own online vote, nor the reverse: it is a conflict to settle, both kept."""

from __future__ import annotations

import pytest

from cocreate_map import services
from cocreate_map.services.access import local_admin
from cocreate_map.storage.ballot_tables import VoteConflictRow, VoteHistoryRow, VoteRow
from tests.services.test_ballots_service import new_ballot, reg, rows, vote  # noqa: F401


@pytest.mark.parametrize(
    ("first", "second"),
    [("online", "assisted"), ("assisted", "online"), ("online", "paper"), ("paper", "online")],
)
def test_staff_over_the_households_own_vote_is_a_conflict(engine, reg, first, second):  # noqa: F811
    bid = new_ballot(engine)
    hid = reg["1-1-101"][0]
    assert vote(engine, bid, hid, "yes", first).status == "recorded"
    assert vote(engine, bid, hid, "no", second).status == "conflict"
    [v] = rows(engine, VoteRow, ballot_id=bid)
    assert (v.choice, v.channel, v.casts) == ("yes", first, 1)  # the first still counts
    [c] = rows(engine, VoteConflictRow, ballot_id=bid)
    assert (c.choice, c.channel, c.resolved_at) == ("no", second, None)  # the second is kept
    from cocreate_map.storage.db import transaction

    with transaction(engine) as s:
        assert services.tally_ballot(s, bid).open_conflicts == 1
        services.resolve_conflict(s, c.id, take_this=True, who=local_admin("test"))
    [v] = rows(engine, VoteRow, ballot_id=bid)
    assert (v.choice, v.channel) == ("no", second)
    assert [h.channel for h in rows(engine, VoteHistoryRow, ballot_id=bid)] == [first, second]
    with transaction(engine) as s:
        assert all(r.ok for r in services.verify_audit(s))


@pytest.mark.parametrize(
    ("first", "second"),
    [("online", "online"), ("assisted", "assisted"), ("paper", "assisted"), ("assisted", "paper")],
)
def test_a_change_within_one_family_replaces(engine, reg, first, second):  # noqa: F811
    bid = new_ballot(engine)
    hid = reg["1-1-101"][0]
    vote(engine, bid, hid, "yes", first)
    assert vote(engine, bid, hid, "no", second).status == "changed"
    [v] = rows(engine, VoteRow, ballot_id=bid)
    assert (v.choice, v.channel, v.casts) == ("no", second, 2)
    assert rows(engine, VoteConflictRow, ballot_id=bid) == []
