"""What votes cost: tally time for a 10,000-household ballot, and votes accepted per second with
16 concurrent writer processes beside the raw INSERT rate of the same database, and again while a
projector reads the live tally.

    python benchmarks/votes.py [--writers 16] [--per-writer 150] [--projector-every 0.25]
                               [--rounds 2] [--skip-postgres]

``tally`` = one ``services.tally_ballot`` (database read + exact Fraction tally + turnout per
building), median of 3, for 10,000 households of which 8,000 voted. ``cast/s`` = votes accepted per
second through ``services.cast_vote`` (validation, upsert, history row, hash-chained audit entry;
one transaction per vote), all writers at once on households of their own, over ``--rounds`` runs
on fresh ballots. ``raw/s`` = one-row INSERT transactions per second into a bare table from the
same number of processes (the floor of what the database can commit). ``cast/raw`` = cast/s ÷
raw/s. ``+proj/s`` = cast/s again, in as many runs alternating with those of cast/s (A B, B A, …),
while one more process does what the meeting projector's fragment does — one
``services.meeting.projector_snapshot`` in its own read-only transaction — on the ballot being
voted on, every ``--projector-every`` seconds (the page does it every 2 s; the default 0.25 s
stresses it 8×). ``proj/cast`` = +proj/s ÷ cast/s (1.00 = the projector costs the phones nothing).
``snapshots`` = how many snapshots that process read and their median time (the electorate is
writers × per-writer households). PostgreSQL is the local server (COCREATE_TEST_PG_URL or
postgres@127.0.0.1:5432); a scratch database is created and dropped. Figures from a machine busy
with other work are noisy: compare the two rates of one run, not runs of different days.
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
    from cocreate_map.services.access import local_admin
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
        services.create_community(s, slug, "压测小区", who=local_admin("bench"))
        H.add_register_rows(s, repo.community_by_slug(s, slug), rows, who=local_admin("bench"))
    with transaction(engine) as s:
        ballot_id = services.create_ballot(
            s, slug, "bench", "civil-code-ordinary", who=local_admin("bench")
        ).id
        ids = [h.id for h in services.list_households(s, slug)]
    return engine, ballot_id, ids


def bench_tally(url: str, households: int = HOUSEHOLDS, repeat: int = 5) -> dict[str, float]:
    """Project (``services.tally_ballot``) and floor (one bare ``GROUP BY choice`` with the area
    summed) alternating, ``repeat`` times each, on ``households`` with 80 % voted. Returns
    medians and minima in seconds."""
    from sqlalchemy import insert, text

    from cocreate_map import services
    from cocreate_map.services.ballots import get_ballot
    from cocreate_map.storage.ballot_tables import VoteRow
    from cocreate_map.storage.db import transaction
    from cocreate_map.storage.tables import utcnow

    engine, ballot_id, ids = _setup(url, f"bench-tally-{households}", households)
    now = utcnow()
    choices = ("yes", "no", "abstain")
    voted = households * 8 // 10
    with transaction(engine) as s:  # votes written directly: the tally is what is timed
        s.execute(
            insert(VoteRow),
            [
                {"ballot_id": ballot_id, "household_id": hid, "choice": choices[i % 3],
                 "channel": "online", "ballot_no": None, "cast_at": now, "casts": 1}
                for i, hid in enumerate(ids[:voted])
            ],
        )  # fmt: skip
    cents = "CAST(REPLACE(h.area_m2, '.', '') AS BIGINT)"
    floor_sql = text(
        f"SELECT CAST(v.choice AS TEXT), COUNT(*), SUM({cents}) FROM votes v "
        "JOIN households h ON h.id = v.household_id WHERE v.ballot_id = :b "
        "GROUP BY CAST(v.choice AS TEXT)"
    )
    with transaction(engine) as s:
        community_id = get_ballot(s, ballot_id).community_id
    project, scoped, floor = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with transaction(engine) as s:
            res = services.tally_ballot(s, ballot_id)
        project.append(time.perf_counter() - t0)
        t0 = (
            time.perf_counter()
        )  # as the results page and the projector do: in its community's scope
        with transaction(engine, community=community_id) as s:
            scoped_res = services.tally_ballot(s, ballot_id)
        scoped.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(floor_sql, {"b": ballot_id}).all()
        floor.append(time.perf_counter() - t0)
    assert res.result.counts.participating_households == voted
    assert scoped_res.result.counts == res.result.counts
    engine.dispose()
    return {
        "scoped_median": statistics.median(scoped),
        "median": statistics.median(project),
        "min": min(project),
        "floor_median": statistics.median(floor),
        "floor_min": min(floor),
    }


def print_tally_rows(name: str, url_for, sizes: tuple[int, ...]) -> float:  # noqa: ANN001
    """Print one row per size; return the median of the largest (seconds)."""
    r: dict[str, float] = {}
    for n in sizes:
        r = bench_tally(url_for(n), n)
        print(
            f"tally {name:<11} {n:>6,} households  project {r['median'] * 1000:7.0f} ms "
            f"(min {r['min'] * 1000:5.0f})  GROUP BY {r['floor_median'] * 1000:6.1f} ms "
            f"(min {r['floor_min'] * 1000:5.1f})  ratio {r['median'] / r['floor_median']:6.1f}×  "
            f"in the community's scope {r['scoped_median'] * 1000:5.0f} ms "
            f"({r['scoped_median'] / r['median']:4.2f}× unscoped)"
        )
    return r["median"]


WARM_VOTES = 10


def _cast_worker(url: str, ballot_id: int, ids: list[int], warm: int, start, out) -> None:  # noqa: ANN001
    from cocreate_map import services
    from cocreate_map.services.ballots import get_ballot
    from cocreate_map.storage.db import make_engine, transaction

    engine = make_engine(url)
    with transaction(engine) as s:
        community_id = get_ballot(s, ballot_id).community_id
    # A server replica has cast votes before: its statement caches and the signing key are
    # warm. So is this process, on a ballot of its own, before the clock starts.
    for hid in ids[:WARM_VOTES]:
        with transaction(engine, community=community_id) as s:
            services.cast_vote(s, warm, hid, "yes")
    start.wait()
    t0 = time.perf_counter()
    for i, hid in enumerate(ids):
        # in the community's scope, as the vote page casts (storage/scope.py)
        with transaction(engine, community=community_id) as s:
            services.cast_vote(s, ballot_id, hid, "yes" if i % 2 else "no")
    out.put(time.perf_counter() - t0)
    engine.dispose()


def _raw_worker(url: str, w: int, n: int, start, out) -> None:  # noqa: ANN001
    from sqlalchemy import text

    from cocreate_map.storage.db import make_engine

    engine = make_engine(url)
    for i in range(WARM_VOTES):  # connected and warm, as the cast writers are
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_raw (w, i) VALUES (:w, :i)"), {"w": -1, "i": i})
    start.wait()
    t0 = time.perf_counter()
    for i in range(n):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_raw (w, i) VALUES (:w, :i)"), {"w": w, "i": i})
    out.put(time.perf_counter() - t0)
    engine.dispose()


def _projector_worker(url: str, ballot_id: int, every_s: float, start, stop, out) -> None:  # noqa: ANN001
    """The projector page's read, in a loop until the writers are done: one short read-only
    transaction per snapshot (ui/pages/meeting.py ``read_snapshot``)."""
    from cocreate_map.services.meeting import projector_snapshot
    from cocreate_map.storage.db import make_engine, transaction

    engine = make_engine(url)
    times = []
    start.wait()
    while not stop.is_set():
        t0 = time.perf_counter()
        with transaction(engine) as s:
            projector_snapshot(s, ballot_id)
        times.append(time.perf_counter() - t0)
        stop.wait(max(0.0, every_s - times[-1]))
    out.put(times)
    engine.dispose()


def _run(target, args_for, writers: int, side=None) -> tuple[float, list[float]]:  # noqa: ANN001
    """Wall time of ``writers`` processes started at once; ``side`` = (target, args) of one more
    process that runs beside them until they are done and returns a list of times."""
    ctx = mp.get_context("spawn")
    start = ctx.Manager().Barrier(writers + 1 + (side is not None))
    out, side_out, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=target, args=(*args_for(w), start, out)) for w in range(writers)]
    extra = (
        None
        if side is None
        else ctx.Process(target=side[0], args=(*side[1], start, stop, side_out))
    )
    for p in procs + ([extra] if extra else []):
        p.start()
    start.wait()
    t0 = time.perf_counter()
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - t0
    side_times: list[float] = []
    if extra is not None:
        stop.set()
        side_times = side_out.get(timeout=120)
        extra.join()
    return elapsed, side_times


def bench_writes(
    url: str, writers: int, per_writer: int, projector_every_s: float, rounds: int
) -> tuple[float, float, float, list[float]]:
    """(cast/s, raw/s, cast/s with the projector loop, snapshot times in s). The runs with and
    without the projector alternate (A B, B A, …), each on a fresh ballot over the same
    households, so a drift in machine load or table size weighs on both alike."""
    from sqlalchemy import text

    from cocreate_map import services
    from cocreate_map.services.access import local_admin
    from cocreate_map.storage.db import transaction

    engine, _, ids = _setup(url, "bench-writes", writers * per_writer)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_raw"))
        conn.execute(text("CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, w INTEGER, i INTEGER)"
                          if engine.dialect.name == "sqlite" else
                          "CREATE TABLE bench_raw (id SERIAL PRIMARY KEY, w INTEGER, i INTEGER)"))  # fmt: skip
    total = writers * per_writer
    raw_s, _ = _run(_raw_worker, lambda w: (url, w, per_writer), writers)
    with transaction(engine) as s:
        warm = services.create_ballot(
            s, "bench-writes", "warm-up", "civil-code-ordinary", who=local_admin("bench")
        ).id
    elapsed = {False: 0.0, True: 0.0}
    snapshots: list[float] = []
    for r in range(rounds):
        for projected in (False, True) if r % 2 == 0 else (True, False):
            with transaction(engine) as s:
                bid = services.create_ballot(
                    s, "bench-writes", f"{r}", "civil-code-ordinary", who=local_admin("bench")
                ).id
            side = (_projector_worker, (url, bid, projector_every_s)) if projected else None
            seconds, snaps = _run(
                _cast_worker, lambda w, b=bid: (url, b, ids[w::writers], warm), writers, side
            )
            elapsed[projected] += seconds
            snapshots += snaps
    engine.dispose()
    votes = total * rounds
    return votes / elapsed[False], total / raw_s, votes / elapsed[True], snapshots


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--per-writer", type=int, default=150)
    parser.add_argument(
        "--projector-every",
        type=float,
        default=0.25,
        help="seconds between projector snapshots (the page: 2)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="runs with and without the projector, alternating (each: writers × per-writer votes)",
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--tally-only", action="store_true", help="only the tally rows (1,000 → 10,000 households)"
    )
    args = parser.parse_args()
    print(
        f"load average {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} {os.getloadavg()[2]:.1f}"
    )
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
            f"{'database':<11} {'tally 10k':>10} {'cast/s':>9} {'raw/s':>9} {'cast/raw':>8} "
            f"{'+proj/s':>9} {'proj/cast':>9}  {'snapshots':<16}"
            f"({args.writers} writers × {args.per_writer} votes, {args.rounds} round(s) with and "
            f"without a snapshot every {args.projector_every:g} s)"
        )
        try:
            tallies = {}
            for name, tally_url, _w in rows:
                stem = tally_url.rsplit("/", 1)[0] if name == "SQLite" else None
                tallies[name] = print_tally_rows(
                    name,
                    (lambda n, st=stem: f"{st}/tally-{n}.sqlite3")
                    if stem
                    else (lambda n, u=tally_url: u),
                    (1_000, 10_000),
                )
            for name, _tally_url, writes_url in rows:
                if args.tally_only:
                    break
                tally_s = tallies[name]
                cast_rate, raw_rate, proj_rate, snaps = bench_writes(
                    writes_url, args.writers, args.per_writer, args.projector_every, args.rounds
                )
                snap = (
                    f"{len(snaps)} × {statistics.median(snaps) * 1000:.0f} ms" if snaps else "none"
                )
                print(
                    f"{name:<11} {tally_s * 1000:>8.0f} ms {cast_rate:>9.0f} {raw_rate:>9.0f} "
                    f"{cast_rate / raw_rate:>8.2f} {proj_rate:>9.0f} {proj_rate / cast_rate:>9.2f}  "
                    f"{snap}"
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
