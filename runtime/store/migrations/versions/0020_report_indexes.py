"""indexes for the dashboard's charts and the event-log export: when complaints ended, missed deadlines
with their complaint (index-only counts per day and per site), the audit log by time (an export of a day
reads that day, not the whole log)

Revision ID: 0020
Revises: 0019
"""
from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_process_instance_ended_at", "process_instance", ["ended_at"])
    op.drop_index("ix_sla_clock_breached_at", table_name="sla_clock")
    op.create_index("ix_sla_clock_breached_at", "sla_clock", ["breached_at", "instance_id"])
    op.create_index("ix_audit_event_at", "audit_event", ["at"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.drop_index("ix_sla_clock_breached_at", table_name="sla_clock")
    op.create_index("ix_sla_clock_breached_at", "sla_clock", ["breached_at"])
    op.drop_index("ix_process_instance_ended_at", table_name="process_instance")
