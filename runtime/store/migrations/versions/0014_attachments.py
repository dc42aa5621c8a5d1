"""attachment: the case file's evidence (photos, PDFs, office documents) of a complaint, the bytes
in a content-addressed blob store; complaint_record keeps the integrator's ticket id and the unit

Revision ID: 0014
Revises: 0013
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.db import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=False),
        sa.Column("business_key", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=True),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("task_name", sa.String(length=200), nullable=True),
        sa.Column("uploaded_by", sa.String(length=80), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_attachment_instance", "attachment", ["instance_id", "id"])
    with op.batch_alter_table("complaint_record") as batch:
        batch.add_column(sa.Column("external_ref", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("customer_unit", sa.String(length=200), nullable=True))
        batch.create_index("ix_complaint_record_external_ref", ["external_ref"])


def downgrade() -> None:
    with op.batch_alter_table("complaint_record") as batch:
        batch.drop_index("ix_complaint_record_external_ref")
        batch.drop_column("customer_unit")
        batch.drop_column("external_ref")
    op.drop_index("ix_attachment_instance", table_name="attachment")
    op.drop_table("attachment")
