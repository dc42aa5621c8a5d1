"""Alembic migrations of the complaintflow schema; run through ``runtime.store.migrate``."""
