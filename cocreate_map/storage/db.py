"""Engine creation and migrations.

SQLite gets WAL, a busy timeout and foreign keys on every connection (DESIGN §5: concurrent
writers from many processes must not see "database is locked"). PostgreSQL needs PostGIS, which
the first migration enables.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from cocreate_map import config
from cocreate_map.errors import InvalidInput

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def make_engine(url: str | None = None) -> Engine:
    url = url or config.database_url()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        _ENGINES.add(engine)
        return engine
    if url.startswith("postgresql"):
        engine = create_engine(url, pool_pre_ping=True)
        _ENGINES.add(engine)
        return engine
    raise InvalidInput(
        f"COCREATE_DATABASE_URL={url!r} is not supported; use sqlite:///path/file.sqlite3 or "
        "postgresql+psycopg://user@host/db"
    )


def dispose_all() -> None:
    """Close the pooled connections of every engine made so far (the CLI, at the end of a
    command: a PostgreSQL connection left to the garbage collector warns)."""
    for engine in list(_ENGINES):
        engine.dispose()


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default head). Idempotent."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def migrated_engine(url: str | None = None) -> Engine:
    """An engine on ``url`` (default: the configured database), migrated to head."""
    engine = make_engine(url)
    migrate(engine)
    return engine


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upsert_insert(session: Session) -> Any:
    """The dialect's ``insert`` (PostgreSQL or SQLite), which has ``on_conflict_do_*``: one row
    per key under concurrent writers is a UNIQUE constraint plus INSERT … ON CONFLICT."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert


def refresh_statistics(session: Session, table: str) -> None:
    """Let PostgreSQL's planner see a table that just grew in bulk (a register import), as
    autovacuum would a minute later: meanwhile it takes a fresh table for a row or two and may
    tally a ballot by reading every vote once per household. SQLite: nothing to do."""
    if session.get_bind().dialect.name == "postgresql":
        session.flush()
        session.execute(text(f'ANALYZE "{table}"'))


@contextmanager
def transaction(engine: Engine, community: int | None = None) -> Iterator[Session]:
    """One user action = one transaction: commit on success, roll back on any error. Opened while
    a community is in scope (:mod:`cocreate_map.storage.scope`), the transaction is confined to
    it; ``community`` confines it explicitly (None: the scope of the context, if any)."""
    from cocreate_map.storage import scope

    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        scope.confine(session, community if community is not None else scope.current())
        yield session
