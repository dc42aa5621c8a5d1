"""complaint_record: the searchable record fields of each complaint

Revision ID: 0005
Revises: 0004
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

INDEXED = ("channel", "category", "site", "reopened_from")


def upgrade() -> None:
    op.create_table(
        "complaint_record",
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("category", sa.String(length=80), nullable=True),
        sa.Column("site", sa.String(length=300), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("customer_name", sa.String(length=120), nullable=True),
        sa.Column("customer_phone", sa.String(length=40), nullable=True),
        sa.Column("reopened_from", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.PrimaryKeyConstraint("instance_id"),
    )
    for column in INDEXED:
        op.create_index(f"ix_complaint_record_{column}", "complaint_record", [column])
    op.create_index("ix_complaint_record_phone_category", "complaint_record", ["customer_phone", "category"])


def downgrade() -> None:
    op.drop_index("ix_complaint_record_phone_category", "complaint_record")
    for column in INDEXED:
        op.drop_index(f"ix_complaint_record_{column}", "complaint_record")
    op.drop_table("complaint_record")
