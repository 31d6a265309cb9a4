"""Alembic environment: the engine comes from the caller (storage.db.migrate) or the config."""

from __future__ import annotations

from alembic import context

# Feature table modules register their classes on Base when imported; list each here.
import cocreate_map.storage.ballot_tables  # noqa: F401
import cocreate_map.storage.funds_tables  # noqa: F401
import cocreate_map.storage.mark_tables  # noqa: F401
import cocreate_map.storage.options_tables  # noqa: F401
import cocreate_map.storage.work_tables  # noqa: F401
from cocreate_map.storage.db import make_engine
from cocreate_map.storage.tables import Base

engine = context.config.attributes.get("engine") or make_engine()

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
