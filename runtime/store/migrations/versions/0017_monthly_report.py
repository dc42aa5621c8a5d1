"""monthly_report: the kept monthly complaint reports (their figures); complaint_record gains the facts
the report groups by (accepted_at, taken_at, classified_at, validity, department, severity, outcome,
satisfaction), backfilled from each instance's ``facts``; sla_clock gains the report's covering index

Revision ID: 0017
Revises: 0016
"""
from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from runtime.store.db import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

LENGTHS = {"validity": 20, "department": 80, "outcome": 10, "satisfaction": 20}
FACTS = tuple(LENGTHS)
BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "monthly_report",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period", sa.String(length=40), nullable=False, unique=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("made_by", sa.String(length=80), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("mailed_at", UTCDateTime(), nullable=True),
    )
    with op.batch_alter_table("complaint_record") as batch:
        for name in ("accepted_at", "taken_at", "classified_at"):
            batch.add_column(sa.Column(name, UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("validity", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("department", sa.String(length=80), nullable=True))
        batch.add_column(sa.Column("severity", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("satisfaction", sa.String(length=20), nullable=True))
    op.create_index("ix_complaint_record_accepted_at", "complaint_record", ["accepted_at"])
    op.create_index("ix_sla_clock_report", "sla_clock", ["instance_id", "rule", "started_at", "due_at", "met_at",
                                                         "breached_at"])
    _backfill()


def _backfill() -> None:
    """Existing complaints take their facts from the instance row; the moments a fact began to hold
    are not known for them, so the instance's start stands in (their reports were made already)."""
    conn = op.get_bind()
    record = sa.table("complaint_record", sa.column("instance_id"), *(sa.column(c) for c in FACTS),
                      sa.column("severity"), *(sa.column(c, UTCDateTime()) for c in
                                               ("accepted_at", "taken_at", "classified_at")))
    after = 0
    while True:  # a page at a time by id: a million complaints' facts are never in memory at once
        rows = conn.execute(sa.text(
            "SELECT p.id, p.facts, p.owner, p.severity, p.started_at FROM process_instance p "
            "JOIN complaint_record r ON r.instance_id = p.id WHERE p.id > :after ORDER BY p.id LIMIT :n"),
            {"after": after, "n": BATCH}).all()
        if not rows:
            return
        conn.execute(record.update().where(record.c.instance_id == sa.bindparam("id")),
                     [_values(*row) for row in rows])
        after = rows[-1][0]


def _values(instance_id, facts, owner, severity, started_at) -> dict:
    facts = json.loads(facts) if isinstance(facts, str) else (facts or {})
    started = started_at if isinstance(started_at, datetime) else datetime.fromisoformat(str(started_at))
    started = started if started.tzinfo else started.replace(tzinfo=UTC)
    try:
        accepted = datetime.fromisoformat(str(facts.get("accepted_at")))
    except ValueError:
        accepted = started
    accepted = accepted if accepted.tzinfo else accepted.replace(tzinfo=UTC)
    text = {name: str(facts[name])[:LENGTHS[name]] if facts.get(name) not in (None, "") else None for name in FACTS}
    return {"id": instance_id, **text, "severity": severity, "accepted_at": accepted,
            "taken_at": started if owner else None, "classified_at": started if text["validity"] else None}


def downgrade() -> None:
    op.drop_index("ix_sla_clock_report", table_name="sla_clock")
    op.drop_index("ix_complaint_record_accepted_at", table_name="complaint_record")
    with op.batch_alter_table("complaint_record") as batch:
        for name in ("satisfaction", "outcome", "severity", "department", "validity", "classified_at", "taken_at",
                     "accepted_at"):
            batch.drop_column(name)
    op.drop_table("monthly_report")
