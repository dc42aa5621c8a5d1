"""Repeat complaints (同人同事): the same customer, by phone or by unit, with the same category within
the owner's window (``[repeat] window_days``) is linked to the earlier complaint when it is accepted,
and the severity decision hears of it (``repeat_complaint``: 重复投诉 makes it major).

The phone is compared as search normalises it (digits only, no 86 country code), so 138-1234-1234
and +86 13812341234 are one customer; a unit is compared with its spaces and letter case folded. The
database narrows the candidates (same category, inside the window, the phone's last four digits or
the unit as stored, newest first, at most ``max_compared``) and Python compares them exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from runtime import clock
from runtime.field_names import REPEAT_COMPLAINT, REPEAT_OF
from runtime.prevention_policy import Policy
from runtime.search.terms import PHONE_TAIL, normal, phone_key
from runtime.store.links import ComplaintLink
from runtime.store.models import ComplaintRecord, ProcessInstance

KIND = "repeat"


@dataclass(frozen=True)
class Repeat:
    """The earlier complaint a new one repeats, and by what it was recognised (``phone``, ``unit``)."""

    instance_id: int
    number: str
    by: tuple[str, ...]


def unit_key(unit: object) -> str:
    return "".join(normal(unit or "").split())


def find(session: Session, policy: Policy, data: dict) -> Repeat | None:
    """The newest earlier complaint of the same customer and category inside the window, if any."""
    category, phone, unit = data.get("category"), phone_key(data.get("customer_phone")), unit_key(
        data.get("customer_unit"))
    if not category or not (phone or unit):
        return None
    since = clock.now() - timedelta(days=policy.repeat_window_days)
    narrow: list[ColumnElement[bool]] = []
    if len(phone) >= PHONE_TAIL:
        narrow.append(ComplaintRecord.customer_phone.like(f"%{phone[-PHONE_TAIL:]}"))
    if unit:
        narrow.append(ComplaintRecord.customer_unit == str(data.get("customer_unit")).strip())
    if not narrow:
        return None
    query = (select(ProcessInstance.id, ProcessInstance.business_key, ComplaintRecord.customer_phone,
                    ComplaintRecord.customer_unit).join(ComplaintRecord)
             .where(ComplaintRecord.category == category, ProcessInstance.started_at >= since, or_(*narrow))
             .order_by(ProcessInstance.started_at.desc()).limit(policy.max_compared))
    origin = data.get("reopened_from")  # a reopened complaint is the same one accepted again, not a repeat
    for instance_id, number, their_phone, their_unit in session.execute(query):
        by = tuple(name for name, same in (("phone", phone and phone_key(their_phone) == phone),
                                           ("unit", unit and unit_key(their_unit) == unit)) if same)
        if by and number != origin:
            return Repeat(instance_id, number, by)
    return None


def fields(found: Repeat | None) -> dict:
    """What the process is told before it runs (the severity table reads ``repeat_complaint``)."""
    return {REPEAT_COMPLAINT: found is not None, REPEAT_OF: found.number if found else None}


def link(session: Session, instance_id: int, found: Repeat) -> None:
    """Link the new complaint to the earlier one, with why (in the intake's transaction)."""
    session.add(ComplaintLink(instance_id=instance_id, related_id=found.instance_id, kind=KIND,
                              created_at=clock.now(), details={"by": list(found.by)}))
    session.flush()
