"""Issue 11.2: the bootstrap admin (COCREATE_ADMIN_PASSWORD) needs ≥ 12 characters, is throttled
like staff accounts, and stops working (sessions included) once a real admin account exists."""

from __future__ import annotations

import pytest

from cocreate_map import cli
from cocreate_map.errors import InvalidInput
from cocreate_map.services import sessions as SS
from cocreate_map.services import staff as ST
from cocreate_map.storage.db import transaction
from cocreate_map.storage.tables import utcnow

BOOT = "bootstrap-secret-42"


def sign_in(engine, password, client="203.0.113.3|t", now=None):
    with transaction(engine) as s:
        return ST.sign_in(s, "admin", password, now, client=client)


def test_a_short_bootstrap_password_is_refused_with_the_reason(engine, monkeypatch, capsys):
    monkeypatch.setenv("COCREATE_ADMIN_PASSWORD", "eleven-char")
    with pytest.raises(InvalidInput) as err, transaction(engine) as s:
        ST.sign_in(s, "admin", "eleven-char")
    assert "至少要 12 个" in err.value.render("zh") and "at least 12" in err.value.message
    assert cli.main(["serve", "--port", "1"]) == 2  # the server does not start
    assert "COCREATE_ADMIN_PASSWORD" in capsys.readouterr().err


def test_the_bootstrap_admin_is_throttled_like_staff(engine, monkeypatch):
    monkeypatch.setenv("COCREATE_ADMIN_PASSWORD", BOOT)
    now = utcnow()
    for _ in range(ST.MAX_FAILURES):
        ident, err = sign_in(engine, "guess", now=now)
    assert ident is None and err.key == "auth.staff_throttled"
    assert sign_in(engine, BOOT, now=now)[1].key == "auth.staff_throttled"
    assert sign_in(engine, BOOT, client="198.51.100.1|x", now=now)[0] is not None


def test_a_real_admin_account_ends_the_bootstrap_admin(engine, monkeypatch):
    monkeypatch.setenv("COCREATE_ADMIN_PASSWORD", BOOT)
    ident, _ = sign_in(engine, BOOT)
    assert ident is not None and ident.id is None
    with transaction(engine) as s:
        token = SS.open_staff_session(s, ident)
    with transaction(engine) as s:
        assert SS.staff_of(s, token) == ident
        ST.add_user(s, "zhao", "a real admin password", "admin")  # not named admin
    with transaction(engine) as s:
        assert SS.staff_of(s, token) is None  # its open session ends too
    assert sign_in(engine, BOOT, client="198.51.100.2|x")[0] is None
    with transaction(engine) as s:
        ST.disable_user(s, "zhao")  # no active real admin left: the bootstrap works again
    assert sign_in(engine, BOOT, client="198.51.100.2|x")[0] is not None


def test_a_changed_bootstrap_password_ends_its_sessions(engine, monkeypatch):
    monkeypatch.setenv("COCREATE_ADMIN_PASSWORD", BOOT)
    ident, _ = sign_in(engine, BOOT)
    with transaction(engine) as s:
        token = SS.open_staff_session(s, ident)
    monkeypatch.setenv("COCREATE_ADMIN_PASSWORD", BOOT + "-rotated")
    with transaction(engine) as s:
        assert SS.staff_of(s, token) is None
