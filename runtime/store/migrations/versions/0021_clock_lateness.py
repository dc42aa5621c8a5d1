"""sla_clock gains the lateness of a breached clock, written once when it ends (late_until, late_days,
late_hours): the monthly report reads a month's breaches without looking up each step's completion.
Clocks breached before the upgrade get ``late_until`` from their step's first completion or their
complaint's end (a deadline on no step: when it was breached); their working days are left to the
report, which measures any clock without them on the calendar when it reads it.

Revision ID: 0021
Revises: 0020
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.db import UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

ENDED = """CASE WHEN task_id IS NULL THEN breached_at ELSE COALESCE(
    (SELECT MIN(a.at) FROM audit_event a WHERE a.task_id = sla_clock.task_id AND a.action = 'task_completed'),
    (SELECT p.ended_at FROM process_instance p WHERE p.id = sla_clock.instance_id)) END"""


def upgrade() -> None:
    with op.batch_alter_table("sla_clock") as batch:
        batch.add_column(sa.Column("late_until", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("late_days", sa.Float(), nullable=True))
        batch.add_column(sa.Column("late_hours", sa.Float(), nullable=True))
    op.execute(f"UPDATE sla_clock SET late_until = {ENDED} WHERE breached_at IS NOT NULL")
    op.execute("UPDATE sla_clock SET late_until = due_at WHERE late_until < due_at")


def downgrade() -> None:
    with op.batch_alter_table("sla_clock") as batch:
        batch.drop_column("late_hours")
        batch.drop_column("late_days")
        batch.drop_column("late_until")
