"""12 processes tap "me too" again and again for the same households on one mark.

Every process taps for its own slice of households *and* its neighbour's slice, three times each
in a shuffled order, so two processes insert the same (mark, household) at the same moment. The
author's household taps too and is refused. Ground truth: every household of the two slices except
the author supports once. Expected: exactly one row per household, the count equals the truth,
exactly one tap per household reports "added", no lock errors.
"""

from __future__ import annotations

import multiprocessing as mp
import random

import pytest
from shapely.geometry import Point
from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.domain.annotations import Role
from cocreate_map.errors import PermissionDenied
from cocreate_map.services import marks as M
from cocreate_map.services.staff import StaffIdentity
from cocreate_map.storage.db import make_engine, migrate, transaction
from cocreate_map.storage.mark_tables import MarkSupportRow
from tests.services.ballot_factories import make_register

SLUG = "crowd-marks"
HOUSEHOLDS = 240
PROCESSES = 12
TAPS = 3
#: the last 24 households never tap
SILENT = 24


def worker(url: str, mark_id: int, ids: list[int], w: int, barrier) -> tuple[list[int], int]:  # noqa: ANN001
    engine = make_engine(url)
    rng = random.Random(w)
    mine = ids[w::PROCESSES]
    neighbour = ids[(w + 1) % PROCESSES :: PROCESSES]
    order = (mine + neighbour) * TAPS
    rng.shuffle(order)
    added: list[int] = []
    refused = 0
    barrier.wait()  # everybody starts at once
    for hid in order:
        try:
            with transaction(engine) as s:
                was_added, _ = M.support_mark(s, mark_id, hid)
        except PermissionDenied:
            refused += 1
            continue
        if was_added:
            added.append(hid)
    engine.dispose()
    return added, refused


def run(url: str) -> None:
    engine = make_engine(url)
    migrate(engine)
    reg = make_register(engine, slug=SLUG, buildings=[(str(b), 20) for b in range(1, 13)])
    assert len(reg) == HOUSEHOLDS
    ids = sorted(hid for hid, _ in reg.values())
    author = ids[0]
    staff = StaffIdentity("planner", Role.PLANNER)
    with transaction(engine) as s:
        mark_id = M.submit_mark(s, SLUG, author, "lighting", "路灯不亮", Point(114.3, 30.5)).mark.id
        M.apply_action(s, mark_id, "publish", staff)
    tapping = ids[:-SILENT]
    ctx = mp.get_context("spawn")
    barrier = ctx.Manager().Barrier(PROCESSES)
    with ctx.Pool(PROCESSES) as pool:
        results = [
            pool.apply_async(worker, (url, mark_id, tapping, w, barrier)) for w in range(PROCESSES)
        ]
        outcomes = [r.get(timeout=600) for r in results]
    truth = set(tapping) - {author}
    added = [hid for got, _ in outcomes for hid in got]
    assert sorted(added) == sorted(truth)  # exactly one "added" per household, across processes
    # the author's household is in two slices and taps TAPS times in each
    assert sum(refused for _, refused in outcomes) == 2 * TAPS
    with transaction(engine) as s:
        rows = s.execute(
            select(MarkSupportRow.household_id).where(MarkSupportRow.mark_id == mark_id)
        ).all()
        distinct = s.scalar(select(func.count(func.distinct(MarkSupportRow.household_id))))
        info = M.get_mark(s, mark_id)
        [listed] = M.list_marks(s, SLUG)
        [audit] = services.verify_audit(s, SLUG)
    assert len(rows) == distinct == len(truth)
    assert {hid for (hid,) in rows} == truth
    assert info.supports == listed.supports == len(truth) == HOUSEHOLDS - SILENT - 1
    assert audit.ok, audit.problems
    engine.dispose()


def test_concurrent_me_too_on_sqlite(tmp_path):
    run(f"sqlite:///{tmp_path / 'crowd.sqlite3'}")


@pytest.mark.postgres
def test_concurrent_me_too_on_postgres(pg_database_url):
    from sqlalchemy import text

    engine = make_engine(pg_database_url)
    migrate(engine)
    with engine.begin() as conn:  # a clean slate on the shared session database
        conn.execute(text("DELETE FROM communities WHERE slug = :s"), {"s": SLUG})
    engine.dispose()
    run(pg_database_url)
