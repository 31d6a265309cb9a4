"""Issue 11.9: household codes are stored as an HMAC keyed by a server secret kept outside the
database (0600), so a copied database cannot test codes; migration 0007 re-keys existing hashes
(issued codes, the demo's included, keep working) — on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from cocreate_map import keys, services
from cocreate_map.domain.households import hash_code
from cocreate_map.storage.ballot_tables import HouseholdRow
from cocreate_map.storage.db import make_engine, migrate, transaction
from tests.conftest import PG_URL, _unavailable
from tests.services.ballot_factories import make_register


def test_the_stored_hash_needs_the_server_secret(engine, tmp_path, monkeypatch):
    reg = make_register(engine, slug="keyed", buildings=[("1", 2)])
    hid, code = reg["1-1-101"]
    with transaction(engine) as s:
        row = s.get(HouseholdRow, hid)
        assert row.code_hash != hash_code(row.community_id, code)  # not the unkeyed sha256
        assert services.join_with_code(s, "keyed", code).household.id == hid
    monkeypatch.setenv("COCREATE_SECRET_FILE", str(tmp_path / "another.key"))
    with transaction(engine) as s:  # with another secret the same code matches nothing
        assert services.join_with_code(s, "keyed", code).household is None


def test_the_secret_file_is_created_once_owner_only(tmp_path, monkeypatch):
    path = tmp_path / "sub" / "secret.key"
    monkeypatch.setenv("COCREATE_SECRET_FILE", str(path))
    first = keys.server_secret()
    assert len(first) == keys.SECRET_BYTES and path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert keys.server_secret() == first
    keys._load.cache_clear()
    assert keys.server_secret() == first  # read back, not replaced


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request, tmp_path) -> Iterator[str]:
    """An empty database (not migrated) on SQLite or PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    admin_url = make_url(PG_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001
        _unavailable(f"PostgreSQL not reachable: {exc}")
    name = f"cocreate_mig_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migration_rekeys_old_hashes_so_issued_codes_keep_working(fresh_url, capsys):
    engine = make_engine(fresh_url)
    migrate(engine, "0006")
    [(_, demo_code), (_, other_code)] = services.demo_codes()[:2]
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO communities (slug, name, metric_epsg, created_at) "
                "VALUES ('old', '旧小区', 32650, CURRENT_TIMESTAMP)"
            )
        )
        cid = c.execute(text("SELECT id FROM communities")).scalar_one()
        for room, code in (("101", demo_code), ("102", other_code), ("201", other_code)):
            c.execute(
                text(
                    "INSERT INTO households (community_id, building, unit, room, area_m2, "
                    "code_hash, created_at) VALUES (:c, '1', '1', :r, '60.00', :h, "
                    "CURRENT_TIMESTAMP)"
                ),
                {"c": cid, "r": room, "h": hash_code(cid, code)},
            )
    migrate(engine)
    assert "1-1-201" in capsys.readouterr().out  # the later of two households sharing a code
    with transaction(engine) as s:
        stored = {h.room: h.code_hash for h in s.scalars(select(HouseholdRow))}
        assert stored["201"] is None
        assert hash_code(cid, demo_code) not in stored.values()
        assert services.join_with_code(s, "old", demo_code).household.room == "101"
        assert services.join_with_code(s, "old", other_code).household.room == "102"
    engine.dispose()
