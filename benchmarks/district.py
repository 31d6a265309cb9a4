"""Load test of the district deployment: 100 communities × ~1,000 households in PostgreSQL, an
open ballot in each, and 1,000 voters at once through 3 app replicas behind nginx.

    COCREATE_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python benchmarks/district.py [--communities 100] [--households 1000] \\
        [--voters 1000] [--browsers 20] [--replicas 3] [--processes 4]

What it does, and what it prints (figures only; nothing is asserted):
1. generates the district into a fresh database: communities and households through the same
   use cases the app uses (households, access codes, audit entries), elements and marks with
   PostgreSQL ``COPY``; one open ballot per community; the time it took and the database size;
2. starts the district deployment (``cocreate_map.deploy``: replicas + nginx);
3. casts ``--voters`` votes at once: ``--browsers`` of them in real Chromium pages through nginx
   (each its own browser context, so nginx spreads them over the replicas by the routing cookie;
   a 2-core machine holds about 20), the rest through the service layer from ``--processes``
   separate processes, all released together;
4. reports votes accepted, lost (in the log but not in the table, or neither) and doubled (more
   than one row per household and ballot), vote latency p50/p95 under load against one voter
   alone, and the district overview's time against one community's summary.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from fractions import Fraction
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cocreate_map import services  # noqa: E402
from cocreate_map.domain.annotations import Category, Role  # noqa: E402
from cocreate_map.domain.households import RegisterRow  # noqa: E402
from cocreate_map.services import ballots as B  # noqa: E402
from cocreate_map.services import district as D  # noqa: E402
from cocreate_map.services import households as H  # noqa: E402
from cocreate_map.services import marks as M  # noqa: E402
from cocreate_map.services.access import local_admin  # noqa: E402
from cocreate_map.services.staff import StaffIdentity  # noqa: E402
from cocreate_map.storage import repositories as repo  # noqa: E402
from cocreate_map.storage.db import make_engine, migrate, transaction  # noqa: E402

ADMIN = StaffIdentity("bench", Role.ADMIN)
# Communities sit on a grid ~1 km apart around Wuhan's Wuchang district.
LON0, LAT0, STEP = 114.30, 30.52, 0.011
M_LON, M_LAT = 1 / 95_980.0, 1 / 110_860.0


def pg_admin_url() -> str:
    return os.environ.get(
        "COCREATE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )


def fresh_database() -> str:
    admin_url = make_url(pg_admin_url())
    name = f"cocreate_bench_district_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(make_url(pg_admin_url()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"
            ),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _square(lon: float, lat: float, w_m: float, h_m: float) -> str:
    dx, dy = w_m * M_LON, h_m * M_LAT
    return (
        f"SRID=4326;POLYGON(({lon} {lat},{lon + dx} {lat},{lon + dx} {lat + dy},"
        f"{lon} {lat + dy},{lon} {lat}))"
    )


def generate(url: str, communities: int, households: int, seed: int = 7) -> dict[str, object]:
    """The district; returns {"codes": {slug: [(household id, code)]}, "ballots": {slug: id}}."""
    rnd = random.Random(seed)
    engine = make_engine(url)
    migrate(engine)
    codes: dict[str, list[tuple[int, str]]] = {}
    ballots: dict[str, int] = {}
    buildings = max(1, households // 50)  # 50 flats a building: 5 units × 10 floors
    started = time.perf_counter()
    for i in range(communities):
        slug = f"c{i:03d}"
        lon = LON0 + (i % 10) * STEP
        lat = LAT0 + (i // 10) * STEP
        rows = [
            RegisterRow(str(b + 1), str(u + 1), f"{f + 1}0{k + 1}", Fraction(rnd.randint(4500, 12000), 100), None, 2)
            for b in range(buildings)
            for u in range(5)
            for f in range(5)
            for k in range(2)
        ][:households]  # fmt: skip
        with transaction(engine) as s:
            from shapely import wkt

            boundary = wkt.loads(_square(lon, lat, 700, 700).split(";", 1)[1])
            services.create_community(s, slug, f"第{i + 1}社区", boundary, who=local_admin("test"))
            community = repo.community_by_slug(s, slug)
            D.set_district(s, slug, "银行街道", ADMIN)
            res = H.add_register_rows(s, community, rows, who=local_admin("test"))
            cid = community.id
        with transaction(engine) as s:
            ids = {h.label: h.id for h in H.list_households(s, slug)}
        codes[slug] = [(ids[label], code) for label, code in res.codes]
        _copy_elements_and_marks(engine, cid, lon, lat, buildings, rnd)
        with transaction(engine) as s:
            ballots[slug] = B.create_ballot(
                s, slug, "是否同意外墙改造方案？", "simple-majority", who=local_admin("test")
            ).id
    elapsed = time.perf_counter() - started
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()
    engine.dispose()
    return {"codes": codes, "ballots": ballots, "seconds": elapsed, "bytes": size}


def _copy_elements_and_marks(engine, cid: int, lon: float, lat: float, buildings: int, rnd) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        now = "2026-12-01 08:00:00"
        with cur.copy(
            "COPY elements (community_id, kind, name, attrs, geometry, source_id, created_at) "
            "FROM STDIN"
        ) as copy:
            copy.write_row((cid, "boundary", None, "{}", _square(lon, lat, 700, 700), None, now))
            for b in range(buildings):
                x = lon + (40 + (b % 6) * 100) * M_LON
                y = lat + (40 + (b // 6) * 90) * M_LAT
                copy.write_row(
                    (cid, "building", f"{b + 1}栋", '{"floors": 6}', _square(x, y, 60, 14),
                     f"b{b + 1}", now)
                )  # fmt: skip
            for r in range(10):
                y = lat + (20 + r * 70) * M_LAT
                line = f"SRID=4326;LINESTRING({lon} {y},{lon + 700 * M_LON} {y})"
                copy.write_row((cid, "road", f"路{r + 1}", '{"width_m": 6}', line, None, now))
        with cur.copy(
            "COPY marks (community_id, category, safety, text, geometry, building, source, "
            "submitted_at, published_at, updated_at) FROM STDIN"
        ) as copy:
            for _ in range(20):
                x = lon + rnd.uniform(20, 680) * M_LON
                y = lat + rnd.uniform(20, 680) * M_LAT
                copy.write_row(
                    (cid, rnd.choice([c.value for c in Category]), False,
                     "路灯不亮，晚上回家看不清", f"SRID=4326;POINT({x} {y})", None, "paper",
                     now, now, now)
                )  # fmt: skip
        raw.commit()
    finally:
        raw.close()


# ---------------------------------------------------------------- voters


def _service_voter(url: str, jobs: list[tuple[int, int]], start_at: float, out) -> None:
    engine = make_engine(url)
    while time.time() < start_at:
        time.sleep(0.005)
    latencies = []
    errors = 0
    for ballot_id, household_id in jobs:
        t0 = time.perf_counter()
        try:
            with transaction(engine) as s:
                B.cast_vote(s, ballot_id, household_id, "yes")
            latencies.append(time.perf_counter() - t0)
        except Exception:  # noqa: BLE001 - counted, and the count is reported
            errors += 1
    engine.dispose()
    out.put((latencies, errors))


def _browser_voters(
    base: str, jobs: list[tuple[str, str]], start_at: float
) -> tuple[list[float], int]:
    """Real Chromium pages through nginx, each in its own context (its own routing cookie)."""
    from playwright.sync_api import sync_playwright

    latencies: list[float] = []
    errors = 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        pages = []
        for slug, code in jobs:
            ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
            page = ctx.new_page()
            page.goto(f"{base}/vote?community={slug}&lang=zh&code={code}")
            pages.append(page)
        for page in pages:
            try:
                page.get_by_role("button", name="同意", exact=True).wait_for(timeout=180_000)
            except Exception:  # noqa: BLE001
                errors += 1
        while time.time() < start_at:
            time.sleep(0.01)
        started = {}
        for page in pages:  # press 同意, then 确认提交, on every page before waiting for any
            try:
                page.get_by_role("button", name="同意", exact=True).click(timeout=60_000)
            except Exception:  # noqa: BLE001
                errors += 1
        for page in pages:
            try:
                page.get_by_role("button", name="确认提交").click(timeout=60_000)
                started[id(page)] = time.perf_counter()
            except Exception:  # noqa: BLE001
                errors += 1
        for page in pages:
            if id(page) not in started:
                continue
            try:
                page.get_by_text("已记录").first.wait_for(timeout=120_000)
                latencies.append(time.perf_counter() - started[id(page)])
            except Exception:  # noqa: BLE001
                errors += 1
        browser.close()
    return latencies, errors


def _pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--communities", type=int, default=100)
    ap.add_argument("--households", type=int, default=1000)
    ap.add_argument("--voters", type=int, default=1000)
    ap.add_argument("--browsers", type=int, default=20)
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--keep", action="store_true", help="keep the generated database")
    args = ap.parse_args()

    url = fresh_database()
    try:
        print(
            f"generating {args.communities} communities × {args.households} households …",
            flush=True,
        )
        gen = generate(url, args.communities, args.households)
        total = sum(len(c) for c in gen["codes"].values())  # type: ignore[union-attr]
        print(f"generated: {args.communities} communities, {total:,} households, "
              f"in {gen['seconds']:.1f} s; database {gen['bytes'] / 1e6:.1f} MB")  # fmt: skip
        run(url, gen, args)
    finally:
        if not args.keep:
            drop_database(url)


def run(url: str, gen: dict, args) -> None:
    from cocreate_map.deploy import District, Layout

    codes: dict[str, list[tuple[int, str]]] = gen["codes"]
    ballots: dict[str, int] = gen["ballots"]
    rnd = random.Random(11)
    pool = [(slug, hid, code) for slug, rows in codes.items() for hid, code in rows]
    chosen = rnd.sample(pool, min(args.voters, len(pool)))
    browser_jobs = [(slug, code) for slug, _hid, code in chosen[: args.browsers]]
    service_jobs = [(ballots[slug], hid) for slug, hid, _code in chosen[args.browsers :]]

    # one voter alone, through the service layer (a household not in the load)
    engine = make_engine(url)
    spare = next(p for p in pool if p not in chosen)
    solo = []
    for _ in range(5):
        t0 = time.perf_counter()
        with transaction(engine) as s:
            B.cast_vote(s, ballots[spare[0]], spare[1], "yes")
        solo.append(time.perf_counter() - t0)

    with tempfile.TemporaryDirectory() as tmp:
        layout = Layout(replicas=args.replicas, port=18480, first_port=18481, run_dir=Path(tmp))
        district = District(layout, url)
        district.start()
        try:
            base = f"http://127.0.0.1:{layout.port}"
            start_at = time.time() + 60  # the browsers need their pages loaded first
            ctx = mp.get_context("spawn")
            out = ctx.Queue()
            chunks = [service_jobs[i :: args.processes] for i in range(args.processes)]
            procs = [
                ctx.Process(target=_service_voter, args=(url, c, start_at, out)) for c in chunks
            ]
            for p in procs:
                p.start()
            t0 = time.time()
            b_lat, b_err = _browser_voters(base, browser_jobs, start_at)
            s_lat: list[float] = []
            s_err = 0
            for _ in procs:
                lat, err = out.get(timeout=1800)
                s_lat += lat
                s_err += err
            for p in procs:
                p.join()
            wall = time.time() - max(t0, start_at)
        finally:
            district.stop()

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM votes")).scalar_one()
        doubled = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT ballot_id, household_id FROM votes "
                "GROUP BY 1, 2 HAVING count(*) > 1) d"
            )  # fmt: skip
        ).scalar_one()
    expected = len(chosen) + 1  # + the solo voter
    lost = expected - rows
    with transaction(engine) as s:
        t0 = time.perf_counter()
        D.overview(s, "银行街道")
        overview_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        M.summary(s, next(iter(codes)))
        one_s = time.perf_counter() - t0
    engine.dispose()
    load = os.getloadavg()
    print(f"voters: {len(chosen):,} ({len(browser_jobs)} in Chromium through nginx, "
          f"{len(service_jobs):,} through the service layer in {args.processes} processes); "
          f"wall {wall:.1f} s")  # fmt: skip
    print(f"votes accepted {rows:,} of {expected:,}; lost {lost}; doubled {doubled}; "
          f"errors: browser {b_err}, service {s_err}")  # fmt: skip
    print(f"service vote latency under load: p50 {_pct(s_lat, .5) * 1000:.0f} ms, "
          f"p95 {_pct(s_lat, .95) * 1000:.0f} ms; alone: median {statistics.median(solo) * 1000:.0f} ms "
          f"→ p50 ratio {_pct(s_lat, .5) / statistics.median(solo):.1f}× (goal ≤ 3×)")  # fmt: skip
    if b_lat:
        print(f"browser 确认提交 → 已记录 under load: p50 {_pct(b_lat, .5):.2f} s, "
              f"p95 {_pct(b_lat, .95):.2f} s ({len(b_lat)} pages)")  # fmt: skip
    print(f"district overview of {len(codes)} communities: {overview_s * 1000:.0f} ms; one "
          f"community's marks summary: {one_s * 1000:.0f} ms → {overview_s / one_s:.1f}×")  # fmt: skip
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
