"""complaint_link, collective_case, collective_member: repeat and collective complaints found at intake

Revision ID: 0018
Revises: 0017
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.db import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=False),
        sa.Column("related_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.UniqueConstraint("instance_id", "related_id", "kind"),
    )
    op.create_index("ix_complaint_link_related", "complaint_link", ["related_id"])
    op.create_index("ix_complaint_record_unit_category", "complaint_record", ["customer_unit", "category"])
    op.create_table(
        "collective_case",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=True),
        sa.Column("site", sa.String(length=300), nullable=True),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.JSON(), nullable=False),
        sa.Column("plan", sa.Text(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_collective_case_site", "collective_case", ["site", "category", "opened_at"])
    op.create_table(
        "collective_member",
        sa.Column("collective_id", sa.Integer(), sa.ForeignKey("collective_case.id"), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), primary_key=True),
        sa.Column("joined_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_collective_member_instance_id", "collective_member", ["instance_id"])


def downgrade() -> None:
    op.drop_index("ix_collective_member_instance_id", table_name="collective_member")
    op.drop_table("collective_member")
    op.drop_index("ix_collective_case_site", table_name="collective_case")
    op.drop_table("collective_case")
    op.drop_index("ix_complaint_record_unit_category", table_name="complaint_record")
    op.drop_index("ix_complaint_link_related", table_name="complaint_link")
    op.drop_table("complaint_link")
