"""A finished shift review's notes, each kept with its complaint (an audit event the case file shows),
so whoever opens the complaint later reads what the duty manager found at the review.

Called from ``instances.act_on`` when a review throws ``shift_review_notes``, inside the transaction
that completes the review: a note naming no complaint the reviewer may see refuses the whole
completion, and nothing is kept.
"""
from __future__ import annotations

from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.actors import Actor
from runtime.errors import InvalidInput
from runtime.read.visibility import may_read
from runtime.store.instance_store import InstanceRow, audit
from runtime.store.models import ComplaintRecord, ProcessInstance

MESSAGE = "shift_review_notes"
ACTION = "shift_review_note"


def keep(session: Session, review: InstanceRow, actor: Actor, payload: Any) -> int:
    """Write each non-empty note onto its complaint; returns how many were kept. Raises InvalidInput."""
    payload = payload if isinstance(payload, dict) else {}
    notes = {str(k): str(v).strip() for k, v in (payload.get("notes") or {}).items() if str(v or "").strip()}
    if not notes:
        return 0
    found = {row.business_key: row for row in session.execute(
        select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.owner)
        .join(ComplaintRecord, ComplaintRecord.instance_id == ProcessInstance.id)
        .where(ProcessInstance.business_key.in_(notes)))}
    unknown = [k for k in notes if k not in found or not may_read(session, actor, found[k].id, found[k].owner)]
    if unknown:
        raise InvalidInput(f"these notes name no complaint you may review: {', '.join(sorted(unknown))}",
                           field_errors={f"notes.{k}": "no such complaint" for k in unknown})
    title = f"{payload.get('shift_name') or ''} {str(payload.get('shift_starts_at') or '')[:10]}".strip()
    for key, text in notes.items():
        complaint = cast(InstanceRow, found[key])  # audit reads its id and number only
        audit(session, complaint, actor.username, ACTION, note=text, review=review.business_key, title=title)
    return len(notes)
