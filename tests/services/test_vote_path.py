"""The vote's short path (issue 16.4): what a vote reads of its community before its first
write (chain id, archive mark) is read again under the chain lock, so an archive or a close
that commits meanwhile still wins. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.errors import BallotClosed, PermissionDenied
from cocreate_map.services import ballots
from cocreate_map.services.access import local_admin
from cocreate_map.storage import votes_repo
from cocreate_map.storage.ballot_tables import AuditRow, VoteHistoryRow, VoteRow
from cocreate_map.storage.db import transaction
from tests.services.ballot_factories import make_register

SLUG = "test-estate"
ADMIN = local_admin("test")


@pytest.fixture
def ballot(engine):
    reg = make_register(engine)
    with transaction(engine) as s:
        bid = services.create_ballot(s, SLUG, "采纳方案B？", "simple-majority", who=ADMIN).id
    return bid, sorted(hid for hid, _ in reg.values())


def counts(engine) -> tuple[int, int, int]:
    with transaction(engine) as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t))
            for t in (VoteRow, VoteHistoryRow, AuditRow)
        )


def test_a_vote_in_an_archived_community_is_refused_in_both_languages(engine, ballot):
    bid, ids = ballot
    with transaction(engine) as s:
        services.archive_community(s, SLUG, who=ADMIN)
    before = counts(engine)
    with pytest.raises(PermissionDenied) as info, transaction(engine) as s:
        services.cast_vote(s, bid, ids[0], "yes")
    assert "归档" in info.value.render("zh") and "archived" in info.value.render("en")
    assert counts(engine) == before


@pytest.mark.parametrize("meanwhile", ["archive", "close"])
def test_an_archive_or_close_committed_after_the_vote_read_its_ballot_wins(
    engine, ballot, monkeypatch, meanwhile
):
    """Another transaction archives the community (or closes the ballot) after the vote has read
    its ballot and community and before it writes: the vote is refused and leaves nothing."""
    bid, ids = ballot
    real = votes_repo.upsert_vote

    def upsert_after_the_other(session, **kw):  # noqa: ANN001, ANN003
        with transaction(engine) as other:
            if meanwhile == "archive":
                services.archive_community(other, SLUG, who=ADMIN)
            else:
                services.close_ballot(other, bid, who=ADMIN)
        return real(session, **kw)

    monkeypatch.setattr(votes_repo, "upsert_vote", upsert_after_the_other)
    before = counts(engine)
    with pytest.raises((PermissionDenied, BallotClosed)) as info, transaction(engine) as s:
        ballots.cast_vote(s, bid, ids[0], "yes")
    assert isinstance(info.value, PermissionDenied if meanwhile == "archive" else BallotClosed)
    votes, history, entries = counts(engine)
    assert (votes, history) == before[:2]
    assert entries == before[2] + 1  # the other transaction's entry only
