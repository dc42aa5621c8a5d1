"""the dashboard's counts of open complaints from indexes alone: process_instance keeps its record's site
(filled from complaint_record), with (status, severity) and (status, site) indexes, and human_task a
(department, instance_id) index; at 100,000 open and a million closed complaints the figures were
scans of every record (a parallel sequential scan on PostgreSQL)

Revision ID: 0026
Revises: 0025
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("process_instance", sa.Column("site", sa.String(300), nullable=True))
    op.execute("UPDATE process_instance SET site = (SELECT r.site FROM complaint_record r "
               "WHERE r.instance_id = process_instance.id)")
    op.drop_index("ix_process_instance_status", table_name="process_instance")
    op.create_index("ix_process_instance_status", "process_instance", ["status", "severity"])
    op.create_index("ix_process_instance_status_site", "process_instance", ["status", "site"])
    op.create_index("ix_human_task_department", "human_task", ["department", "instance_id"])


def downgrade() -> None:
    op.drop_index("ix_human_task_department", table_name="human_task")
    op.drop_index("ix_process_instance_status_site", table_name="process_instance")
    op.drop_index("ix_process_instance_status", table_name="process_instance")
    op.create_index("ix_process_instance_status", "process_instance", ["status"])
    # plain ALTER (SQLite >= 3.35): a batch copy of the table would break the foreign keys pointing at it
    op.execute("ALTER TABLE process_instance DROP COLUMN site")
