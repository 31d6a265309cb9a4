"""The funds ledger and volunteer labour through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select, text, update

from cocreate_map import services
from cocreate_map.domain import funds as dom
from cocreate_map.errors import (
    CocreateError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from cocreate_map.services import funds as F
from cocreate_map.storage.ballot_tables import AuditRow
from cocreate_map.storage.db import transaction
from cocreate_map.storage.funds_tables import FundEntryRow, LabourEntryRow
from tests.services.funds_factories import SLUG, make_funds_world


@pytest.fixture
def world(engine):
    return make_funds_world(engine)


def add(engine, who, kind, amount, **kw):
    with transaction(engine) as s:
        return F.add_entry(s, who, SLUG, kind, amount, **kw)


def summary(engine):
    with transaction(engine) as s:
        return F.summary(s, SLUG)


def count(engine, model):
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 180, 90)).save(buf, "JPEG")
    return buf.getvalue()


def test_donations_expenses_approvals_and_the_balance(engine, world):
    wang, li, work = world["wang"], world["li"], world["work"]
    add(
        engine,
        wang,
        "donation",
        "15000.00",
        donor="杨继安",
        consent=True,
        method="cash",
        receipt_no="R001",
    )
    add(engine, wang, "donation", "200", household="1-1-101", method="wechat")
    add(engine, wang, "contribution", "50000.00", donor="春雨亭社区", source="government")
    e = add(engine, wang, "expense", "3000.00", work_id=work, payee="刷墙师傅", photo=jpeg())
    assert e.status == "pending" and len(e.photo_ids) == 1
    s = summary(engine)
    assert (s.totals.income, s.totals.expense, s.totals.balance) == (6_520_000, 0, 6_520_000)
    assert s.totals.pending == 1
    with transaction(engine) as sess:
        approved = F.approve_entry(sess, li, e.id)
    assert approved.status == "counted" and approved.approved_by == "li"
    s = summary(engine)
    assert (s.totals.expense, s.totals.balance, s.totals.pending) == (300_000, 6_220_000, 0)
    [w] = s.works
    assert (w.work_id, w.budget_fen, w.spent_fen) == (work, 5_000_000, 300_000)
    j = s.as_json()
    assert j["income"] == "65200.00" and j["balance"] == "62200.00" and j["pending"] == 0
    assert j["accounts"][0] == {
        "name": "自治公益金",
        "income": "65200.00",
        "expense": "3000.00",
        "balance": "62200.00",
    }
    assert j["donors"] == {"households": 1, "named": 1, "anonymous": 0}
    assert j["works"][0]["spent"] == "3000.00"
    assert set(j) >= {
        "income",
        "expense",
        "balance",
        "in_kind",
        "pending",
        "accounts",
        "works",
        "donors",
    }
    with transaction(engine) as sess:
        assert F.work_money(sess, work).spent_fen == 300_000


def test_self_approval_twice_and_reversal_of_a_reversal_are_refused_and_change_nothing(
    engine, world
):
    wang, li, work = world["wang"], world["li"], world["work"]
    add(engine, wang, "donation", "1000")
    e = add(engine, wang, "expense", "300", work_id=work)
    before = count(engine, AuditRow)
    with pytest.raises(PermissionDenied) as exc, transaction(engine) as s:
        F.approve_entry(s, wang, e.id)
    assert "另一位" in exc.value.render("zh")
    with transaction(engine) as s:
        F.approve_entry(s, li, e.id)
    with pytest.raises(InvalidTransition), transaction(engine) as s:
        F.approve_entry(s, world["wang"], e.id)
    with transaction(engine) as s:
        r = F.reverse_entry(s, li, e.id, "付错了")
    with pytest.raises(InvalidTransition) as exc, transaction(engine) as s:
        F.reverse_entry(s, wang, r.id, "再冲")
    assert exc.value.key == "funds.reverse_reversal"
    s = summary(engine)
    assert s.totals.balance == 100_000 and s.totals.expense == 0
    assert count(engine, AuditRow) == before + 2  # the approval and the reversal only


@pytest.mark.parametrize(
    "kw",
    [
        {"kind": "expense", "amount": "10"},  # no work
        {"kind": "donation", "amount": "-5"},
        {"kind": "donation", "amount": "1.001"},
        {"kind": "donation", "amount": "10", "household": "9-9-909"},
        {"kind": "donation", "amount": "10", "household": "nonsense"},
        {"kind": "expense", "amount": "10", "work_id": 99999},
        {"kind": "gift", "amount": "10"},
        {"kind": "contribution", "amount": "10"},  # no contributor named
    ],
)
def test_bad_entries_are_refused_with_a_message_and_nothing_is_written(engine, world, kw):
    kw = dict(kw)
    before = (count(engine, FundEntryRow), count(engine, AuditRow))
    with pytest.raises(CocreateError) as exc, transaction(engine) as s:
        F.add_entry(s, world["wang"], SLUG, kw.pop("kind"), kw.pop("amount"), **kw)
    assert exc.value.render("zh") and exc.value.render("zh") != exc.value.render("en")
    assert (count(engine, FundEntryRow), count(engine, AuditRow)) == before


def test_only_treasurers_write_money(engine, world):
    for who in (None, world["chief"]):
        with pytest.raises(PermissionDenied), transaction(engine) as s:
            F.add_entry(s, who, SLUG, "donation", "10")
    assert count(engine, FundEntryRow) == 0


def test_an_expense_beyond_the_account_balance_cannot_be_approved(engine, world):
    add(engine, world["wang"], "donation", "100")
    e = add(engine, world["wang"], "expense", "100.01", work_id=world["work"])
    with pytest.raises(InvalidTransition) as exc, transaction(engine) as s:
        F.approve_entry(s, world["li"], e.id)
    assert exc.value.key == "funds.approve_overdraw"


def test_maintenance_fund_is_kept_apart(engine, world):
    add(engine, world["wang"], "donation", "100")
    add(
        engine,
        world["wang"],
        "contribution",
        "500",
        donor="住建局",
        source="government",
        account="维修资金",
    )
    e = add(engine, world["wang"], "expense", "300", work_id=world["work"])  # from 自治公益金
    with pytest.raises(InvalidTransition), transaction(engine) as s:
        F.approve_entry(s, world["li"], e.id)
    e2 = add(engine, world["wang"], "expense", "300", work_id=world["work"], account="维修资金")
    with transaction(engine) as s:
        F.approve_entry(s, world["li"], e2.id)
    accts = {a.name: a.balance_fen for a in summary(engine).accounts}
    assert accts == {"自治公益金": 10_000, "维修资金": 20_000}
    with pytest.raises(NotFound), transaction(engine) as s:
        F.add_entry(s, world["wang"], SLUG, "donation", "1", account="小金库")


def test_donors_respect_consent(engine, world):
    wang = world["wang"]
    add(engine, wang, "donation", "15000", donor="杨继安", consent=True)
    add(engine, wang, "donation", "100", household="1-1-101")
    add(engine, wang, "donation", "50", household="1-1-201")
    add(engine, wang, "donation", "80", household="2-1-101", consent=True)
    add(engine, wang, "donation", "8")
    d = summary(engine).donors
    assert d.named == (("杨继安", 1_500_000), ("2-1-101", 8_000))
    assert (d.hidden_households, d.hidden_households_fen) == (2, 15_000)
    assert (d.anonymous, d.other_hidden_fen) == (1, 800)
    with transaction(engine) as s:
        public = {e.id: e.source for e in F.list_entries(s, SLUG)}
    assert sorted(v for v in public.values() if v) == ["2-1-101", "杨继安"]


def test_labour_counts_once_verified_and_is_valued_beside_cash(engine, world):
    wang, li, chief, work = world["wang"], world["li"], world["chief"], world["work"]
    with transaction(engine) as s:
        F.set_setting(s, wang, SLUG, "labour_rate_yuan_per_hour", "25")
        F.add_team(s, wang, SLUG, "翁茂武志愿服务队")
        a = F.add_labour(
            s,
            chief,
            SLUG,
            work,
            "2.5",
            person="翁茂武",
            task="清洗墙面",
            team="翁茂武志愿服务队",
            show_name=True,
        )
        hid = world["reg"]["1-1-101"][0]
        b = F.add_labour(
            s, None, SLUG, work, "3", as_household_id=hid, task="搬运材料", show_name=False
        )
    s0 = summary(engine)
    assert (s0.in_kind_fen, s0.pending_labour) == (0, 2)
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        F.verify_labour(s, chief, a.id)  # entered it herself
    with transaction(engine) as s:
        F.verify_labour(s, wang, a.id)
        F.verify_labour(s, chief, b.id)
    with pytest.raises(InvalidTransition), transaction(engine) as s:
        F.verify_labour(s, li, a.id)
    s1 = summary(engine)
    assert s1.verified_quarters == 22 and s1.in_kind_fen == 13_750  # 5.5 h × ¥25
    assert s1.totals.balance == 0  # never in the cash balance
    assert s1.works[0].in_kind_fen == 13_750
    assert [(t.name, t.team, t.quarter_hours) for t in s1.thanks] == [
        ("翁茂武", "翁茂武志愿服务队", 10)
    ]
    with pytest.raises(InvalidInput), transaction(engine) as s:
        F.add_labour(s, wang, SLUG, work, "0.1", person="x", task="y")
    with pytest.raises(PermissionDenied), transaction(engine) as s:
        F.add_labour(s, None, SLUG, work, "1", person="x", task="y")


def test_r10_cost_shares_sum_to_the_total(engine, world):
    with transaction(engine) as s:
        shares = F.cost_shares(s, SLUG, 1_000_001)
    assert sum(shares.values()) == 1_000_001 and len(shares) == 10


def test_audit_verify_finds_an_edited_ledger_row(engine, world):
    add(engine, world["wang"], "donation", "15000", donor="杨继安", consent=True)
    e = add(engine, world["wang"], "expense", "300", work_id=world["work"])
    with transaction(engine) as s:
        F.approve_entry(s, world["li"], e.id)
        F.add_labour(s, world["wang"], SLUG, world["work"], "2", person="翁茂武", task="刷墙")
    [rep] = _verify(engine)
    assert rep.ok, rep.problems
    with transaction(engine) as s:
        s.execute(update(FundEntryRow).where(FundEntryRow.id == e.id).values(amount_fen=30))
    [rep] = _verify(engine)
    assert not rep.ok
    assert any(f"ledger entry {e.id}" in p and "amount_fen" in p for p in rep.problems)
    with transaction(engine) as s:
        s.execute(update(FundEntryRow).where(FundEntryRow.id == e.id).values(amount_fen=30_000))
        s.execute(update(LabourEntryRow).values(quarter_hours=40))
    [rep] = _verify(engine)
    assert any("labour entry" in p for p in rep.problems)
    with transaction(engine) as s:
        s.execute(update(LabourEntryRow).values(quarter_hours=8))
        s.execute(text("DELETE FROM fund_approvals"))
    [rep] = _verify(engine)
    assert any("approval" in p and "deleted" in p for p in rep.problems)


def _verify(engine):
    with transaction(engine) as s:
        return services.verify_audit(s, SLUG)


def test_amounts_are_exact_on_both_databases(engine, world):
    for amount in ("0.01", "0.10", "99999999.99", "12345.67"):
        add(engine, world["wang"], "donation", amount)
    assert summary(engine).totals.income == 1 + 10 + 9_999_999_999 + 1_234_567
    assert dom.yuan_plain(summary(engine).totals.income) == "100012345.77"
