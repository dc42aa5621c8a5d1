"""human_task.category / channel / site: the record's filter fields on the task rows

Revision ID: 0009
Revises: 0008
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("human_task", sa.Column("category", sa.String(length=80), nullable=True))
    op.add_column("human_task", sa.Column("channel", sa.String(length=40), nullable=True))
    op.add_column("human_task", sa.Column("site", sa.String(length=300), nullable=True))
    op.execute("""UPDATE human_task SET
        category = (SELECT category FROM complaint_record r WHERE r.instance_id = human_task.instance_id),
        channel = (SELECT channel FROM complaint_record r WHERE r.instance_id = human_task.instance_id),
        site = (SELECT site FROM complaint_record r WHERE r.instance_id = human_task.instance_id)""")


def downgrade() -> None:
    with op.batch_alter_table("human_task") as batch:
        batch.drop_column("site")
        batch.drop_column("channel")
        batch.drop_column("category")
