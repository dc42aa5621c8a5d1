"""The archive queue: an ended complaint asks for its case file to be archived in the transaction
that ends it (the outbox pattern: nothing is lost if the process dies before the PDF is made), and
the worker takes the oldest pending request."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from runtime.store.db import table
from runtime.store.files import CaseArchive
from runtime.store.models import ComplaintRecord

MAX_ATTEMPTS = 3


def request(session: Session, instance_id: int, business_key: str, now: datetime) -> None:
    """Ask for the archive of a complaint that ends now (other processes have no case file)."""
    if session.get(ComplaintRecord, instance_id) is None:
        return
    session.connection().execute(insert(table(CaseArchive)).values(
        instance_id=instance_id, business_key=business_key, status="pending", requested_at=now, attempts=0))


def next_pending(session: Session, skip: set[int]) -> CaseArchive | None:
    """The oldest pending request, locked so two workers never make the same archive."""
    query = (select(CaseArchive).where(CaseArchive.status == "pending").order_by(CaseArchive.requested_at)
             .limit(1).with_for_update(skip_locked=True))
    if skip:
        query = query.where(CaseArchive.instance_id.not_in(skip))
    return session.scalar(query)
