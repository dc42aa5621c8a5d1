"""Finding complaints by what staff remember of them: one page of the newest matches the actor may read.

A query is all of its terms (or a number typed in groups, its digits; ``runtime.search.terms``).
Each database answers it from its own index of the same terms (``runtime.search.matching``), newest
complaint first (the instance id), a page at a time; the page's rows are read by primary key in the
same statement. Results are only complaints the actor may read (the rule of
``runtime.read.visibility``), with contact data masked as ``runtime.masking`` says.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from runtime import masking
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.errors import InvalidInput
from runtime.search import matching
from runtime.search.terms import query_terms
from runtime.store.models import OPEN_STATUSES, ComplaintRecord, InstanceStatus, ProcessInstance

ENDED = (InstanceStatus.COMPLETED, InstanceStatus.TERMINATED)
STATUSES = {"open": OPEN_STATUSES, "ended": ENDED, **{s.value: (s,) for s in InstanceStatus}}
MAX_PAGE = 100
MAX_RESULTS = 1000  # how deep pages go (as the inbox counts): a search that needs more is narrowed, not paged


@dataclass(frozen=True)
class Hit:
    """One complaint found, as a result list shows it (the phone masked unless the role needs it)."""

    number: str
    status: str
    category: str | None
    site: str | None
    subject: str | None
    customer_name: str | None
    customer_phone: str | None
    external_ref: str | None
    started_at: datetime


@dataclass(frozen=True)
class Results:
    rows: list[Hit]
    has_more: bool
    # True when only the newest matches were looked at for the actor's visibility or the filters
    # (matching.SCAN_LIMIT): older ones may exist; a narrower search finds them.
    partial: bool = False
    searched: bool = True  # False: the query held nothing to look for (empty, or only punctuation)


def search(session: Session, actor: Actor, text: str | None, *, status: str | None = None,
           category: str | None = None, site: str | None = None, limit: int = 20, offset: int = 0) -> Results:
    """The complaints matching every term of ``text`` that ``actor`` may read, newest first, from
    ``offset``; narrowed by status (an instance status, ``open`` or ``ended``), category and site.
    Raises InvalidInput for an unknown status or a page beyond MAX_RESULTS."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}", field_errors={"status": status[:40]})
    if not 1 <= limit <= MAX_PAGE or offset < 0 or offset + limit > MAX_RESULTS:
        raise InvalidInput(f"search shows the first {MAX_RESULTS} results, at most {MAX_PAGE} at a time; "
                           "narrow the search to see older ones")
    wanted = query_terms(text)
    if not wanted:
        return Results([], False, searched=False)
    instance = [ProcessInstance.status.in_(STATUSES[status])] if status else []
    record = [column == value.replace("\x00", "")  # as records.write keeps it (PostgreSQL text refuses NUL)
              for column, value in ((ComplaintRecord.category, category), (ComplaintRecord.site, site)) if value]
    plan = matching.newest(session, wanted, actor, instance, record, limit + 1, offset)
    hits = _hits(session, actor, plan.ids)
    return Results(hits[:limit], len(hits) > limit, plan.bounded and len(hits) <= limit)


def find(rt: Runtime, actor: Actor, text: str | None, **options) -> Results:
    """``search`` in a read-only session of its own (for the web page and the API)."""
    with rt.db.reader() as session:
        return search(session, actor, text, **options)


def _hits(session: Session, actor: Actor, ids: Select) -> list[Hit]:
    """The page's rows, read by primary key after the page is cut (one statement with the match)."""
    rows = session.execute(
        select(ProcessInstance.business_key, ProcessInstance.status, ComplaintRecord.category, ComplaintRecord.site,
               ComplaintRecord.subject, ComplaintRecord.customer_name, ComplaintRecord.customer_phone,
               ComplaintRecord.external_ref, ProcessInstance.started_at)
        .join(ComplaintRecord, ComplaintRecord.instance_id == ProcessInstance.id)
        .where(ProcessInstance.id.in_(ids.scalar_subquery())).order_by(ProcessInstance.id.desc())).all()
    return [Hit(*row[:6], masking.masked({"customer_phone": row[6]}, actor)["customer_phone"], *row[7:])
            for row in rows]
