"""corrective_action: corrective and preventive actions of closing reviews, tracked to done

Revision ID: 0019
Revises: 0018
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.db import UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corrective_action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=False),
        sa.Column("business_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("root_cause", sa.String(length=12), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_by", sa.String(length=80), nullable=True),
        sa.Column("done_note", sa.Text(), nullable=True),
        sa.Column("overdue_notified_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_corrective_action_status_due", "corrective_action", ["status", "due_on"])
    op.create_index("ix_corrective_action_instance", "corrective_action", ["instance_id"])


def downgrade() -> None:
    op.drop_index("ix_corrective_action_instance", table_name="corrective_action")
    op.drop_index("ix_corrective_action_status_due", table_name="corrective_action")
    op.drop_table("corrective_action")
