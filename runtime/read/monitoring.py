"""The administrators' instance list: every process instance, filtered, sorted, paged, exported.

Reads the instance row, its definition and the complaint record (projections only, never a
workflow state). "Overdue" and "department" look at the instance's open tasks through EXISTS
semi-joins from the (small) open-task table.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from collections.abc import Iterator

from sqlalchemy import func, or_, select

from runtime import clock
from runtime.read import paging
from runtime.actors import REPAIR_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.store.db import count
from runtime.store.models import ComplaintRecord, HumanTask, ProcessDefinition, ProcessInstance

PAGE_SIZE = 50
COUNT_CAP = 10_000
EXPORT_CAP = 100_000
SORTS = {"started": ProcessInstance.started_at, "updated": ProcessInstance.updated_at,
         "number": ProcessInstance.business_key, "status": ProcessInstance.status}


@dataclass(frozen=True)
class InstanceFilter:
    process: str | None = None
    version: int | None = None
    status: str | None = None
    severity: str | None = None
    overdue: bool = False
    department: str | None = None
    owner: str | None = None
    started_from: datetime | None = None
    started_to: datetime | None = None
    ended_from: datetime | None = None
    ended_to: datetime | None = None
    number: str | None = None
    text: str | None = None
    sort: str = "started"
    descending: bool = True
    page: int = 1


@dataclass(frozen=True)
class ListedInstance:
    number: str
    process: str
    version: int
    status: str
    severity: str | None
    owner: str | None
    category: str | None
    site: str | None
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    process_name: str = ""  # as the diagram names it (投诉处理), for pages; ``process`` is the id


@dataclass
class InstancePage:
    rows: list[ListedInstance]
    total: int
    page: int
    pages: int


def _query(flt: InstanceFilter):
    p, d, r = ProcessInstance, ProcessDefinition, ComplaintRecord
    query = (select(p.business_key, d.process_id, d.version, p.status, p.severity, p.owner, r.category, r.site,
                    p.started_at, p.updated_at, p.ended_at, d.name)
             .join(d, d.id == p.definition_id).outerjoin(r, r.instance_id == p.id))
    equal = {d.process_id: flt.process, d.version: flt.version, p.status: flt.status, p.severity: flt.severity,
             p.owner: flt.owner}
    for column, value in equal.items():
        if value is not None and value != "":
            query = query.where(column == value)
    ranges = ((p.started_at, flt.started_from, flt.started_to), (p.ended_at, flt.ended_from, flt.ended_to))
    for column, low, high in ranges:
        if low:
            query = query.where(column >= low)
        if high:
            query = query.where(column < high)
    if flt.number:
        query = query.where(p.business_key.startswith(flt.number.strip(), autoescape=True))
    if flt.text:
        needle = flt.text.strip()  # % and _ in the text are meant literally (autoescape)
        query = query.where(or_(*(column.contains(needle, autoescape=True)
                                  for column in (r.subject, r.customer_name, r.site, r.category))))
    # Open tasks are few next to all instances: find the instances through the task table's indexes.
    if flt.overdue:
        query = query.where(p.id.in_(select(HumanTask.instance_id).where(HumanTask.due_at < clock.now())))
    if flt.department:
        query = query.where(p.id.in_(select(HumanTask.instance_id).where(HumanTask.department == flt.department)))
    return query


def _sorted(query, flt: InstanceFilter):
    column = SORTS.get(flt.sort, ProcessInstance.started_at)
    return query.order_by(column.desc() if flt.descending else column.asc(), ProcessInstance.id.desc())


def instances(rt: Runtime, actor: Actor, flt: InstanceFilter) -> InstancePage:
    """One page of the filtered list; the total stops counting at COUNT_CAP."""
    require_any(actor, REPAIR_ROLES, "monitor process instances")
    query = _query(flt)
    with rt.db.reader() as session:
        total = count(session, select(func.count()).select_from(query.limit(COUNT_CAP + 1).subquery()))
        number, pages, offset = paging.window(total, flt.page, PAGE_SIZE, COUNT_CAP)
        rows = [ListedInstance(*row) for row in session.execute(_sorted(query, flt).limit(PAGE_SIZE).offset(offset))]
    return InstancePage(rows, total, number, pages)


def numbers(rt: Runtime, actor: Actor, flt: InstanceFilter, limit: int) -> tuple[list[str], int]:
    """The complaint numbers the filter lists (at most ``limit``, in list order) and how many there are."""
    require_any(actor, REPAIR_ROLES, "act on process instances")
    query = _query(flt)
    with rt.db.reader() as session:
        total = count(session, select(func.count()).select_from(query.subquery()))
        found = list(session.scalars(_sorted(query.with_only_columns(ProcessInstance.business_key), flt).limit(limit)))
    return found, total


CSV_COLUMNS = ("number", "process", "version", "status", "severity", "owner", "category", "site", "started_at",
               "updated_at", "ended_at")


def _cell(value) -> object:
    """A CSV cell as a spreadsheet will read it: free text that starts like a formula (=, +, -, @, tab,
    return) is prefixed with an apostrophe, so a site named ``=HYPERLINK(...)`` stays text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


EXPORT_COLUMNS = ("number", "process_name", "version", "status", "severity", "owner", "category", "site",
                  "started_at", "updated_at", "ended_at")


def export_rows(rt: Runtime, actor: Actor, flt: InstanceFilter) -> Iterator[tuple]:
    """The whole filtered list (up to EXPORT_CAP rows) as typed values in EXPORT_COLUMNS order, for exports
    people open: the process's own name instead of its id, times as aware datetimes for the reader's zone.
    The role check runs on the first ``next()``, before anything is read."""
    require_any(actor, REPAIR_ROLES, "export process instances")
    p, d, r = ProcessInstance, ProcessDefinition, ComplaintRecord
    columns = (p.business_key, d.name, d.version, p.status, p.severity, p.owner, r.category, r.site, p.started_at,
               p.updated_at, p.ended_at)
    query = _sorted(_query(flt), flt).with_only_columns(*columns).limit(EXPORT_CAP)
    with rt.db.reader() as session:
        yield from session.execute(query.execution_options(yield_per=1000))


def export_csv(rt: Runtime, actor: Actor, flt: InstanceFilter) -> Iterator[str]:
    """The whole filtered list (up to EXPORT_CAP rows) as CSV text, streamed in chunks."""
    require_any(actor, REPAIR_ROLES, "export process instances")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    with rt.db.reader() as session:
        result = session.execute(_sorted(_query(flt), flt).limit(EXPORT_CAP).execution_options(yield_per=1000))
        for row in result:
            writer.writerow([_cell(v) for v in row])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()
