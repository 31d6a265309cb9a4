"""Alembic environment: the engine comes from the caller (storage.db.migrate) or the config."""

from __future__ import annotations

from alembic import context

# Every table module registers its classes on Base when imported: storage/schema.py
# imports them all (a test keeps it complete).
import cocreate_map.storage.schema  # noqa: F401
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
