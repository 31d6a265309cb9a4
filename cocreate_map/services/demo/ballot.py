"""The demo's live vote (issue 10.5): an open ballot on the three demo layout options, so a fresh
``scripts/serve`` has something to vote on — the README's vote link, the results page and the
projector's ballot and result panels show it. A few households (never those of the README's demo
codes, which stay free to try) have voted already, online and on paper, through the ordinary
vote use case, so the tally is not empty. Everything goes through the real use cases (audited)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from cocreate_map.services import ballots
from cocreate_map.services.access import local_admin
from cocreate_map.services.demo.options import DEMO_OPTIONS
from cocreate_map.services.demo.register import DEMO_SEEDED_CODES
from cocreate_map.services.households import households_of
from cocreate_map.storage import repositories as repo
from cocreate_map.storage.tables import utcnow

OPTIONS_BALLOT = "停车和绿地怎么改？三个方案选一个"
#: votes cast already, per option (about one household in eight): the hall sees a running tally
OPTIONS_VOTES = {DEMO_OPTIONS[1][0]: 17, DEMO_OPTIONS[2][0]: 12, DEMO_OPTIONS[0][0]: 7}
OPEN_DAYS_BEFORE = 2  # opened two days before the demo was loaded
OPEN_DAYS_AFTER = 12  # closes twelve days after


def load_demo_ballot(session: Session, slug: str) -> int:
    """Open the ballot on the demo options once (found by its title afterwards). Returns its id."""
    for b in ballots.list_ballots(session, slug):
        if b.title == OPTIONS_BALLOT:
            return b.id
    community = repo.community_by_slug(session, slug)
    now = utcnow()
    opens = now - timedelta(days=OPEN_DAYS_BEFORE)
    admin = local_admin("demo")
    names = [name for name, _ in DEMO_OPTIONS]
    ballot = ballots.create_ballot(
        session, slug, OPTIONS_BALLOT, None, options=names,
        advice=ballots.rule_for_options(session, slug, names),
        description="三个改造方案已在方案比选页和居民代表会上介绍。每户一票，"
        "投票截止前可以改票。网上投票作为征询意见，纸质票在居委会登记。",
        opens_at=opens, closes_at=now + timedelta(days=OPEN_DAYS_AFTER), who=admin, now=opens,
    )  # fmt: skip
    voters = households_of(session, community.id)[DEMO_SEEDED_CODES:]  # demo codes stay free
    step = max(1, len(voters) // sum(OPTIONS_VOTES.values()))  # spread over the buildings
    k = 0
    for choice, n in OPTIONS_VOTES.items():
        for _ in range(n):
            paper = k % 4 == 3  # a paper ballot entered by staff now and then
            ballots.cast_vote(
                session, ballot.id, voters[k * step].id, choice, "paper" if paper else "online",
                now=opens + timedelta(hours=1 + k), who=admin if paper else None,
            )  # fmt: skip
            k += 1
    return ballot.id
