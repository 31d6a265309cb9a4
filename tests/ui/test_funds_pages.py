"""AppTest of the funds pages on the demo (seed 003: the ¥73,000 自治公益金 with 杨继安's
¥15,000, expenses against the 棉花白 wall work, volunteer hours): anyone sees the totals, the
ledger, the consented donors and the thanks board, and cannot write; staff record a donation,
another account approves an expense, self-approval is refused; the projector shows the money."""

from __future__ import annotations

import pytest
import streamlit as st
from sqlalchemy import func, select

from cocreate_map import services
from cocreate_map.services import funds as funds_service
from cocreate_map.services import staff as staff_service
from cocreate_map.storage.db import make_engine, migrated_engine, transaction
from cocreate_map.storage.funds_tables import FundEntryRow
from tests.ui.pages import ROOT, open_page, press

FUNDS = "cocreate_map/ui/pages/funds.py"
STAFF = "cocreate_map/ui/pages/funds_staff.py"
MEETING = "cocreate_map/ui/pages/meeting.py"
PASSWORD = "a long enough secret"
SLUG = services.DEMO_SLUG


@pytest.fixture
def entry(sqlite_url, monkeypatch):
    monkeypatch.chdir(ROOT)
    services.ensure_demo(migrated_engine(sqlite_url))
    st.cache_resource.clear()
    yield ROOT / "app.py"
    st.cache_resource.clear()


def summary(url):
    with transaction(make_engine(url)) as s:
        return funds_service.summary(s, SLUG)


def entries(url):
    with transaction(make_engine(url)) as s:
        return s.scalar(select(func.count()).select_from(FundEntryRow))


def texts(at):
    return " ".join(
        [m.value for m in at.markdown] + [c.value for c in at.caption]
        + [str(m.value) for m in at.metric] + [d.value.to_csv() for d in at.dataframe]
        + [tb.value.to_csv() for tb in at.table]
    )  # fmt: skip


def test_anyone_sees_totals_ledger_donors_and_thanks_but_cannot_write(entry, sqlite_url):
    at = open_page(entry, FUNDS)
    values = {m.label: m.value for m in at.metric}
    assert values == {"收入": "¥73,000.00", "支出": "¥27,800.00", "结余": "¥45,200.00"}
    all_text = texts(at)
    assert "杨继安" in all_text and "¥15,000.00" in all_text
    assert "居民捐款 22 户 ¥21,750.00" in all_text
    assert "杨志勇" in all_text  # thanks board: agreed to be shown
    assert "待审核" in all_text and "已冲正" in all_text
    # no household label of a donor who did not consent appears anywhere
    with transaction(make_engine(sqlite_url)) as s:
        private = {
            e.donor_private
            for e in funds_service.list_entries(s, SLUG)
            if not e.consent and e.donor_private
        }
    assert private and not any(p in all_text for p in private)
    assert not [b for b in at.button if b.label in ("审核通过", "冲正", "记入账目")]
    before = entries(sqlite_url)
    at2 = open_page(entry, STAFF)
    assert not [ti for ti in at2.text_input if ti.label.startswith("金额")]  # no staff form
    assert not [b for b in at2.button if b.label in ("审核通过", "记入账目")]
    assert entries(sqlite_url) == before


def test_staff_record_a_donation_and_another_account_approves(entry, sqlite_url):
    with transaction(make_engine(sqlite_url)) as s:
        staff_service.add_user(s, "wang", PASSWORD, "admin", community_slug=SLUG)
    at = open_page(entry, STAFF)
    at.text_input(key="funds_staff_sign_in_user").set_value("wang")
    at.text_input(key="funds_staff_sign_in_pw").set_value(PASSWORD)
    press(at, "登录")
    next(ti for ti in at.text_input if ti.label.startswith("金额")).set_value("1.005")
    press(at, "记入账目")
    assert any("两位小数" in e.value for e in at.error)
    next(ti for ti in at.text_input if ti.label.startswith("金额")).set_value("500.00")
    next(ti for ti in at.text_input if ti.label.startswith("捐款人")).set_value("翁茂武")
    next(cb for cb in at.checkbox if cb.label.startswith("捐款人同意")).check()
    press(at, "记入账目")
    assert any("已记入" in s.value for s in at.success), [e.value for e in at.error]
    assert summary(sqlite_url).totals.income == 7_350_000
    # the pending demo expense was recorded by demo.treasurer: wang may approve it
    press(at, "审核通过")
    assert summary(sqlite_url).totals.pending == 0
    assert summary(sqlite_url).totals.expense == 2_900_000


def test_a_negative_amount_is_refused_in_the_readers_language(entry, sqlite_url):
    with transaction(make_engine(sqlite_url)) as s:
        staff_service.add_user(s, "li", PASSWORD, "planner", community_slug=SLUG)
    at = open_page(entry, STAFF, lang="en")
    at.text_input(key="funds_staff_sign_in_user").set_value("li")
    at.text_input(key="funds_staff_sign_in_pw").set_value(PASSWORD)
    press(at, "Sign in")
    next(ti for ti in at.text_input if ti.label.startswith("Amount")).set_value("-10.00")
    press(at, "Record the entry")
    assert any("must be more than zero" in e.value for e in at.error)
    assert summary(sqlite_url).totals.income == 7_300_000


def test_projector_works_panel_shows_the_money(entry):
    at = open_page(entry, MEETING, community=SLUG, view="projector", panel="works")
    html = " ".join(h.proto.body for h in at.get("html"))
    assert 'data-funds="balance"' in html and "45,200.00" in html and "已支出 ¥23,000.00" in html


def test_a_district_admin_sees_the_staff_ledger_read_only(entry, sqlite_url):
    from cocreate_map.services import district as district_service
    from cocreate_map.services.access import local_admin

    with transaction(make_engine(sqlite_url)) as s:
        district_service.set_district(s, SLUG, "银行街道", local_admin("test"))
        staff_service.add_user(s, "jiedao", PASSWORD, "district_admin", district="银行街道")
    at = open_page(entry, STAFF)
    at.text_input(key="funds_staff_sign_in_user").set_value("jiedao")
    at.text_input(key="funds_staff_sign_in_pw").set_value(PASSWORD)
    press(at, "登录")
    assert any("只读" in i.value for i in at.info)
    text = texts(at)
    assert "杨继安" in text and "待审核" in text  # donors' names and the pending expense
    assert not at.button or not any(b.label in ("记入账目", "审核通过", "冲正") for b in at.button)
    assert not [ti for ti in at.text_input if ti.label.startswith("金额")]
    # the same account on a community outside its sub-district: refused, in Chinese
    with transaction(make_engine(sqlite_url)) as s:
        district_service.set_district(s, SLUG, "别的街道", local_admin("test"))
    at.run()
    assert any("不在它所管的街道" in w.value for w in at.warning)
