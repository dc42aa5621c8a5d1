"""Writing the search row of one complaint, in the transaction that writes its record.

What a complaint is found by: its number, the customer's name, unit and phone, the integrator's
ticket id, and the texts staff remember (description, demand, place, whom it is about).
"""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from runtime.search.terms import phone_terms, text_terms
from runtime.store.db import conflict_insert, table
from runtime.store.search_index import ComplaintSearch

TEXT_FIELDS = ("customer_name", "customer_unit", "external_ref", "description", "demand", "location", "subject")


def document(number: str | None, data: Mapping) -> str:
    """The space-separated terms of a complaint (sorted, each once: the index keeps no positions)."""
    found = text_terms(number)
    for field in TEXT_FIELDS:
        found |= text_terms(data.get(field))
    found |= phone_terms(data.get("customer_phone"))
    return " ".join(sorted(found))


def write(session: Session, instance_id: int, number: str | None, data: Mapping) -> None:
    """Write (or replace) the search row of ``instance_id`` from the data it was accepted with: one upsert
    (SQLite's triggers keep the FTS table in step on insert and update alike)."""
    rows = table(ComplaintSearch)
    upsert = conflict_insert(session.get_bind().dialect.name, rows).values(instance_id=instance_id,
                                                                           terms=document(number, data))
    session.connection().execute(upsert.on_conflict_do_update(index_elements=[rows.c.instance_id],
                                                              set_={"terms": upsert.excluded.terms}))
