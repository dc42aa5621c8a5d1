"""Alembic migrations of the complaintflow schema; run through ``runtime.migrate``."""
