"""Issue 11.3: wrong passwords pause one (account, client), never the owner elsewhere; the owner is
told it is paused and until when, in their language; another admin unlocks; an unknown user name
costs the same argon2 check as a known one."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from cocreate_map.errors import NotFound, PermissionDenied
from cocreate_map.services import staff as ST
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import utcnow

PASSWORD = "long enough secret"
ATTACKER = "203.0.113.66|tab"
OWNER = "198.51.100.10|office"


@pytest.fixture
def accounts(engine):
    with transaction(engine) as s:
        ST.add_user(s, "wang.li", PASSWORD, "planner")
        ST.add_user(s, "zhao", PASSWORD, "admin")
        ST.add_user(s, "qian", PASSWORD, "planner")


def sign_in(engine, user, password, now, client):
    with transaction(engine) as s:
        return ST.sign_in(s, user, password, now, client=client)


def test_a_stranger_cannot_lock_the_owner_out(engine, accounts):
    now = utcnow()
    for _ in range(ST.MAX_FAILURES):
        ident, err = sign_in(engine, "wang.li", "guess", now, ATTACKER)
    assert ident is None and err.key == "auth.staff_throttled"
    ident, err = sign_in(engine, "wang.li", PASSWORD, now, ATTACKER)
    assert ident is None and err.key == "auth.staff_throttled"  # the right one is not checked
    assert sign_in(engine, "wang.li", PASSWORD, now, OWNER)[0] is not None


def test_the_owner_is_told_it_is_paused_and_until_when_in_their_language(engine, accounts):
    now = utcnow().replace(hour=9, minute=0, second=0, microsecond=0)
    for _ in range(ST.MAX_FAILURES):
        _, err = sign_in(engine, "wang.li", "typo", now, OWNER)
    zh, en = err.render("zh"), err.render("en")
    # shown in Beijing time; the Chinese text points to the page, not to the command line
    assert "暂停登录" in zh and "5 分钟" in zh and "北京时间 17:05" in zh and "表决管理" in zh
    assert "paused" in en and "5 min" in en and "17:05 Beijing time" in en
    assert "用户名或密码不对" not in zh and "Wrong user name" not in en


def test_pauses_back_off(engine, accounts):
    now = utcnow()
    for minutes in (5, 10, 20, 40):
        for _ in range(ST.MAX_FAILURES):
            _, err = sign_in(engine, "wang.li", "typo", now, OWNER)
        assert err.params["minutes"] == minutes
        now += timedelta(minutes=minutes, seconds=1)


def test_password_spraying_from_one_address_is_limited(engine, accounts, monkeypatch):
    checks = []
    real = ST._verify

    def counted(hash_, password):
        checks.append(1)
        return real(hash_, password)

    monkeypatch.setattr(ST, "_verify", counted)
    now = utcnow()
    for k in range(40):  # new tabs and other accounts: still one address
        user = ["wang.li", "zhao", "qian", "nobody"][k % 4]
        sign_in(engine, user, "x", now, f"203.0.113.1|t{k}")
    assert len(checks) == ST.ADDRESS_POLICY.limit
    assert sign_in(engine, "wang.li", PASSWORD, now, OWNER)[0] is not None  # another address


def test_another_admin_unlocks_and_no_one_else_may(engine, accounts):
    now = utcnow()
    for _ in range(ST.MAX_FAILURES):
        sign_in(engine, "wang.li", "typo", now, OWNER)
    with transaction(engine) as s:
        [(name, address, until)] = ST.locked_accounts(s, now)
    assert (name, address, until) == ("wang.li", "198.51.100.10", now + timedelta(minutes=5))
    with transaction(engine) as s:
        planner = ST.authenticate(s, "qian", PASSWORD, now, client="x|y")
        admin = ST.authenticate(s, "zhao", PASSWORD, now, client="x|y")
    with pytest.raises(PermissionDenied, match="Only an admin"), transaction(engine) as s:
        ST.unlock_user(s, "wang.li", planner)
    with pytest.raises(NotFound), transaction(engine) as s:
        ST.unlock_user(s, "nobody", admin)
    with transaction(engine) as s:
        assert ST.unlock_user(s, "WANG.LI", admin) == 1
    assert sign_in(engine, "wang.li", PASSWORD, now, OWNER)[0] is not None


def test_unknown_user_names_cost_the_same_argon2_check(engine, accounts, monkeypatch):
    checks = []
    real = ST._verify

    def counted(hash_, password):  # the real check, counted
        checks.append(hash_)
        return real(hash_, password)

    monkeypatch.setattr(ST, "_verify", counted)
    now = utcnow()
    sign_in(engine, "wang.li", "wrong", now, OWNER)
    sign_in(engine, "no.such.user", "wrong", now, OWNER)
    assert len(checks) == 2 and all(h.startswith("$argon2id$") for h in checks)
    assert ST._hasher.check_needs_rehash(checks[1]) is False  # the same cost parameters


def test_parallel_wrong_passwords_never_exceed_the_limit(engine, accounts, monkeypatch):
    checks = []
    real = ST._verify

    def counted(hash_, password):
        checks.append(1)
        return real(hash_, password)

    monkeypatch.setattr(ST, "_verify", counted)
    now = utcnow()
    threads = 8
    barrier = threading.Barrier(threads)
    answers = []

    def guess() -> None:
        barrier.wait()
        for _ in range(2):
            answers.append(sign_in(engine, "wang.li", "guess", now, ATTACKER)[1].key)

    workers = [threading.Thread(target=guess) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(checks) == ST.MAX_FAILURES  # 16 guesses at once, 5 passwords checked
    assert answers.count("auth.wrong_password") == ST.MAX_FAILURES - 1
    assert answers.count("auth.staff_throttled") == 16 - (ST.MAX_FAILURES - 1)
