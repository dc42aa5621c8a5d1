"""the clocks that were ever late, in a partial index of their own: the monthly report's breaches (a few
in every month's clocks) are read from it instead of from all the clocks of the month

Revision ID: 0022
Revises: 0021
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

# as in runtime/store/models.py at this revision (a migration does not follow later model changes)
LATE_EVER = "breached_at IS NOT NULL OR met_at IS NULL OR met_at > due_at"
LATE_COLUMNS = ["instance_id", "rule", "due_at", "started_at", "met_at", "breached_at", "late_until", "late_days",
                "late_hours"]


def upgrade() -> None:
    op.create_index("ix_sla_clock_late", "sla_clock", LATE_COLUMNS, sqlite_where=sa.text(LATE_EVER),
                    postgresql_where=sa.text(LATE_EVER))


def downgrade() -> None:
    op.drop_index("ix_sla_clock_late", table_name="sla_clock")
