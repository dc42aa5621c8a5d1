"""Alembic environment: the connection comes from ``runtime.store.migrate`` via config attributes."""
from __future__ import annotations

from alembic import context

from runtime.store import models  # noqa: F401  (registers every table on Base.metadata)
from runtime.store.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
