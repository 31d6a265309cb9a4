"""How long do all metrics of an option take? Prints a table, asserts nothing.

Cases, each in the metric CRS (no database, no reprojection):

* the demo community 棉花小区 (108 elements) with demo option C "balanced" applied;
* synthetic communities of 500 → 5,000 elements (buildings, green strips, stalls, sheds, lamps, a
  ring fire lane, waste points) with an option that adds a stall row and demolishes sheds.

Two figures per case (issue 16.2):

* **cold** — ``compute_metrics`` of the option with nothing cached (the first option shown after
  an import: the walking graph, every lane and the green are computed);
* **drag** — the option again from the base plan's ``MetricsCache`` (what the services do for
  every option of a data version), with a fresh copy of the option's new elements each run, as
  when the planner drags a row and the option is read again.

Beside each, the floor — a bare shapely area sum over the same elements, timed alternately with
the project (A B, B A, …) — and the ratio of medians; minima too, the median CPU time of a drag
(what other processes' load inflates least) and the load average before each row (2 shared
cores: the ratios are the point). Then the growth from the smallest to the
largest synthetic case against the growth of the element count (linear = the same factor).

    nice .venv/bin/python benchmarks/metrics.py [--repeat 5] [--sizes 500,1000,2000,5000]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import shapely
from shapely.geometry import LineString, Point, Polygon, box, shape
from shapely.geometry.base import BaseGeometry

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cocreate_map.domain.elements import Kind, PlanElement, parse_kind  # noqa: E402
from cocreate_map.domain.layout import stall_row  # noqa: E402
from cocreate_map.domain.metrics import MetricsCache, compute_metrics  # noqa: E402
from cocreate_map.domain.options import Change, LayoutOption, apply  # noqa: E402
from cocreate_map.io.crs import to_metric  # noqa: E402

DEMO = ROOT / "data" / "demo" / "cotton_compound.geojson"


def demo_case() -> tuple[list[PlanElement], LayoutOption]:
    doc = json.loads(DEMO.read_text(encoding="utf-8"))
    base = []
    for i, f in enumerate(doc["features"], start=1):
        p = dict(f["properties"])
        kind = parse_kind(p.pop("kind"))
        name = p.pop("name", None)
        sid = p.pop("id", None)
        base.append(PlanElement(kind, to_metric(shape(f["geometry"]), 32650), name, p, i, sid))
    x0, y0 = min(e.geometry.bounds[0] for e in base), min(e.geometry.bounds[1] for e in base)
    sheds = [e.id for e in base if e.kind is Kind.ILLEGAL_STRUCTURE]
    row = stall_row(LineString([(x0 + 175, y0 + 137), (x0 + 245, y0 + 137)]), 12)
    changes = [Change("remove", ref=i) for i in sheds]
    changes += [Change("add", PlanElement(Kind.PARKING_STALL, p)) for p in row]
    return base, LayoutOption("C", changes)


def synthetic_case(n: int = 2000) -> tuple[list[PlanElement], LayoutOption]:
    """A grid of blocks; each block: 1 building, 1 green strip, stalls, a shed, lamps."""
    els: list[PlanElement] = []
    side = 1
    while True:
        per_block = 10  # building + green + 6 stalls + shed + lamp
        if side * side * per_block + 3 >= n:
            break
        side += 1
    size = 60.0
    extent = side * size + 20
    els.append(PlanElement(Kind.BOUNDARY, box(0, 0, extent, extent)))
    ring = Polygon(
        box(4, 4, extent - 4, extent - 4).exterior.coords,
        [box(8, 8, extent - 8, extent - 8).exterior.coords],
    )
    els.append(PlanElement(Kind.FIRE_LANE, ring, attrs={"width_m": 4}))
    els.append(PlanElement(Kind.ROAD, ring))
    for i in range(side):
        for j in range(side):
            if len(els) >= n:
                break
            x, y = 12 + i * size, 12 + j * size
            els.append(
                PlanElement(Kind.BUILDING, box(x, y, x + 40, y + 12), attrs={"households": 24})
            )
            els.append(PlanElement(Kind.GREEN_BELT, box(x, y + 16, x + 40, y + 26)))
            for k in range(6):
                els.append(
                    PlanElement(
                        Kind.PARKING_STALL, box(x + k * 2.5, y + 30, x + k * 2.5 + 2.5, y + 35.3)
                    )
                )
            els.append(PlanElement(Kind.ILLEGAL_STRUCTURE, box(x + 42, y, x + 45, y + 5)))
            ftype = "waste_point" if (i + j) % 4 == 0 else "lighting"
            els.append(
                PlanElement(Kind.FACILITY, Point(x + 46, y + 20), attrs={"facility_type": ftype})
            )
    els = els[:n]
    for number, e in enumerate(els, start=1):
        e.id = number
    sheds = [e.id for e in els if e.kind is Kind.ILLEGAL_STRUCTURE][:50]
    row = stall_row(LineString([(12, 12 + 36), (12 + 40, 12 + 36)]), 16)
    changes = [Change("remove", ref=i) for i in sheds]
    changes += [Change("add", PlanElement(Kind.PARKING_STALL, p)) for p in row]
    return els, LayoutOption("synthetic", changes)


def alternating(
    project: Callable[[], object], floor: Callable[[], object], repeat: int
) -> tuple[list[float], list[float], list[float]]:
    """Project and floor timed in turn (A B, B A, …) so a drift in load weighs on both: wall
    times of each, and the project's CPU time (what load from other processes inflates least)."""
    p: list[float] = []
    f: list[float] = []
    cpu: list[float] = []
    for i in range(repeat):
        for which in (p, f) if i % 2 == 0 else (f, p):
            fn = project if which is p else floor
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            which.append(time.perf_counter() - start)
            if which is p:
                cpu.append(time.process_time() - start_cpu)
    return p, f, cpu


def fresh(option: LayoutOption) -> LayoutOption:
    """The option with new objects for its new elements (as read again from the database)."""
    changes = [
        Change(c.action, dataclasses.replace(c.element) if c.element else None, c.ref)
        for c in option.changes
    ]
    return LayoutOption(option.name, changes)


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="500,1000,2000,5000", help="synthetic element counts")
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    print(f"load average {load()}; {args.repeat} alternating runs each; times in ms")
    head = (
        f"{'case':<26} {'elements':>8} {'cold med':>9} {'cold min':>9} {'drag med':>9} "
        f"{'drag min':>9} {'drag cpu':>9} {'floor med':>9} {'cold ×':>8} {'drag ×':>8}  load"
    )
    print(head)
    cases = [("demo + option C", demo_case())]
    cases += [(f"synthetic {n:,}", synthetic_case(n)) for n in sizes]
    rows: dict[int, tuple[float, float]] = {}
    for label, (base, option) in cases:
        plan = apply(base, option)
        geoms = [e.geometry for e in plan]
        before = load()

        def area_sum(g: list[BaseGeometry] = geoms) -> float:
            return float(sum(shapely.area(g)))

        cold, cold_floor, _ = alternating(
            lambda p=plan, b=base: compute_metrics(p, base=b), area_sum, args.repeat
        )
        cache = MetricsCache()
        compute_metrics(base, base=base, cache=cache)  # the services keep this per data version
        drag, drag_floor, drag_cpu = alternating(
            lambda b=base, o=option, c=cache: compute_metrics(apply(b, fresh(o)), base=b, cache=c),
            area_sum,
            args.repeat,
        )
        floor = statistics.median(cold_floor + drag_floor)
        c_med, d_med = statistics.median(cold), statistics.median(drag)
        print(
            f"{label:<26} {len(plan):>8} {c_med * 1e3:>9.1f} {min(cold) * 1e3:>9.1f} "
            f"{d_med * 1e3:>9.1f} {min(drag) * 1e3:>9.1f} "
            f"{statistics.median(drag_cpu) * 1e3:>9.1f} {floor * 1e3:>9.3f} "
            f"{c_med / floor:>7.0f}× {d_med / floor:>7.0f}×  {before}"
        )
        if label.startswith("synthetic"):
            rows[len(plan)] = (c_med, d_med)
    if len(rows) >= 2:
        small, large = min(rows), max(rows)
        grow = large / small
        print(
            f"growth {small:,} → {large:,} elements ({grow:.1f}×): cold "
            f"{rows[large][0] / rows[small][0]:.1f}×, drag {rows[large][1] / rows[small][1]:.1f}× "
            f"(linear = {grow:.1f}×); load average {load()}"
        )


if __name__ == "__main__":
    main()
