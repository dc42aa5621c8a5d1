"""The database the migrations build is the one the code declares, on both backends.

An index or column added to the models without a migration (or the other way round) would leave
every upgraded installation without it: the lists it serves slow down, or a query fails, only in
production. The search index's own objects exist in the migrations alone (FTS5 tables, a GIN index).
"""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from runtime.store.db import Base

MIGRATIONS_ONLY = ("complaint_search_fts", "ix_complaint_search_terms")


def _name(diff) -> str:
    item = diff[1] if isinstance(diff, tuple) else diff[0][1]  # a column change comes as a list of tuples
    return str(getattr(item, "name", item))


def test_the_migrated_schema_matches_the_models(rt):
    with rt.db.engine.connect() as connection:
        found = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    drift = [d for d in found if not _name(d).startswith(MIGRATIONS_ONLY)]
    assert drift == []

