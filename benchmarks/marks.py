"""What residents' marks cost: the community map with 5,000 marks per rerun, and how long a new
mark takes from 提交 to showing in the list.

    python benchmarks/marks.py [--marks 5000] [--runs 5] [--submits 20] [--browser]

One fresh SQLite database holds the demo community twice: ``cotton-compound`` with the demo's 16
marks (the baseline; 15 are public and drawn) and ``cotton-5000``, the same demo
(``services.load_demo`` under another slug) plus N generated marks **inserted in bulk** (one executemany of MarkRow rows, statuses set by
their timestamps, plus "me too" rows for a third of them; the service layer's per-mark audit
entries are skipped, which does not change what the map and the list read).

Map figures, per community and per view (``marks`` = clustered points, ``heat`` = heatmap):
``payload`` = JSON size of the arguments ``st_folium`` hands to the browser on every rerun (script,
html, header, links, feature group), captured from the component call made by
``mark_maps.render_marks_map`` exactly as the map page calls it — the approach of
benchmarks/map_payload.py; ``build`` = server time of that call (folium map + st_folium argument
generation), median of ``--runs``; ``read`` = the page's database read (``map_data`` +
``list_marks``), median; ``rerun`` = one full AppTest run of the map page (median of 3).

Submit figures (median of ``--submits``): ``offer`` = ``submit_mark(check_similar=True)``, the
first 提交 (returns the duplicates within 30 m, saves nothing if there are any); ``save`` =
``submit_mark`` that saves (after "不是这些，提交我的新问题", or when nothing is near), each in
its own committed transaction like the page; ``list`` = the list view's queries (``buildings_of``
+ ``list_marks`` for the household, sorted by support) that then show the new mark;
``total`` = offer (+ save when a duplicate was offered) + list, the server's share of 提交 →
listed; ``marking`` = the marking view's rerun (``map_data`` + ``list_marks`` + the picking map's st_folium args).
``--browser`` adds an end-to-end figure in Debian Chromium (390×844) on a copy of the database:
提交 click → "已提交" shown (when the duplicate offer comes first: until it shows, and the whole
way through a tap on "不是这些，提交我的新问题"), and 意见列表 → the new card visible.

Ratios are printed in the same run (5,000-mark community ÷ demo; heat ÷ marks). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TMP = tempfile.mkdtemp(prefix="cocreate-bench-marks-")
os.environ["COCREATE_DATABASE_URL"] = f"sqlite:///{_TMP}/bench.sqlite3"

import shapely  # noqa: E402
import shapely.geometry  # noqa: E402
from folium_capture import captured_args, payload_bytes  # noqa: E402
from shapely.prepared import prep  # noqa: E402
from sqlalchemy import insert  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from cocreate_map import services  # noqa: E402
from cocreate_map.domain.annotations import Category  # noqa: E402
from cocreate_map.services import marks as mark_service  # noqa: E402
from cocreate_map.services.households import households_of  # noqa: E402
from cocreate_map.storage import repositories as repo  # noqa: E402
from cocreate_map.storage.db import make_engine, migrate, transaction  # noqa: E402
from cocreate_map.storage.mark_tables import MarkRow, MarkSupportRow  # noqa: E402
from cocreate_map.storage.tables import utcnow  # noqa: E402
from cocreate_map.ui import mark_maps, state  # noqa: E402

BASE = services.DEMO_SLUG
BIG = "cotton-5000"
LANG = "zh"
#: share of generated marks per state (the rest are published)
STATES = [
    ("submitted", 0.05), ("under_discussion", 0.10), ("adopted", 0.10), ("declined", 0.05),
    ("in_progress", 0.05), ("resolved", 0.05), ("evaluated", 0.05),
]  # fmt: skip
_STAMPS = {
    "published": ["published_at"],
    "under_discussion": ["published_at", "discussion_at"],
    "adopted": ["published_at", "adopted_at"],
    "declined": ["published_at", "declined_at"],
    "in_progress": ["published_at", "adopted_at", "in_progress_at"],
    "resolved": ["published_at", "adopted_at", "in_progress_at", "resolved_at"],
    "evaluated": ["published_at", "adopted_at", "in_progress_at", "resolved_at", "evaluated_at"],
    "submitted": [],
}


def median_s(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median wall time of ``runs`` calls, and the last result."""
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


# ---------------------------------------------------------------- data


def generate_marks(engine: Any, slug: str, n: int, seed: int = 7) -> tuple[int, int]:
    """``n`` marks at random places inside the community boundary, bulk-inserted; returns
    (marks, "me too" rows)."""
    rng = random.Random(seed)
    with transaction(engine) as s:
        community = repo.community_by_slug(s, slug)
        boundary = community.boundary
        register = [(h.id, h.building) for h in households_of(s, community.id)]
        prepared = prep(boundary)
        minx, miny, maxx, maxy = boundary.bounds
        cats = list(Category)
        t0 = utcnow() - timedelta(days=60)
        rows = []
        while len(rows) < n:
            p = shapely.geometry.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if not prepared.contains(p):
                continue
            i = len(rows)
            cat = cats[i % len(cats)]
            household, building = register[rng.randrange(len(register))]
            r, state_name = rng.random(), "published"
            for name, share in STATES:
                if r < share:
                    state_name = name
                    break
                r -= share
            when = t0 + timedelta(minutes=17 * i)
            row: dict[str, Any] = {
                "community_id": community.id,
                "category": cat.value,
                "safety": cat in (Category.SECURITY, Category.DRAINAGE),
                "text": f"第{i + 1}条（生成）：{building}栋附近的{cat.value}问题，"
                "晚上走路不方便，希望改造时一并解决。",
                "geometry": shapely.set_precision(p, 1e-7),
                "building": building,
                "household_id": household,
                "source": "online",
                "submitted_at": when,
                "updated_at": when,
            }
            for k, stamp in enumerate(_STAMPS[state_name]):
                row[stamp] = when + timedelta(days=k + 1)
            if state_name == "declined":
                row["decline_reason"] = "不在本次改造范围内。"
            rows.append(row)
        s.execute(insert(MarkRow), rows)
        s.flush()
        ids = [
            i
            for (i,) in s.execute(
                MarkRow.__table__.select()
                .with_only_columns(MarkRow.id)
                .where(MarkRow.community_id == community.id, MarkRow.text.like("%（生成）%"))
            )
        ]
        supports = []
        households = [h for h, _ in register]
        for mark_id in ids:
            if rng.random() < 1 / 3:
                for h in rng.sample(households, rng.randint(1, 20)):
                    supports.append({"mark_id": mark_id, "household_id": h, "created_at": t0})
        if supports:
            s.execute(insert(MarkSupportRow), supports)
    return len(rows), len(supports)


# ---------------------------------------------------------------- map


def map_args(engine: Any, slug: str, heat: bool, pick: str | None = None) -> tuple[dict, int]:
    """What st_folium would send for this page's map (captured), and how many marks."""
    with transaction(engine) as s:
        data = services.map_data(s, slug)
        marks = mark_service.list_marks(s, slug)
    return component_args(data, marks, heat, pick), len(marks)


def component_args(data: Any, marks: Any, heat: bool, pick: str | None = None) -> dict:
    return captured_args(
        lambda: mark_maps.render_marks_map(data, marks, LANG, key="bench", heat=heat, pick=pick)
    )


def read_s(engine: Any, slug: str, runs: int) -> float:
    def read() -> None:
        with transaction(engine) as s:
            services.map_data(s, slug)
            mark_service.list_marks(s, slug)

    return median_s(read, runs)[0]


def build_s(engine: Any, slug: str, heat: bool, runs: int) -> tuple[float, dict]:
    with transaction(engine) as s:
        data = services.map_data(s, slug)
        marks = mark_service.list_marks(s, slug)
    return median_s(lambda: component_args(data, marks, heat), runs)


def apptest_s(slug: str, heat: bool, runs: int = 3) -> float:
    def run() -> None:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
        at.query_params["community"] = slug
        at.query_params["lang"] = LANG
        at.session_state[state.HEATMAP] = heat
        at.run()
        if at.exception:
            raise RuntimeError(at.exception[0].message)

    run()  # warm: imports, cached engine
    return median_s(run, runs)[0]


# ---------------------------------------------------------------- submit → list


def submit_figures(engine: Any, slug: str, submits: int, seed: int = 11) -> dict[str, float]:
    rng = random.Random(seed)
    with transaction(engine) as s:
        community = repo.community_by_slug(s, slug)
        boundary = community.boundary
        register = [h.id for h in households_of(s, community.id)]
        data = services.map_data(s, slug)
    minx, miny, maxx, maxy = boundary.bounds
    offer, save, listing, total, marking, offered = [], [], [], [], [], 0
    for k in range(submits):
        while True:
            p = shapely.geometry.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if boundary.contains(p):
                break
        household = register[rng.randrange(len(register))]
        cat = list(Category)[k % len(Category)].value
        text = f"基准测试第{k + 1}条：这里的路灯晚上不亮。"
        t0 = time.perf_counter()
        with transaction(engine) as s:
            first = mark_service.submit_mark(s, slug, household, cat, text, p, check_similar=True)
        t1 = time.perf_counter()
        offer.append(t1 - t0)
        if first.similar:
            offered += 1
            t1 = time.perf_counter()
            with transaction(engine) as s:
                saved = mark_service.submit_mark(s, slug, household, cat, text, p).mark
            t2 = time.perf_counter()
        else:
            saved, t2 = first.mark, t1
            t1 = t0  # the first call saved it
        save.append(t2 - t1)
        t3 = time.perf_counter()
        with transaction(engine) as s:
            mark_service.buildings_of(s, slug)
            mine = mark_service.list_marks(s, slug, viewer_household_id=household)
        listing.append(time.perf_counter() - t3)
        total.append(offer[-1] + (save[-1] if first.similar else 0.0) + listing[-1])
        assert any(m.id == saved.id for m in mine)
        t4 = time.perf_counter()
        with transaction(engine) as s:
            data = services.map_data(s, slug)
            marks = mark_service.list_marks(s, slug, viewer_household_id=household)
        component_args(data, marks, heat=False, pick="point")
        marking.append(time.perf_counter() - t4)
    return {
        "offer": statistics.median(offer),
        "save": statistics.median(save),
        "list": statistics.median(listing),
        "total": statistics.median(total),
        "marking": statistics.median(marking),
        "offered": offered / submits,
    }


# ---------------------------------------------------------------- browser


def browser_figures(db_file: Path, slug: str) -> dict[str, float] | None:
    """提交 → "已提交" and 意见列表 → card, in Chromium (390×844) on a copy of the database."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, app_server

    if not CHROMIUM.exists():
        print(f"(no {CHROMIUM}: browser figures skipped)")
        return None
    tmp = Path(tempfile.mkdtemp(prefix="cocreate-bench-marks-e2e-"))
    shutil.copy(db_file, tmp / "app.sqlite3")
    code = services.demo_codes()[0][1]
    frame_sel = 'iframe[title="streamlit_folium.st_folium"]'
    text = f"浏览器基准：路灯不亮 {int(time.time())}"
    with (
        app_server(tmp, STREAMLIT_SERVER_FILE_WATCHER_TYPE="none") as server,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        status = page.locator("[data-testid='stStatusWidget']")

        def idle() -> None:
            page.wait_for_timeout(300)
            status.wait_for(state="hidden", timeout=300_000)

        t_open = time.perf_counter()
        page.goto(f"{server.base_url}/marks?community={slug}&lang=zh&code={code}")
        page.get_by_text("还没选位置").first.wait_for(timeout=300_000)
        iframe = page.locator(frame_sel).first
        frame = iframe.element_handle().content_frame()
        frame.wait_for_function(
            "() => window.map !== undefined && window.map.getSize().y > 100", timeout=300_000
        )
        idle()
        open_s = time.perf_counter() - t_open
        # zoom in on an open spot (no clustering from zoom 19), tap, check the tap arrived
        picked = False
        for dx in (0, 25, -25, 50, -50):
            iframe.evaluate("e => e.scrollIntoView({block: 'center'})")
            frame.evaluate("() => window.map.setView(window.map.getCenter(), 20, {animate: false})")
            page.wait_for_timeout(800)
            box = iframe.bounding_box()
            assert box is not None
            x, y = box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] * 0.6
            page.mouse.click(x, y)
            try:
                page.get_by_text("位置已选好").first.wait_for(timeout=60_000)
                picked = True
                break
            except Exception:  # noqa: BLE001 - a marker took the tap: try beside it
                continue
        if not picked:
            print("(browser: no free spot to tap; figures skipped)")
            browser.close()
            return None
        idle()
        page.get_by_role("radio", name="照明", exact=True).click()
        idle()
        page.get_by_placeholder("例如：3栋西侧路灯").fill(text)
        t0 = time.perf_counter()
        page.get_by_role("button", name="提交", exact=True).click()
        done = page.get_by_text("已提交（#").first.or_(page.get_by_text("附近已有"))
        done.first.wait_for(timeout=300_000)
        offer_s = None
        if page.get_by_text("附近已有").count():
            offer_s = time.perf_counter() - t0
            idle()
            page.get_by_role("button", name="不是这些，提交我的新问题").click()
            page.get_by_text("已提交（#").first.wait_for(timeout=300_000)
        submit_s = time.perf_counter() - t0
        idle()
        t1 = time.perf_counter()
        page.get_by_role("radio", name="意见列表").click()
        page.get_by_role("radio", name="最新").click()
        page.get_by_text(text).first.wait_for(timeout=300_000)
        list_s = time.perf_counter() - t1
        browser.close()
    out = {"open": open_s, "submit": submit_s, "list": list_s}
    if offer_s is not None:
        out["offer"] = offer_s
    return out


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--marks", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--submits", type=int, default=20)
    parser.add_argument("--browser", action="store_true", help="add the Chromium figures")
    args = parser.parse_args()

    engine = make_engine()
    migrate(engine)
    services.ensure_demo(engine)
    with transaction(engine) as s:
        services.load_demo(s, BIG)
    t0 = time.perf_counter()
    n, supports = generate_marks(engine, BIG, args.marks)
    insert_s = time.perf_counter() - t0
    print(
        f"(bulk insert of {n:,} marks + {supports:,} 'me too' rows: {insert_s:.1f} s; "
        f"database {_TMP})\n"
    )

    header = (
        f"{'community':<17}{'view':<7}{'marks':>7}{'payload':>11}{'build':>9}{'read':>9}"
        f"{'rerun':>9}"
    )
    print(header)
    print("-" * len(header))
    figures: dict[tuple[str, str], dict[str, float]] = {}
    for slug in (BASE, BIG):
        read = read_s(engine, slug, args.runs)
        for view, heat in (("marks", False), ("heat", True)):
            build, captured = build_s(engine, slug, heat, args.runs)
            _, count = map_args(engine, slug, heat)
            size = payload_bytes(captured)
            rerun = apptest_s(slug, heat)
            figures[(slug, view)] = {"payload": size, "build": build, "rerun": rerun}
            print(
                f"{slug:<17}{view:<7}{count:>7,}{size / 1e6:>9.3f}MB{build:>8.3f}s{read:>8.3f}s"
                f"{rerun:>8.2f}s"
            )
    print()
    for view in ("marks", "heat"):
        a, b = figures[(BASE, view)], figures[(BIG, view)]
        print(
            f"ratio {BIG} ÷ {BASE} ({view}): payload ×{b['payload'] / a['payload']:.1f}, "
            f"build ×{b['build'] / a['build']:.1f}, rerun ×{b['rerun'] / a['rerun']:.1f}"
        )
    for slug in (BASE, BIG):
        a, b = figures[(slug, "marks")], figures[(slug, "heat")]
        print(
            f"ratio heat ÷ marks ({slug}): payload ×{b['payload'] / a['payload']:.2f}, "
            f"build ×{b['build'] / a['build']:.2f}, rerun ×{b['rerun'] / a['rerun']:.2f}"
        )

    print(f"\nsubmit → shown in the list (median of {args.submits} submits)")
    header = (
        f"{'community':<17}{'offer':>9}{'save':>9}{'list':>9}{'total':>9}{'marking':>9}"
        f"{'offered':>9}"
    )
    print(header)
    print("-" * len(header))
    sub: dict[str, dict[str, float]] = {}
    for slug in (BASE, BIG):
        f = sub[slug] = submit_figures(engine, slug, args.submits)
        print(
            f"{slug:<17}{f['offer']:>8.3f}s{f['save']:>8.3f}s{f['list']:>8.3f}s"
            f"{f['total']:>8.3f}s{f['marking']:>8.3f}s{100 * f['offered']:>8.0f}%"
        )
    a, b = sub[BASE], sub[BIG]
    print(
        f"ratio {BIG} ÷ {BASE}: offer ×{b['offer'] / a['offer']:.1f}, list "
        f"×{b['list'] / a['list']:.1f}, total ×{b['total'] / a['total']:.1f}, marking "
        f"×{b['marking'] / a['marking']:.1f}"
    )
    print(
        "(offered = share of first 提交 answered with marks of the same kind within 30 m, which "
        "then need the second, saving call; total = offer [+ save] + list)"
    )

    if args.browser:
        engine.dispose()
        db_file = Path(_TMP) / "bench.sqlite3"
        for slug in (BASE, BIG):
            f = browser_figures(db_file, slug)
            if f is not None:
                extra = f", duplicate offer shown {f['offer']:.1f} s" if "offer" in f else ""
                print(
                    f"browser {slug}: page with map ready {f['open']:.1f} s; 提交 → 已提交 "
                    f"{f['submit']:.1f} s{extra}; 意见列表 → card {f['list']:.1f} s"
                )


if __name__ == "__main__":
    main()
