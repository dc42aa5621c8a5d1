"""sla_clock: one row per deadline (started, due, met or breached, exact), replacing sla_event;
human_task keeps its deadline's rule and exactness; timer keeps its exactness

Revision ID: 0012
Revises: 0011
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.store.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_clock",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=False),
        sa.Column("business_key", sa.String(length=64), nullable=False),
        sa.Column("timer_id", sa.String(length=60), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=False),
        sa.Column("element_name", sa.String(length=300), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("met_at", UTCDateTime(), nullable=True),
        sa.Column("breached_at", UTCDateTime(), nullable=True),
        sa.Column("exact", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.UniqueConstraint("instance_id", "timer_id", name="uq_sla_clock_timer"),
    )
    op.create_index("ix_sla_clock_rule_started", "sla_clock", ["rule", "started_at"])
    op.create_index("ix_sla_clock_breached_at", "sla_clock", ["breached_at"])
    # Every missed deadline recorded so far becomes a breached clock (its start is not known: the
    # breach time stands in for it, so a rate over started clocks counts it in the month it fired).
    op.execute("INSERT INTO sla_clock (instance_id, business_key, timer_id, rule, element_id, element_name, "
               "started_at, due_at, breached_at, exact) "
               "SELECT instance_id, business_key, 'sla_event:' || CAST(id AS VARCHAR(20)), rule, element_id, "
               "element_name, occurred_at, occurred_at, occurred_at, true FROM sla_event")
    op.drop_index("ix_sla_event_rule_at", "sla_event")
    op.drop_index("ix_sla_event_instance_id", "sla_event")
    op.drop_table("sla_event")
    with op.batch_alter_table("human_task") as batch:
        batch.add_column(sa.Column("due_rule", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("due_exact", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("timer") as batch:
        batch.add_column(sa.Column("exact", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("timer") as batch:
        batch.drop_column("exact")
    with op.batch_alter_table("human_task") as batch:
        batch.drop_column("due_exact")
        batch.drop_column("due_rule")
    op.create_table(
        "sla_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), nullable=False),
        sa.Column("business_key", sa.String(length=64), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=False),
        sa.Column("element_name", sa.String(length=300), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_sla_event_instance_id", "sla_event", ["instance_id"])
    op.create_index("ix_sla_event_rule_at", "sla_event", ["rule", "occurred_at"])
    op.execute("INSERT INTO sla_event (instance_id, business_key, rule, element_id, element_name, occurred_at) "
               "SELECT instance_id, business_key, rule, element_id, element_name, breached_at FROM sla_clock "
               "WHERE breached_at IS NOT NULL")
    op.drop_index("ix_sla_clock_breached_at", "sla_clock")
    op.drop_index("ix_sla_clock_rule_started", "sla_clock")
    op.drop_table("sla_clock")
