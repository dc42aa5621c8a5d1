"""complaint_search: the search terms of every complaint, indexed by each database in its own way
(SQLite: the terms as text and an FTS5 table kept in step by triggers; PostgreSQL: the terms as a
tsvector with a GIN index); the complaints already there are indexed from their record and the data
they were accepted with

Revision ID: 0015
Revises: 0014
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from runtime.search.index import document
from runtime.store.search_index import TERMS

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BATCH = 2000
# The ascii tokenizer splits on ASCII spaces and punctuation only: the terms, made in Python, are taken as
# they are, and nothing depends on the Unicode tables of the SQLite build. No positions or sizes are kept
# (detail=none, columnsize=0: no phrase search, no ranking); prefix='1' indexes every term's first character,
# so a one-character query reads one posting list instead of merging those of every term it begins (客* over
# a million complaints: 1 ms instead of 250 ms).
FTS = ("CREATE VIRTUAL TABLE complaint_search_fts USING fts5(terms, content='complaint_search', "
       "content_rowid='instance_id', detail=none, columnsize=0, prefix='1', tokenize='ascii')")
TRIGGERS = (
    """CREATE TRIGGER complaint_search_ai AFTER INSERT ON complaint_search BEGIN
         INSERT INTO complaint_search_fts (rowid, terms) VALUES (new.instance_id, new.terms); END""",
    """CREATE TRIGGER complaint_search_ad AFTER DELETE ON complaint_search BEGIN
         INSERT INTO complaint_search_fts (complaint_search_fts, rowid, terms)
         VALUES ('delete', old.instance_id, old.terms); END""",
    """CREATE TRIGGER complaint_search_au AFTER UPDATE ON complaint_search BEGIN
         INSERT INTO complaint_search_fts (complaint_search_fts, rowid, terms)
         VALUES ('delete', old.instance_id, old.terms);
         INSERT INTO complaint_search_fts (rowid, terms) VALUES (new.instance_id, new.terms); END""",
)
GIN = "CREATE INDEX ix_complaint_search_terms ON complaint_search USING gin (terms)"


def upgrade() -> None:
    op.create_table(
        "complaint_search",
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), primary_key=True),
        sa.Column("terms", TERMS, nullable=False),
    )
    _backfill(op.get_bind())  # before the index: one build instead of a million updates
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GIN)
        return
    op.execute(FTS)
    op.execute("INSERT INTO complaint_search_fts (complaint_search_fts) VALUES ('rebuild')")
    for trigger in TRIGGERS:
        op.execute(trigger)


def _backfill(bind) -> None:
    """Index every complaint there is: its record, and the data of its ``started`` audit event."""
    meta = sa.MetaData()
    record = sa.Table("complaint_record", meta, sa.Column("instance_id", sa.Integer), *(sa.Column(name, sa.String) for name in (
        "customer_name", "customer_phone", "customer_unit", "external_ref", "site", "subject")))
    instance = sa.Table("process_instance", meta, sa.Column("id", sa.Integer), sa.Column("business_key", sa.String))
    audit = sa.Table("audit_event", meta, sa.Column("instance_id", sa.Integer), sa.Column("action", sa.String),
                     sa.Column("details", sa.JSON))
    search = sa.Table("complaint_search", meta, sa.Column("instance_id", sa.Integer), sa.Column("terms", TERMS))
    last = 0
    while True:
        fields = [c.label("location") if c.name == "site" else c for c in record.c]  # the intake form's names
        rows = bind.execute(sa.select(*fields, instance.c.business_key)
                            .join(instance, instance.c.id == record.c.instance_id)
                            .where(record.c.instance_id > last).order_by(record.c.instance_id).limit(BATCH)).all()
        if not rows:
            return
        ids = [r.instance_id for r in rows]
        started = dict(bind.execute(sa.select(audit.c.instance_id, audit.c.details)
                                    .where(audit.c.instance_id.in_(ids), audit.c.action == "started")).all())
        values = []
        for r in rows:
            kept = {k: v for k, v in r._mapping.items() if v is not None}  # cut to the column lengths
            data = {**kept, **((started.get(r.instance_id) or {}).get("data") or {})}
            values.append({"instance_id": r.instance_id, "terms": document(r.business_key, data)})
        bind.execute(sa.insert(search), values)
        last = ids[-1]


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_complaint_search_terms")
    else:
        for name in ("complaint_search_au", "complaint_search_ad", "complaint_search_ai"):
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE complaint_search_fts")
    op.drop_table("complaint_search")
