"""The complaint record projection: written when a complaint is accepted, read by inbox filters and
by the duplicate warning at intake."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm import Session

from runtime import clock
from runtime.search import index as search_index
from runtime.store.db import UTCDateTime, table
from runtime.store.models import OPEN_STATUSES, ComplaintRecord, ProcessInstance

RECORD = table(ComplaintRecord)
# instance fact -> record column (the monthly report's groups; see ComplaintRecord)
REPORT_FACTS = ("validity", "department", "outcome", "satisfaction")

# intake form field -> record column
FIELDS = {"channel": "channel", "category": "category", "location": "site", "subject": "subject",
          "customer_name": "customer_name", "customer_phone": "customer_phone", "reopened_from": "reopened_from",
          "external_ref": "external_ref", "customer_unit": "customer_unit"}


def write(session: Session, instance, data: dict) -> None:
    """Record what a process started with, if it is a complaint (it has record fields); ``instance`` is
    the stored instance row as this transaction holds it (its facts, owner and severity are not read back).
    Written before the instance's first tasks, which copy its filter fields as they are inserted."""
    columns = table(ComplaintRecord).c
    values = {column: _text(data.get(field), getattr(columns[column].type, "length", None))
              for field, column in FIELDS.items()}
    if any(values.values()):
        values.update(_since(report_facts(instance.facts or {}, instance.owner, instance.severity), {}, clock.now()))
        session.connection().execute(insert(table(ComplaintRecord)).values(instance_id=instance.id, **values))
        search_index.write(session, instance.id, instance.business_key, data)


def site_of(data: dict) -> str | None:
    """The site a new complaint's record will hold (the instance keeps a copy to count open complaints by)."""
    return _text(data.get("location"), getattr(RECORD.c.site.type, "length", None))


def report_facts(facts: dict, owner: str | None, severity: str | None) -> dict:
    """The record columns an instance's facts give (what ``follow`` keeps up to date)."""
    out: dict = {name: _text(facts.get(name), getattr(RECORD.c[name].type, "length", None)) for name in REPORT_FACTS}
    out.update(severity=severity, owner=owner or None, accepted_at=_moment(facts.get("accepted_at")))
    return out


def follow(session: Session, instance_id: int, before: dict, after: dict, now: datetime) -> None:
    """Copy the report's facts onto the record when a save changed them (no statement otherwise):
    the first owner stamps ``taken_at``, the first validity ``classified_at``."""
    if before != after:
        session.connection().execute(update(RECORD).where(RECORD.c.instance_id == instance_id)
                                     .values(_since(after, before, now, keep=True)))


def _since(after: dict, before: dict, now: datetime, keep: bool = False) -> dict:
    values = {k: v for k, v in after.items() if k != "owner"}
    stamp = literal(now, UTCDateTime())
    for fact, column in (("owner", "taken_at"), ("validity", "classified_at")):
        if after.get(fact) and not before.get(fact):
            values[column] = func.coalesce(RECORD.c[column], stamp) if keep else now
    return values


def _moment(value) -> datetime | None:
    """An ISO text with offset (as ``reception_time`` writes it) as an aware moment; else None."""
    try:
        moment = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return moment if moment is None or moment.tzinfo else None


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
