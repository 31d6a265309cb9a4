"""What votes cost: tally time for a 10,000-household ballot, and votes accepted per second with
16 concurrent writer processes beside the raw INSERT rate of the same database.

    python benchmarks/votes.py [--writers 16] [--per-writer 150] [--skip-postgres]

``tally`` = one ``services.tally_ballot`` (database read + exact Fraction tally + turnout per
building), median of 3, for 10,000 households of which 8,000 voted. ``cast/s`` = votes accepted per
second through ``services.cast_vote`` (validation, upsert, history row, hash-chained audit entry;
one transaction per vote), all writers at once on households of their own. ``raw/s`` = one-row
INSERT transactions per second into a bare table from the same number of processes (the floor of
what the database can commit). ``ratio`` = cast/s ÷ raw/s. PostgreSQL is the local server
(COCREATE_TEST_PG_URL or postgres@127.0.0.1:5432); a scratch database is created and dropped.
Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import uuid
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get(
    "COCREATE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
HOUSEHOLDS = 10_000


def _setup(url: str, slug: str, households: int):  # noqa: ANN202
    from cocreate_map import services
    from cocreate_map.domain.households import RegisterRow
    from cocreate_map.services import households as H
    from cocreate_map.storage import repositories as repo
    from cocreate_map.storage.db import make_engine, migrate, transaction

    engine = make_engine(url)
    migrate(engine)
    rows = [
        RegisterRow(
            str(1 + i // 100),
            str(1 + (i // 50) % 2),
            f"{i % 50 + 101}",
            Fraction(4500 + i % 4500, 100),
        )
        for i in range(households)
    ]
    with transaction(engine) as s:
        services.create_community(s, slug, "压测小区")
        H.add_register_rows(s, repo.community_by_slug(s, slug), rows, actor="bench")
    with transaction(engine) as s:
        ballot_id = services.create_ballot(s, slug, "bench", "civil-code-ordinary").id
        ids = [h.id for h in services.list_households(s, slug)]
    return engine, ballot_id, ids


def bench_tally(url: str) -> float:
    from sqlalchemy import insert

    from cocreate_map import services
    from cocreate_map.storage.ballot_tables import VoteRow
    from cocreate_map.storage.db import transaction
    from cocreate_map.storage.tables import utcnow

    engine, ballot_id, ids = _setup(url, "bench-tally", HOUSEHOLDS)
    now = utcnow()
    choices = ("yes", "no", "abstain")
    with transaction(engine) as s:  # 8,000 votes written directly: the tally is what is timed
        s.execute(
            insert(VoteRow),
            [
                {"ballot_id": ballot_id, "household_id": hid, "choice": choices[i % 3],
                 "channel": "online", "ballot_no": None, "cast_at": now, "casts": 1}
                for i, hid in enumerate(ids[:8000])
            ],
        )  # fmt: skip
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        with transaction(engine) as s:
            res = services.tally_ballot(s, ballot_id)
        times.append(time.perf_counter() - t0)
    assert res.result.counts.participating_households == 8000
    engine.dispose()
    return statistics.median(times)


def _cast_worker(url: str, ballot_id: int, ids: list[int], start, out) -> None:  # noqa: ANN001
    from cocreate_map import services
    from cocreate_map.storage.db import make_engine, transaction

    engine = make_engine(url)
    start.wait()
    t0 = time.perf_counter()
    for i, hid in enumerate(ids):
        with transaction(engine) as s:
            services.cast_vote(s, ballot_id, hid, "yes" if i % 2 else "no")
    out.put(time.perf_counter() - t0)
    engine.dispose()


def _raw_worker(url: str, w: int, n: int, start, out) -> None:  # noqa: ANN001
    from sqlalchemy import text

    from cocreate_map.storage.db import make_engine

    engine = make_engine(url)
    start.wait()
    t0 = time.perf_counter()
    for i in range(n):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_raw (w, i) VALUES (:w, :i)"), {"w": w, "i": i})
    out.put(time.perf_counter() - t0)
    engine.dispose()


def _run(target, args_for, writers: int) -> float:  # noqa: ANN001
    ctx = mp.get_context("spawn")
    start = ctx.Manager().Barrier(writers + 1)
    out = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args_for(w), start, out)) for w in range(writers)]
    for p in procs:
        p.start()
    start.wait()
    t0 = time.perf_counter()
    for p in procs:
        p.join()
    return time.perf_counter() - t0


def bench_writes(url: str, writers: int, per_writer: int) -> tuple[float, float]:
    from sqlalchemy import text

    engine, ballot_id, ids = _setup(url, "bench-writes", writers * per_writer)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_raw"))
        conn.execute(text("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, w INTEGER, i INTEGER)"
                          if engine.dialect.name == "sqlite" else
                          "CREATE TABLE bench_raw (id SERIAL PRIMARY KEY, w INTEGER, i INTEGER)"))  # fmt: skip
    engine.dispose()
    total = writers * per_writer
    cast_s = _run(_cast_worker, lambda w: (url, ballot_id, ids[w::writers]), writers)
    raw_s = _run(_raw_worker, lambda w: (url, w, per_writer), writers)
    return total / cast_s, total / raw_s


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--per-writer", type=int, default=150)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("SQLite", f"sqlite:///{tmp}/tally.sqlite3", f"sqlite:///{tmp}/writes.sqlite3"))
        if not args.skip_postgres:
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
            names = [f"cocreate_bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
            with admin.connect() as conn:
                for n in names:
                    conn.execute(text(f'CREATE DATABASE "{n}"'))
            base = make_url(PG_URL)
            rows.append(
                (
                    "PostgreSQL",
                    *(base.set(database=n).render_as_string(hide_password=False) for n in names),
                )
            )
        print(
            f"{'database':<11} {'tally 10k':>10} {'cast/s':>9} {'raw/s':>9} {'ratio':>6}   ({args.writers} writers × {args.per_writer} votes)"
        )
        try:
            for name, tally_url, writes_url in rows:
                tally_s = bench_tally(tally_url)
                cast_rate, raw_rate = bench_writes(writes_url, args.writers, args.per_writer)
                print(
                    f"{name:<11} {tally_s * 1000:>8.0f} ms {cast_rate:>9.0f} {raw_rate:>9.0f} {cast_rate / raw_rate:>6.2f}"
                )
        finally:
            if not args.skip_postgres:
                with admin.connect() as conn:
                    for n in names:
                        conn.execute(text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": n})  # fmt: skip
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{n}"'))
                admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
