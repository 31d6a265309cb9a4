"""Shared fixtures: a migrated engine on real SQLite and on a real PostgreSQL/PostGIS database.

The PostgreSQL server comes from COCREATE_TEST_PG_URL (scripts/test sets the local default). Each
test session creates its own database and drops it at the end. With CI=true a missing server
fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from cocreate_map.storage.db import make_engine, migrate

ROOT = Path(__file__).resolve().parent.parent
REALDATA = ROOT.parent / "shared" / "realdata"
PG_URL = os.environ.get(
    "COCREATE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the PostgreSQL/Chromium tests must run, not skip)")
    pytest.skip(reason)


def pytest_itemcollected(item: pytest.Item) -> None:
    """Under pytest-xdist (scripts/test runs two workers) the browser tests and the concurrency
    tests share one group, so they never run beside each other: one Chromium at a time, and
    the many-client tests do not starve a browser test's timeouts. (Marked as each test is
    collected: xdist reads the groups in its own collection_modifyitems.) Every test under
    tests/e2e/ is in the group, marked or not: a browser test that forgot its e2e mark once ran
    beside another Chromium and both timed out."""
    if (
        item.nodeid.startswith("tests/e2e/")
        or item.get_closest_marker("e2e")
        or "concurrency" in item.nodeid
    ):
        item.add_marker(pytest.mark.xdist_group("serial"))


@pytest.fixture(autouse=True)
def _data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test its own data folder (audit signing key and signed heads, COCREATE_DATA_DIR),
    inherited by the processes it starts."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("COCREATE_DATA_DIR", str(folder))
    return folder


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database named ``prefix_<random>``; dropped afterwards."""
    admin_url = make_url(PG_URL)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def shared_data_dir(name: str) -> tuple[Any, Any]:
    """Fixtures for a module whose databases are built once (:func:`module_database`): a
    module-wide data folder, and an autouse override of ``_data_dir`` that points every test of
    the module at it (the audit key and signed heads must be the ones the data was built with).
    Use: ``_module_data, _data_dir = shared_data_dir("my-data")`` at module level."""

    @pytest.fixture(scope="module")
    def _module_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
        return tmp_path_factory.mktemp(name)

    @pytest.fixture(autouse=True)
    def _data_dir(_module_data: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        monkeypatch.setenv("COCREATE_DATA_DIR", str(_module_data))
        return _module_data

    return _module_data, _data_dir


@contextmanager
def module_database(kind: str, folder: Path) -> Iterator[Engine]:
    """A migrated database for a module-scoped fixture ("sqlite": a file in ``folder``;
    "postgres": a scratch database, dropped afterwards)."""
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{folder / 'module.sqlite3'}")
        migrate(engine)
        yield engine
        engine.dispose()
        return
    try:
        probe = create_engine(PG_URL)
        with probe.connect():
            pass
        probe.dispose()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        _unavailable(f"PostgreSQL not reachable: {exc}")
    with scratch_database("cocreate_module") as url:
        engine = make_engine(url)
        migrate(engine)
        yield engine
        engine.dispose()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database with PostGIS for this test session."""
    admin_url = make_url(PG_URL)
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any connection failure means "no server"
        _unavailable(f"PostgreSQL not reachable at {admin_url.render_as_string()}: {exc}")
    with scratch_database("cocreate_test") as url:
        yield url


@pytest.fixture
def fresh_pg_url(pg_database_url: str) -> Iterator[str]:
    """An empty PostgreSQL database of its own (not migrated), dropped after the test: for
    tests that move communities between databases or restore backups."""
    with scratch_database("cocreate_fresh") as url:
        yield url


@pytest.fixture(scope="session")
def pg_engine(pg_database_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_database_url)
    migrate(engine)
    yield engine
    engine.dispose()


def _clean(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (
            "elements",
            "imports",
            "settings",
            "throttles",
            "auth_sessions",
            "staff_users",
            "communities",
        ):
            conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: once on SQLite, once on PostgreSQL/PostGIS."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.sqlite3'}")
        migrate(eng)
        yield eng
        eng.dispose()
    else:
        eng = request.getfixturevalue("pg_engine")
        _clean(eng)
        yield eng
        _clean(eng)


@pytest.fixture
def sqlite_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """COCREATE_DATABASE_URL pointing at a fresh SQLite file (for CLI and app tests)."""
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    monkeypatch.setenv("COCREATE_DATABASE_URL", url)
    return url


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        _unavailable(f"{REALDATA} is missing (the shared real-world files sit beside the repo)")
    return REALDATA


# Hypothesis: no per-example deadline. A busy 2-core CI machine makes wall-clock deadlines flaky,
# and speed is measured by benchmarks/, never by tests.
settings.register_profile("cocreate", deadline=None)
settings.load_profile("cocreate")
