"""2,000 households vote and re-vote from 16 processes at once: one row each, exact tally.

Round 1: every process votes for its own slice *and* its neighbour's slice with random choices,
so two processes upsert the same rows at the same moment. A barrier; round 2: every process
casts the final vote for its neighbour's slice. The ground truth is round 2.
"""

from __future__ import annotations

import multiprocessing as mp
import random

import pytest
from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.services.access import local_admin
from cocreate_map.storage.ballot_tables import VoteHistoryRow, VoteRow
from cocreate_map.storage.db import make_engine, migrate, transaction
from tests.services.ballot_factories import make_register

HOUSEHOLDS = 2000
PROCESSES = 16
CHOICES = ("yes", "no", "abstain")


def final_choice(household_id: int) -> str:
    return CHOICES[(household_id * 7) % 3]


def worker(url: str, ballot_id: int, ids: list[int], w: int, barrier) -> int:  # noqa: ANN001
    engine = make_engine(url)
    rng = random.Random(w)
    mine = ids[w::PROCESSES]
    neighbour = ids[(w + 1) % PROCESSES :: PROCESSES]
    errors = 0
    order = mine + neighbour
    rng.shuffle(order)
    for hid in order:
        with transaction(engine) as s:
            services.cast_vote(s, ballot_id, hid, rng.choice(CHOICES))
    barrier.wait()
    for hid in neighbour:
        with transaction(engine) as s:
            services.cast_vote(s, ballot_id, hid, final_choice(hid))
    engine.dispose()
    return errors


def run(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    reg = make_register(engine, slug="crowd", buildings=[(str(b), 100) for b in range(1, 21)])
    assert len(reg) == HOUSEHOLDS
    with transaction(engine) as s:
        ballot_id = services.create_ballot(
            s, "crowd", "Adopt B?", "simple-majority", who=local_admin("test")
        ).id
    ids = sorted(hid for hid, _ in reg.values())
    ctx = mp.get_context("spawn")
    barrier = ctx.Manager().Barrier(PROCESSES)
    with ctx.Pool(PROCESSES) as pool:
        results = [
            pool.apply_async(worker, (url, ballot_id, ids, w, barrier)) for w in range(PROCESSES)
        ]
        assert [r.get(timeout=600) for r in results] == [0] * PROCESSES
    with transaction(engine) as s:
        n = s.scalar(
            select(func.count()).select_from(VoteRow).where(VoteRow.ballot_id == ballot_id)
        )
        distinct = s.scalar(select(func.count(func.distinct(VoteRow.household_id))))
        history = s.scalar(select(func.count()).select_from(VoteHistoryRow))
        got = dict(s.execute(select(VoteRow.household_id, VoteRow.choice)).all())
        res = services.tally_ballot(s, ballot_id)
        [audit] = services.verify_audit(s, "crowd")
    assert n == distinct == HOUSEHOLDS
    assert history == 3 * HOUSEHOLDS
    assert got == {hid: final_choice(hid) for hid in ids}
    truth = {c: sum(1 for hid in ids if final_choice(hid) == c) for c in CHOICES}
    assert {t.choice: t.households for t in res.result.choices} == truth
    assert audit.ok, audit.problems
    engine.dispose()


def test_concurrent_votes_on_sqlite(tmp_path):
    run(f"sqlite:///{tmp_path / 'crowd.sqlite3'}")


@pytest.mark.postgres
def test_concurrent_votes_on_postgres(pg_database_url):
    from sqlalchemy import text

    # a clean slate on the shared session database
    engine = make_engine(pg_database_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM communities WHERE slug = 'crowd'"))
    engine.dispose()
    run(pg_database_url)
