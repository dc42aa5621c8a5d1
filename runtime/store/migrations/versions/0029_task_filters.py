"""the inbox's filters read an index: human_task (category, site) for a category with or without a
site, (site) for a site alone; a manager's filtered tab no longer scans every open task

Revision ID: 0029
Revises: 0028
"""
from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_human_task_category_site", "human_task", ["category", "site"])
    op.create_index("ix_human_task_site", "human_task", ["site"])


def downgrade() -> None:
    op.drop_index("ix_human_task_site", table_name="human_task")
    op.drop_index("ix_human_task_category_site", table_name="human_task")
