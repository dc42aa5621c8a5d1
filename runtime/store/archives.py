"""The archive queue: an ended complaint asks for its case file to be archived in the transaction
that ends it (the outbox pattern: nothing is lost if the process dies before the PDF is made), and
the worker takes the request that is due first. A failed attempt is pushed back (30 s, 2 min,
8 min) before the request is given up as ``failed``; a download still makes it then."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from runtime.store.db import conflict_insert, table
from runtime.store.files import CaseArchive

MAX_ATTEMPTS = 3
COMPLAINT_PROCESS = "complaint"  # only complaints have a case file


def request(session: Session, instance_id: int, business_key: str, now: datetime) -> None:
    """Ask (again) for the archive of a complaint: it ended now, or its file changed after closing."""
    values = {"instance_id": instance_id, "business_key": business_key, "status": "pending", "requested_at": now,
              "attempts": 0, "error": None}
    insert = conflict_insert(session.get_bind().dialect.name, table(CaseArchive)).values(**values)
    session.connection().execute(insert.on_conflict_do_update(
        index_elements=["instance_id"], set_={k: v for k, v in values.items() if k != "instance_id"}))


def renew(session: Session, instance_id: int, now: datetime) -> None:
    """The case file of a closed complaint changed (a comment): its archive is made again."""
    session.connection().execute(update(table(CaseArchive)).where(CaseArchive.instance_id == instance_id)
                                 .values(status="pending", requested_at=now, attempts=0, error=None))


def next_due(session: Session, now: datetime, skip: set[int]) -> int | None:
    """The instance of the pending request due first (index ``ix_case_archive_status``). Two workers
    may pick the same one: they make the same bytes, and the first to record it wins."""
    query = (select(CaseArchive.instance_id).where(CaseArchive.status == "pending", CaseArchive.requested_at <= now)
             .order_by(CaseArchive.requested_at).limit(1))
    if skip:
        query = query.where(CaseArchive.instance_id.not_in(skip))
    return session.scalar(query)


def retry_after(attempts: int) -> timedelta:
    return timedelta(seconds=30 * 4 ** (attempts - 1))
