"""sla_event: missed deadlines, for the monthly timeliness rates

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runtime.store.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=False),
        sa.Column("element_name", sa.String(length=300), nullable=False),
        sa.Column("occurred_at", runtime.store.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sla_event_instance_id", "sla_event", ["instance_id"])
    op.create_index("ix_sla_event_rule_at", "sla_event", ["rule", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_sla_event_rule_at", "sla_event")
    op.drop_index("ix_sla_event_instance_id", "sla_event")
    op.drop_table("sla_event")
