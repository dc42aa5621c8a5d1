"""process_instance (owner, status): "my complaints" reads the open ones of one owner

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_process_instance_owner", "process_instance")
    op.create_index("ix_process_instance_owner_status", "process_instance", ["owner", "status"])


def downgrade() -> None:
    op.drop_index("ix_process_instance_owner_status", "process_instance")
    op.create_index("ix_process_instance_owner", "process_instance", ["owner"])
