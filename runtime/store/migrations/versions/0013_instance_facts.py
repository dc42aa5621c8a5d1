"""process_instance.facts: what the complaint page shows about where a complaint stands (why it is
urgent, whether the customer can be called back, when it was received and entered, its outcome)

Revision ID: 0013
Revises: 0012
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_instance") as batch:
        batch.add_column(sa.Column("facts", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_column("facts")
