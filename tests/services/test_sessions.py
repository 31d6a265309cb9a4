"""Issue 10.3 / 11.8 / 11.9: sign-in sessions live in the database (only a hash of the token),
expire idle and absolute, end on sign-out, and end at once when a staff account is disabled or
its password changes, or when a household's code is renewed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cocreate_map import services
from cocreate_map.services import sessions as SS
from cocreate_map.services import staff as ST
from cocreate_map.services.access import local_admin
from cocreate_map.storage.auth_tables import AuthSessionRow
from cocreate_map.storage.db import transaction
from cocreate_map.storage.mark_tables import StaffUserRow
from cocreate_map.storage.tables import utcnow
from tests.services.ballot_factories import make_register

SLUG = "session-estate"
PASSWORD = "long enough secret"


@pytest.fixture
def reg(engine):
    return make_register(engine, slug=SLUG, buildings=[("1", 3)])


@pytest.fixture
def wang(engine):
    with transaction(engine) as s:
        return ST.add_user(s, "wang.li", PASSWORD, "planner")


def staff_token(engine, who, now=None):
    with transaction(engine) as s:
        return SS.open_staff_session(s, who, now)


def staff_of(engine, token, now=None):
    with transaction(engine) as s:
        return SS.staff_of(s, token, now)


def test_only_a_hash_of_the_token_is_stored(engine, wang):
    token = staff_token(engine, wang)
    assert len(token) == 64
    with transaction(engine) as s:
        [row] = s.scalars(select(AuthSessionRow)).all()
    assert row.token_hash == SS.token_hash(token) and token not in row.token_hash
    assert staff_of(engine, token) == wang
    assert staff_of(engine, "0" * 64) is None and staff_of(engine, None) is None


def test_staff_sessions_expire_idle_and_absolute(engine, wang):
    now = utcnow()
    token = staff_token(engine, wang, now)
    assert staff_of(engine, token, now + SS.STAFF_LIFETIME.idle - timedelta(minutes=1)) == wang
    idle = staff_token(engine, wang, now)
    assert staff_of(engine, idle, now + SS.STAFF_LIFETIME.idle) is None
    t = now
    while t < now + SS.STAFF_LIFETIME.absolute - timedelta(hours=1):  # used all day long …
        t += timedelta(hours=1)
        assert staff_of(engine, token, t) == wang
    assert staff_of(engine, token, now + SS.STAFF_LIFETIME.absolute) is None  # … still ends


def test_sign_out_disable_and_password_change_end_sessions_at_once(engine, wang):
    a, b = staff_token(engine, wang), staff_token(engine, wang)
    with transaction(engine) as s:
        SS.end_session(s, a)
    assert staff_of(engine, a) is None and staff_of(engine, b) == wang  # one tab signed out
    with transaction(engine) as s:
        ST.set_password(s, "wang.li", "a brand new secret")
    assert staff_of(engine, b) is None
    c = staff_token(engine, wang)
    with transaction(engine) as s:
        ST.disable_user(s, "wang.li")
    assert staff_of(engine, c) is None


def test_a_password_changed_behind_the_apps_back_ends_sessions_too(engine, wang):
    token = staff_token(engine, wang)
    with transaction(engine) as s:
        row = s.get(StaffUserRow, wang.id)
        row.password_hash = ST._hasher.hash("changed directly")
    assert staff_of(engine, token) is None


def household_token(engine, hid, now=None):
    with transaction(engine) as s:
        return SS.open_household_session(s, hid, now)


def household_of(engine, token, now=None, slug=SLUG):
    with transaction(engine) as s:
        return SS.household_of(s, slug, token, now)


def test_household_sessions_end_on_leaving_expiry_and_new_codes(engine, reg):
    hid, _ = reg["1-1-101"]
    other, _ = reg["1-1-201"]
    now = utcnow()
    token = household_token(engine, hid, now)
    assert household_of(engine, token, now).label == "1-1-101"
    assert household_of(engine, token, now, slug="elsewhere") is None
    assert household_of(engine, token, now + SS.HOUSEHOLD_LIFETIME.idle) is None
    assert household_of(engine, token, now + SS.HOUSEHOLD_LIFETIME.absolute) is None
    with transaction(engine) as s:
        SS.end_session(s, token)  # 退出
    assert household_of(engine, token) is None
    kept, renewed = household_token(engine, other), household_token(engine, hid)
    with transaction(engine) as s:
        services.regenerate_codes(s, SLUG, [hid], who=local_admin("test"))
    assert household_of(engine, renewed) is None  # a lost slip: the phone that has it is out
    assert household_of(engine, kept).label == "1-1-201"  # the neighbours stay signed in
