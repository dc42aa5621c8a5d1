"""The complaint record projection: written when a complaint is accepted, read by inbox filters and
by the duplicate warning at intake."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from runtime.search import index as search_index
from runtime.store.db import table
from runtime.store.models import OPEN_STATUSES, ComplaintRecord, ProcessInstance

# intake form field -> record column
FIELDS = {"channel": "channel", "category": "category", "location": "site", "subject": "subject",
          "customer_name": "customer_name", "customer_phone": "customer_phone", "reopened_from": "reopened_from",
          "external_ref": "external_ref", "customer_unit": "customer_unit"}


def write(session: Session, instance_id: int, data: dict) -> None:
    """Record what a process started with, if it is a complaint (it has record fields)."""
    columns = table(ComplaintRecord).c
    values = {column: _text(data.get(field), getattr(columns[column].type, "length", None))
              for field, column in FIELDS.items()}
    if any(values.values()):
        session.connection().execute(insert(table(ComplaintRecord)).values(instance_id=instance_id, **values))
        from runtime.store.projections import copy_record_to_tasks  # projections import the models only
        copy_record_to_tasks(session, instance_id)
        search_index.write(session, instance_id, data)


def open_duplicates(session: Session, phone: str | None, category: str | None) -> list[str]:
    """Numbers of open complaints from the same phone in the same category (the intake warning)."""
    if not phone or not category:
        return []
    query = (select(ProcessInstance.business_key).join(ComplaintRecord)
             .where(ComplaintRecord.customer_phone == phone.strip(), ComplaintRecord.category == category,
                    ProcessInstance.status.in_(OPEN_STATUSES)).order_by(ProcessInstance.started_at.desc()).limit(10))
    return list(session.scalars(query))


def _text(value, limit: int | None) -> str | None:
    if value in (None, ""):
        return None
    return str(value).replace("\x00", "").strip()[:limit]  # PostgreSQL text refuses NUL
