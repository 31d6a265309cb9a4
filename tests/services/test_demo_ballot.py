"""The demo has something to vote on (issue 10.5): a fresh demo opens a ballot on its three layout
options, some households have voted already, and the README's demo codes still vote on it."""

from __future__ import annotations

import re

from cocreate_map import config, services
from cocreate_map.services import ballots as B
from cocreate_map.services import households as H
from cocreate_map.services import meeting as M
from cocreate_map.services.demo import register as DR
from cocreate_map.services.demo.ballot import OPTIONS_BALLOT, OPTIONS_VOTES
from cocreate_map.services.demo.options import DEMO_OPTIONS
from cocreate_map.storage.db import transaction

SLUG = services.DEMO_SLUG


def test_demo_opens_a_ballot_on_its_options_with_votes_and_the_readme_codes_vote(engine):
    with transaction(engine) as s:
        services.load_demo(s)
    with transaction(engine) as s:
        running = [b for b in B.list_ballots(s, SLUG) if B.status(b) == "open"]
        assert [b.title for b in running] == [OPTIONS_BALLOT]
        (ballot,) = running
        names = [n for n, _ in DEMO_OPTIONS]
        assert (ballot.kind, ballot.choices, ballot.options) == ("choose-one", names, names)
        # option A loses green: the demo ballot runs under the 3/4 rule like any ballot on it
        assert (ballot.rule, ballot.matter_class) == ("civil-code-special", "special")
        assert ballot.show_running and ballot.closes_at is not None
        # the results page and the projector show it first
        assert B.list_ballots(s, SLUG)[0].id == ballot.id
        assert M.meeting_ballots(s, SLUG)[0].id == ballot.id
        res = B.tally_ballot(s, ballot.id)
        counted = {c.choice: c.households for c in res.result.choices}
        assert counted == {**OPTIONS_VOTES, "abstain": 0}
        snap = M.projector_snapshot(s, ballot.id)
        assert snap.status == "open" and snap.voted == sum(OPTIONS_VOTES.values())
        assert snap.choices is not None and {c.choice for c in snap.choices} >= set(names)
        # nobody voted with the README's codes: they are free to try
        ids = {h.label: h.id for h in H.households_of(s, ballot.community_id)}
        readme = [(label, code) for label, code in DR.demo_codes()]
        assert all(B.my_vote(s, ballot.id, ids[label]) is None for label, _ in readme)
        bid = ballot.id
    # every code published in the README joins and votes on the demo ballot
    text = (config.PROJECT_ROOT / "README.md").read_text("utf-8")
    published = re.findall(r"`([A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{4})`", text)
    assert sorted(published) == sorted(code for _, code in DR.demo_codes())
    assert f"/vote?community={SLUG}&code={published[0]}" in text
    for i, code in enumerate(published):
        with transaction(engine) as s:
            joined = H.join_with_code(s, SLUG, code, client=f"10.0.0.{i}|readme")
            assert joined.household is not None, code
            cast = B.cast_vote(s, bid, joined.household.id, names[1], "online")
            assert cast.status == "recorded", code
    with transaction(engine) as s:
        counted = {c.choice: c.households for c in B.tally_ballot(s, bid).result.choices}
    assert counted[names[1]] == OPTIONS_VOTES[names[1]] + len(published)
