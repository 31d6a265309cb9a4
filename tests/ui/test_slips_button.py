"""The staff page's slips button (issue 10.7): after two flats are added to the register, a
planner prints the slips of those two only (a PDF download); every other household's code and
signed-in phone keep working. A lost slip renews one household, asking first during a ballot.
Slips never carry a localhost address unless the planner ticks so (issue 10.4)."""

from __future__ import annotations

import subprocess

import pytest
import streamlit as st
from sqlalchemy import select
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from cocreate_map import services
from cocreate_map.services import households as H
from cocreate_map.services import sessions
from cocreate_map.services import staff as staff_service
from cocreate_map.services.address import lan_ip
from cocreate_map.storage.ballot_tables import HouseholdRow
from cocreate_map.storage.db import make_engine, migrated_engine, transaction
from tests.ui.pages import ROOT

STAFF = "cocreate_map/ui/pages/ballots.py"
SLUG = services.DEMO_SLUG


@pytest.fixture
def staff(sqlite_url, monkeypatch, tmp_path):
    """The ballots page with a planner signed in (a real account and session token), on the
    demo (its ballot on the options is open) plus two new flats without a code."""
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    engine = migrated_engine(sqlite_url)
    services.ensure_demo(engine)
    f = tmp_path / "new.csv"
    f.write_text("楼栋,单元,房号,面积\n13,1,101,66.60\n13,1,102,70.00\n", "utf-8")
    with transaction(engine) as s:
        who = staff_service.add_user(s, "planner.li", "long enough secret", "planner")
        token = sessions.open_staff_session(s, who)
        H.import_households(s, f, SLUG, who=who, issue_codes=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.session_state["staff_token"] = token
    at.switch_page(STAFF)
    at.run()
    assert not at.exception, at.exception
    yield at, make_engine(sqlite_url)
    st.cache_resource.clear()


def codes(engine) -> dict[str, str | None]:
    with transaction(engine) as s:
        return {h.label: h.code_hash for h in s.scalars(select(HouseholdRow))}


def press(at, key):
    at.button(key=key).click().run()
    assert not at.exception, at.exception


def test_print_slips_for_the_two_new_flats_only(staff, tmp_path):
    at, engine = staff
    before = codes(engine)
    assert at.radio(key="slips_mode").value == "new"
    assert "新住户（还没有住户码，2 户）" in at.radio(key="slips_mode").options
    ip = lan_ip()
    assert any(f"http://{ip}:8501" in c.value for c in at.caption)  # not localhost
    with transaction(engine) as s:
        phone = sessions.open_household_session(s, H.list_households(s, SLUG)[0].id)
    press(at, "slips_make")
    assert any("已为 2 户生成新住户码：13-1-101、13-1-102" in s.value for s in at.success), [
        e.value for e in at.error
    ]
    (button,) = at.get("download_button")
    assert button.proto.label == "下载通知单 PDF（2 户）"
    after = codes(engine)
    assert after["13-1-101"] and after["13-1-102"]
    assert {k: after[k] for k in before if before[k]} == {k: v for k, v in before.items() if v}
    with transaction(engine) as s:
        assert sessions.household_of(s, SLUG, phone) is not None  # nobody else signed out
        label, code = services.demo_codes()[0]
        assert H.join_with_code(s, SLUG, code, client="x|1").household.label == label
    data, done = at.session_state["slips_pdf"]
    assert data[:4] == b"%PDF" and done == ["13-1-101", "13-1-102"]
    out = tmp_path / "slips.pdf"
    out.write_bytes(data)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "13栋 1单元 101" in text and "13栋 1单元 102" in text and "1栋" not in text
    # nothing new is left: the page says what to do instead
    press(at, "slips_make")
    assert any("没有新住户要打印" in e.value and "指定住户" in e.value for e in at.error)


def test_a_lost_slip_during_the_open_ballot_asks_first(staff):
    at, engine = staff
    at.radio(key="slips_mode").set_value("chosen").run()
    with transaction(engine) as s:
        hid = next(h.id for h in H.list_households(s, SLUG) if h.label == "2-1-301")
    at.multiselect(key="slips_households").set_value([hid]).run()
    before = codes(engine)
    press(at, "slips_make")
    assert any("正在投票" in e.value for e in at.error)  # the demo's ballot is open
    assert codes(engine) == before and "slips_pdf" not in at.session_state
    at.checkbox(key="slips_confirm").check().run()
    press(at, "slips_make")
    assert any("已为 1 户生成新住户码：2-1-301" in s.value for s in at.success)
    after = codes(engine)
    assert [k for k in after if after[k] != before[k]] == ["2-1-301"]


def test_no_slips_with_a_localhost_address_unless_ticked(staff):
    at, engine = staff
    old = st_config.get_option("server.address")
    st_config.set_option("server.address", "127.0.0.1")  # cocreate serve without --address
    try:
        at.run()
        assert any("居民手机扫码打不开" in w.value for w in at.warning)
        press(at, "slips_make")
        assert any("仍用这个地址打印" in e.value and "--" not in e.value for e in at.error)
        assert codes(engine)["13-1-101"] is None
        at.checkbox(key="slips_allow_loopback").check().run()
        press(at, "slips_make")
        assert any("已为 2 户" in s.value for s in at.success)
    finally:
        st_config.set_option("server.address", old)
