"""Writing the search row of one complaint, in the transaction that writes its record.

What a complaint is found by: its number, the customer's name, unit and phone, the integrator's
ticket id, and the texts staff remember (description, demand, place, whom it is about).
"""
from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from runtime.search.terms import phone_terms, text_terms
from runtime.store.db import table
from runtime.store.models import ProcessInstance
from runtime.store.search_index import ComplaintSearch

TEXT_FIELDS = ("customer_name", "customer_unit", "external_ref", "description", "demand", "location", "subject")


def document(number: str | None, data: Mapping) -> str:
    """The space-separated terms of a complaint (sorted, each once: the index keeps no positions)."""
    found = text_terms(number)
    for field in TEXT_FIELDS:
        found |= text_terms(data.get(field))
    found |= phone_terms(data.get("customer_phone"))
    return " ".join(sorted(found))


def write(session: Session, instance_id: int, data: Mapping) -> None:
    """Write (or replace) the search row of ``instance_id`` from the data it was accepted with."""
    number = session.scalar(select(ProcessInstance.business_key).where(ProcessInstance.id == instance_id))
    rows = table(ComplaintSearch)
    connection = session.connection()
    connection.execute(delete(rows).where(rows.c.instance_id == instance_id))
    connection.execute(insert(rows).values(instance_id=instance_id, terms=document(number, data)))
