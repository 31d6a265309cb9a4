"""What the funds ledger costs at scale: ``funds summary`` and the 公示 for a ledger of 100,000
entries, beside the floor — a bare ``SELECT … sum(amount_fen) … GROUP BY`` on the same database.

    python benchmarks/funds.py [--entries 100000] [--runs 5] [--no-postgres]

For SQLite (a fresh file) and PostgreSQL (a fresh database on COCREATE_TEST_PG_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres): one community with 200 households and two
works, then N ledger entries **inserted in bulk** (executemany of FundEntryRow/FundApprovalRow
rows: 70 % household/named/anonymous donations, 10 % contributions, 15 % expenses of which two
thirds approved, 5 % reversals; the per-entry audit rows are skipped, which does not change what
the summary and the notice read), plus 2,000 verified labour entries.

Figures (median of ``--runs``): ``floor`` = ``SELECT account_id, kind, sum(amount_fen) FROM
fund_entries WHERE community_id = ? GROUP BY account_id, kind``; ``summary`` =
``services.funds.summary`` (the one grouped query over entries ⋈ reversals ⋈ approvals, donors
grouped, income by source, labour, works, audit head) and ``ratio`` = summary ÷ floor;
``notice`` = ``notice_data`` + the PDF (one run; every expense is listed). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from cocreate_map.domain.annotations import Role  # noqa: E402
from cocreate_map.domain.households import RegisterRow  # noqa: E402
from cocreate_map.services import community as community_service  # noqa: E402
from cocreate_map.services import funds as F  # noqa: E402
from cocreate_map.services import households as H  # noqa: E402
from cocreate_map.services import works as W  # noqa: E402
from cocreate_map.services.access import local_admin  # noqa: E402
from cocreate_map.services.staff import StaffIdentity  # noqa: E402
from cocreate_map.storage import repositories as repo  # noqa: E402
from cocreate_map.storage.db import make_engine, migrate, transaction  # noqa: E402
from cocreate_map.storage.funds_tables import (  # noqa: E402
    FundApprovalRow,
    FundEntryRow,
    LabourEntryRow,
    LabourVerificationRow,
)
from cocreate_map.storage.tables import utcnow  # noqa: E402

SLUG = "bench-ledger"


def populate(engine, n: int) -> None:
    from fractions import Fraction

    rows = [RegisterRow(str(b), "1", f"{r}01", Fraction("60.25") + r, None, 2)
            for b in range(1, 21) for r in range(1, 11)]  # fmt: skip
    with transaction(engine) as s:
        community_service.create_community(s, SLUG, "基准小区", who=local_admin("test"))
        c = repo.community_by_slug(s, SLUG)
        H.add_register_rows(s, c, rows, who=local_admin("test"))
        who = StaffIdentity("bench", Role.ADMIN, c.id)
        works = [W.create_work(s, SLUG, f"工程{i}", who=who, budget_fen=10**9).id for i in (1, 2)]
        F.add_entry(s, who, SLUG, "donation", "1.00")  # creates the accounts (audited)
        accounts = [a.id for a in F.ensure_accounts(s, c.id)]
        households = [(h.id, h.label) for h in H.households_of(s, c.id)]
        cid = c.id
    rnd = random.Random(13)
    now = utcnow()
    day0 = date(2024, 1, 1)
    entries, approvals = [], []
    next_id = 1_000_000
    kinds = rnd.choices(["d", "c", "e", "r"], weights=[70, 10, 15, 5], k=n)
    reversible: list[dict] = []
    for k in kinds:
        next_id += 1
        base = dict(
            id=next_id, community_id=cid, account_id=accounts[0], amount_fen=rnd.randint(100, 500_000),
            method="cash", donor_type="anonymous", household_id=None, household_label="",
            donor_name="", consent=False, work_id=None, payee="", receipt_no=f"R{next_id}", note="",
            occurred_on=day0 + timedelta(days=rnd.randint(0, 700)), reverses_id=None,
            recorded_by="bench", recorded_at=now,
        )  # fmt: skip
        if k == "d":
            who = rnd.random()
            if who < 0.7:
                hid, label = rnd.choice(households)
                base.update(kind="donation", donor_type="household", household_id=hid,
                            household_label=label, consent=rnd.random() < 0.4)  # fmt: skip
            elif who < 0.85:
                base.update(kind="donation", donor_type="named", donor_name=f"捐款人{rnd.randint(1, 500)}",
                            consent=rnd.random() < 0.5)  # fmt: skip
            else:
                base.update(kind="donation")
        elif k == "c":
            base.update(kind="contribution", donor_type=rnd.choice(["government", "unit"]),
                        donor_name="共建单位", consent=True, amount_fen=rnd.randint(10_000, 5_000_000))  # fmt: skip
        elif k == "e":
            base.update(
                kind="expense",
                work_id=rnd.choice(works),
                payee="施工方",
                amount_fen=rnd.randint(100, 50_000),
            )
            if rnd.random() < 2 / 3:
                approvals.append(dict(entry_id=next_id, approved_by="bench2", approved_at=now))
        else:
            if not reversible:
                base.update(kind="donation")
            else:
                orig = reversible.pop(rnd.randrange(len(reversible)))
                base.update({k2: orig[k2] for k2 in ("kind", "amount_fen", "donor_type", "household_id",
                             "household_label", "donor_name", "consent", "work_id", "payee")})  # fmt: skip
                base.update(reverses_id=orig["id"], note="冲正")
        entries.append(base)
        if base["reverses_id"] is None and rnd.random() < 0.1:
            reversible.append(base)
    labour = [dict(id=2_000_000 + i, community_id=cid, work_id=rnd.choice(works), household_id=None,
                   household_label="", person_name=f"志愿者{i % 50}", team_id=None,
                   worked_on=day0 + timedelta(days=i % 700), task="劳动", quarter_hours=rnd.randint(1, 32),
                   show_name=i % 2 == 0, entered_by="bench", entered_at=now) for i in range(2_000)]  # fmt: skip
    with engine.begin() as conn:
        for i in range(0, len(entries), 5_000):
            conn.execute(insert(FundEntryRow), entries[i : i + 5_000])
        if approvals:
            conn.execute(insert(FundApprovalRow), approvals)
        conn.execute(insert(LabourEntryRow), labour)
        conn.execute(insert(LabourVerificationRow),
                     [dict(labour_id=x["id"], verified_by="bench2", verified_at=now) for x in labour])  # fmt: skip
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
    with transaction(engine) as s:
        F.set_setting(
            s, StaffIdentity("bench", Role.ADMIN, cid), SLUG, "labour_rate_yuan_per_hour", "25"
        )


def timed(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(name: str, engine, n: int, runs: int) -> None:
    t = time.perf_counter()
    populate(engine, n)
    print(f"[{name}] {n:,} entries inserted in {time.perf_counter() - t:.1f} s", flush=True)
    with transaction(engine) as s:
        cid = repo.community_by_slug(s, SLUG).id

    def floor() -> None:
        with engine.connect() as conn:
            conn.execute(
                text("SELECT account_id, kind, sum(amount_fen) FROM fund_entries "
                     "WHERE community_id = :c GROUP BY account_id, kind"), {"c": cid},
            ).all()  # fmt: skip

    def summary() -> None:
        with transaction(engine) as s:
            F.summary(s, SLUG)

    f = timed(floor, runs)
    sm = timed(summary, runs)
    with transaction(engine) as s:
        tot = F.summary(s, SLUG).totals
    print(f"[{name}] floor   {f * 1000:9.1f} ms  (bare SELECT sum(...) GROUP BY)")
    print(f"[{name}] summary {sm * 1000:9.1f} ms  ratio {sm / f:6.1f}×  "
          f"(income ¥{tot.income / 100:,.2f}, balance ¥{tot.balance / 100:,.2f}, pending {tot.pending})")  # fmt: skip
    from cocreate_map.io.reports_funds import funds_notice

    t = time.perf_counter()
    with transaction(engine) as s:
        data = F.notice_data(s, SLUG)
    t_data = time.perf_counter() - t
    out = Path(tempfile.mkdtemp()) / "funds.pdf"
    t = time.perf_counter()
    funds_notice(data, "http://localhost:8501", out, utcnow())
    t_pdf = time.perf_counter() - t
    print(f"[{name}] notice  data {t_data:6.2f} s + PDF {t_pdf:6.2f} s = {t_data + t_pdf:6.2f} s, "
          f"{out.stat().st_size / 1e6:.1f} MB ({len([e for e in data.entries if e.kind.value == 'expense']):,} expenses; the newest 200 printed)", flush=True)  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="cocreate-bench-funds-")
    eng = make_engine(f"sqlite:///{tmp}/bench.sqlite3")
    migrate(eng)
    measure("sqlite", eng, args.entries, args.runs)
    eng.dispose()
    if args.no_postgres:
        return 0
    admin_url = make_url(
        os.environ.get(
            "COCREATE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        )
    )
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"cocreate_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        eng = make_engine(admin_url.set(database=name).render_as_string(hide_password=False))
        migrate(eng)
        measure("postgres", eng, args.entries, args.runs)
        eng.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
