"""worker: incident retries, notification outbox, worker heartbeats, instance owner and severity

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import runtime.store.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

UTC = runtime.store.db.UTCDateTime()


def upgrade() -> None:
    op.add_column("process_instance", sa.Column("owner", sa.String(length=80), nullable=True))
    op.add_column("process_instance", sa.Column("severity", sa.String(length=10), nullable=True))
    op.create_index("ix_process_instance_owner", "process_instance", ["owner"])
    op.add_column("incident", sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("incident", sa.Column("retry_at", UTC, nullable=True))
    op.create_index("ix_incident_retry_at", "incident", ["retry_at"])
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("recipient", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("business_key", sa.String(length=64), nullable=True),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("read_at", UTC, nullable=True),
        sa.Column("email_to", sa.String(length=200), nullable=True),
        sa.Column("email_status", sa.String(length=10), nullable=True),
        sa.Column("email_due_at", UTC, nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_sent_at", UTC, nullable=True),
        sa.Column("email_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_key"),
    )
    op.create_index("ix_notification_recipient_read", "notification", ["recipient", "read_at"])
    op.create_index("ix_notification_email_queue", "notification", ["email_status", "email_due_at"])
    op.create_table(
        "worker_heartbeat",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("seen_at", UTC, nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.Column("mailed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("worker_heartbeat")
    op.drop_index("ix_notification_email_queue", "notification")
    op.drop_index("ix_notification_recipient_read", "notification")
    op.drop_table("notification")
    op.drop_index("ix_incident_retry_at", "incident")
    with op.batch_alter_table("incident") as batch:
        batch.drop_column("retry_at")
        batch.drop_column("attempts")
    op.drop_index("ix_process_instance_owner", "process_instance")
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_column("severity")
        batch.drop_column("owner")
