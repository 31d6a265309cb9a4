"""cocreate funds / labour / settings: the ledger from the command line (issue 13 §6)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from cocreate_map.cli import main
from cocreate_map.services import staff as ST
from cocreate_map.services import works as W
from cocreate_map.storage.ballot_tables import AuditRow
from cocreate_map.storage.db import make_engine, migrate, transaction
from cocreate_map.storage.funds_tables import FundApprovalRow, FundEntryRow, LabourEntryRow
from tests.services.ballot_factories import make_register

SLUG = "test-estate"
PASSWORD = "a long enough secret"


def run(*args):
    return main([str(a) for a in args])


@pytest.fixture
def db(sqlite_url, monkeypatch):
    monkeypatch.setenv("COCREATE_PUBLIC_URL", "http://192.168.1.20:8501")  # notices link there
    engine = make_engine(sqlite_url)
    migrate(engine)
    make_register(engine, SLUG)
    with transaction(engine) as s:
        for name, role in (("wang", "admin"), ("li", "planner")):
            ST.add_user(s, name, PASSWORD, role, community_slug=SLUG)
        wang = ST.staff_identity(s, "wang")
        work = W.create_work(s, SLUG, "外墙粉刷", who=wang, budget_fen=2_000_000)
    yield engine, work.id
    engine.dispose()


def counts(engine):
    with transaction(engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (FundEntryRow, FundApprovalRow, LabourEntryRow, AuditRow)
        )


def test_the_issue_commands_end_to_end(db, capsys, tmp_path):
    engine, work = db
    assert run("funds", "add", "--community", SLUG, "--kind", "donation", "--amount", "15000.00",
               "--donor", "杨继安", "--consent", "--receipt", "R-001", "--by", "wang") == 0  # fmt: skip
    assert run("funds", "add", "--community", SLUG, "--kind", "donation", "--amount", "200.00",
               "--household", "1-1-101", "--method", "wechat", "--by", "wang") == 0  # fmt: skip
    capsys.readouterr()
    assert run("funds", "add", "--community", SLUG, "--kind", "expense", "--amount", "3000.00",
               "--work", work, "--payee", "师傅", "--by", "wang") == 0  # fmt: skip
    expense = int(capsys.readouterr().out.strip())
    assert run("funds", "approve", expense, "--by", "li") == 0
    assert run("settings", "set", "--community", SLUG, "labour_rate_yuan_per_hour", "25") == 0
    capsys.readouterr()
    assert run("labour", "add", "--community", SLUG, "--work", work, "--hours", "4",
               "--person", "翁茂武", "--by", "wang") == 0  # fmt: skip
    labour = int(capsys.readouterr().out.strip())
    assert run("labour", "verify", labour, "--by", "li") == 0
    capsys.readouterr()
    assert run("funds", "summary", "--community", SLUG, "--json") == 0
    j = json.loads(capsys.readouterr().out)
    assert {
        "income",
        "expense",
        "balance",
        "in_kind",
        "pending",
        "accounts",
        "works",
        "donors",
    } <= set(j)
    assert (j["income"], j["expense"], j["balance"], j["in_kind"], j["pending"]) == (
        "15200.00", "3000.00", "12200.00", "100.00", 0,
    )  # fmt: skip
    assert j["accounts"][0] == {
        "name": "自治公益金",
        "income": "15200.00",
        "expense": "3000.00",
        "balance": "12200.00",
    }
    assert j["works"] == [
        {
            "id": work,
            "title": "外墙粉刷",
            "budget": "20000.00",
            "spent": "3000.00",
            "in_kind": "100.00",
            "progress": 0,
        }
    ]
    assert j["donors"] == {"households": 1, "named": 1, "anonymous": 0}
    assert run("funds", "reverse", expense, "--reason", "金额记错", "--by", "wang") == 0
    capsys.readouterr()
    out = tmp_path / "funds.pdf"
    assert run("funds", "notice", "--community", SLUG, "--out", out) == 0
    assert out.read_bytes()[:5] == b"%PDF-" and out.stat().st_size > 10_000
    assert run("funds", "export", "--community", SLUG, "--out", tmp_path / "l.csv") == 0
    assert run("funds", "export", "--community", SLUG, "--out", tmp_path / "l.xlsx") == 0
    rows = list(csv.reader(io.StringIO((tmp_path / "l.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "id" and len(rows) == 5


@pytest.mark.parametrize(
    "args",
    [
        ("funds", "approve", "{expense}", "--by", "wang"),  # self-approval
        (
            "funds",
            "add",
            "--community",
            SLUG,
            "--kind",
            "expense",
            "--amount",
            "10.00",
            "--by",
            "wang",
        ),
        (
            "funds",
            "add",
            "--community",
            SLUG,
            "--kind",
            "donation",
            "--amount",
            "-10.00",
            "--by",
            "wang",
        ),
        (
            "funds",
            "add",
            "--community",
            SLUG,
            "--kind",
            "donation",
            "--amount",
            "10.00",
            "--household",
            "7-7-707",
            "--by",
            "wang",
        ),
        ("funds", "approve", "{approved}", "--by", "li"),  # approving twice
        ("funds", "reverse", "{reversal}", "--reason", "x", "--by", "li"),  # reversing a reversal
        (
            "funds",
            "add",
            "--community",
            SLUG,
            "--kind",
            "donation",
            "--amount",
            "10.00",
            "--by",
            "nobody",
        ),
        (
            "labour",
            "add",
            "--community",
            SLUG,
            "--work",
            "{work}",
            "--hours",
            "1.1",
            "--person",
            "x",
            "--by",
            "wang",
        ),
        ("settings", "set", "--community", SLUG, "labour_rate", "25"),
    ],
)
def test_refusals_exit_2_with_one_line_and_change_nothing(db, capsys, args):
    engine, work = db
    run(
        "funds", "add", "--community", SLUG, "--kind", "donation", "--amount", "100", "--by", "wang"
    )
    capsys.readouterr()
    ids = {}
    for name in ("expense", "approved", "reversed"):
        run(
            "funds",
            "add",
            "--community",
            SLUG,
            "--kind",
            "expense",
            "--amount",
            "1",
            "--work",
            work,
            "--by",
            "wang",
        )
        ids[name] = int(capsys.readouterr().out)
    run("funds", "approve", ids["approved"], "--by", "li")
    run("funds", "reverse", ids["reversed"], "--reason", "错", "--by", "li")
    ids["reversal"] = int(capsys.readouterr().out.strip().splitlines()[-1])
    before = counts(engine)
    argv = [a.format(work=work, **ids) for a in args]
    assert run(*argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("cocreate: ")
    assert counts(engine) == before


def test_xlsx_export_never_holds_a_formula(db, tmp_path, capsys):
    engine, work = db
    run("funds", "add", "--community", SLUG, "--kind", "donation", "--amount", "1",
        "--donor", "=HYPERLINK(\"http://x\")", "--consent", "--by", "wang")  # fmt: skip
    out = tmp_path / "l.xlsx"
    assert run("funds", "export", "--community", SLUG, "--out", out) == 0
    ws = load_workbook(out).active
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(t.startswith("=") for t in texts)
    assert any("HYPERLINK" in t for t in texts)
