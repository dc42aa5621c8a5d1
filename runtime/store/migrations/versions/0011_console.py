"""timer.started_at (migration recomputes a changed timer from its start) and task_history (the
dashboard's average wait per task)

Revision ID: 0011
Revises: 0010
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.db import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("timer", sa.Column("started_at", UTCDateTime(), nullable=True))
    op.create_table(
        "task_history",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=False),
        sa.Column("task_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_task_history_ended_at", "task_history", ["ended_at"])


def downgrade() -> None:
    op.drop_index("ix_task_history_ended_at", "task_history")
    op.drop_table("task_history")
    with op.batch_alter_table("timer") as batch:
        batch.drop_column("started_at")
