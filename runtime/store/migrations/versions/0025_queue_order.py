"""a group's queue in the inbox's order: ix_human_task_queue becomes (role, assignee, due_at, created_at,
department), so a page of a group's unclaimed tasks is read off the index instead of
sorting every matching row (the API's and the inbox's list stay flat at 100,000 open complaints)

Revision ID: 0025
Revises: 0024
"""
from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_human_task_queue", table_name="human_task")
    op.create_index("ix_human_task_queue", "human_task",
                    ["role", "assignee", "due_at", "created_at", "department"])


def downgrade() -> None:
    op.drop_index("ix_human_task_queue", table_name="human_task")
    op.create_index("ix_human_task_queue", "human_task", ["role", "department", "assignee"])
