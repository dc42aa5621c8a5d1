"""process_release: which deployed package new instances start on (the newest release); the newest
package so far is released as of its deployment

Revision ID: 0023
Revises: 0022
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.db import UTCDateTime

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "process_release",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("package_id", sa.Integer(), sa.ForeignKey("process_package.id"), nullable=False),
        sa.Column("released_at", UTCDateTime(), nullable=False),
        sa.Column("released_by", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(500)))
    op.execute("INSERT INTO process_release (package_id, released_at, released_by, kind, origin) "
               "SELECT id, deployed_at, deployed_by, 'deployed', "
               "CASE WHEN source LIKE 'modeler:%' OR source = 'upload' THEN 'console' ELSE 'files' END "
               "FROM process_package WHERE id = (SELECT max(id) FROM process_package)")


def downgrade() -> None:
    op.drop_table("process_release")
