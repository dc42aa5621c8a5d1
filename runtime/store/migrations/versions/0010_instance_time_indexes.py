"""process_instance started_at / updated_at indexes: the administrators' list sorts by them

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_process_instance_started_at", "process_instance", ["started_at"])
    op.create_index("ix_process_instance_updated_at", "process_instance", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_process_instance_updated_at", "process_instance")
    op.drop_index("ix_process_instance_started_at", "process_instance")
