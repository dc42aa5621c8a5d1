"""the heat from the task rows alone: human_task keeps its instance's definition_id (filled from
process_instance; a migration to another version moves it with the instance), indexed with the task's
name, so counting one process's open tasks per element no longer joins every open task to its instance

Revision ID: 0028
Revises: 0027
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("human_task", sa.Column("definition_id", sa.Integer(), nullable=True))
    op.execute("UPDATE human_task SET definition_id = (SELECT p.definition_id FROM process_instance p "
               "WHERE p.id = human_task.instance_id)")
    op.create_index("ix_human_task_definition", "human_task", ["definition_id", "task_name"])


def downgrade() -> None:
    op.drop_index("ix_human_task_definition", table_name="human_task")
    op.drop_column("human_task", "definition_id")
