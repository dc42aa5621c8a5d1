"""The staff inbox: tabs, filters, counts and pages over the projection tables.

Tabs: ``available`` (unclaimed tasks my roles may take), ``mine`` (claimed by me), ``owned``
(open tasks of complaints I received and own, 首问负责制), ``overdue`` (past their deadline, among
what I may see), ``team`` (managers: every task someone holds). Sorted by deadline, earliest
first, tasks without one last. Every query is an index walk on ``human_task`` joined by primary
key to its instance and record, so it stays fast at 100,000 open complaints.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, select, true

from runtime import business_calendar, clock
from runtime.actors import MANAGER_ROLES, REPAIR_ROLES, Actor
from runtime.bootstrap import Runtime
from runtime.models import ComplaintRecord, HumanTask, ProcessInstance
from runtime.queries import candidate_filter

TABS = ("available", "mine", "owned", "overdue", "team")
PAGE_SIZE = 25
FILTERS = ("severity", "category", "department", "channel", "site")


@dataclass(frozen=True)
class InboxFilter:
    tab: str = "available"
    severity: str | None = None
    category: str | None = None
    department: str | None = None
    channel: str | None = None
    site: str | None = None
    page: int = 1


@dataclass(frozen=True)
class InboxRow:
    id: str
    title: str
    task_name: str
    number: str
    role: str | None
    department: str | None
    assignee: str | None
    delegated_by: str | None
    owner: str | None
    severity: str | None
    category: str | None
    site: str | None
    created_at: datetime
    due_at: datetime | None
    version: int
    working_days_left: float | None = None
    used: float | None = None  # share of the allowed time already gone (1.0 = due now)

    @property
    def urgency(self) -> str:
        """ok / half / late75 / breach: what colour the row gets."""
        if self.used is None:
            return "ok"
        if self.used >= 1:
            return "breach"
        return "late75" if self.used >= 0.75 else "half" if self.used >= 0.5 else "ok"


@dataclass
class InboxPage:
    rows: list[InboxRow]
    counts: dict[str, int]
    total: int
    page: int
    pages: int
    tabs: tuple[str, ...] = field(default=TABS)


def tabs_for(actor: Actor) -> tuple[str, ...]:
    return TABS if actor.roles & (MANAGER_ROLES | REPAIR_ROLES) else TABS[:-1]


def _tab_condition(tab: str, actor: Actor, now: datetime):
    manager = bool(actor.roles & (MANAGER_ROLES | REPAIR_ROLES))
    visible = or_(candidate_filter(actor), HumanTask.assignee == actor.username, ProcessInstance.owner == actor.username)
    if tab == "available":
        return and_(HumanTask.assignee.is_(None), candidate_filter(actor))
    if tab == "mine":
        return HumanTask.assignee == actor.username
    if tab == "owned":
        return ProcessInstance.owner == actor.username
    if tab == "overdue":
        return and_(HumanTask.due_at < now, true() if manager else visible)
    if tab == "team" and manager:
        return HumanTask.assignee.is_not(None)
    return HumanTask.id.is_(None)


def _base(condition, flt: InboxFilter):
    query = (select(HumanTask, ProcessInstance.business_key, ProcessInstance.owner, ProcessInstance.severity,
                    ComplaintRecord.category, ComplaintRecord.site)
             .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
             .outerjoin(ComplaintRecord, ComplaintRecord.instance_id == HumanTask.instance_id)
             .where(condition))
    if flt.severity:
        query = query.where(ProcessInstance.severity == flt.severity)
    if flt.department:
        query = query.where(HumanTask.department == flt.department)
    for name in ("category", "channel", "site"):
        value = getattr(flt, name)
        if value:
            query = query.where(getattr(ComplaintRecord, name) == value)
    return query


def page(rt: Runtime, actor: Actor, flt: InboxFilter) -> InboxPage:
    """One page of one tab, with the counts of every tab under the same filters."""
    now = clock.now()
    tab = flt.tab if flt.tab in tabs_for(actor) else "available"
    with rt.db.reader() as session:
        counts = {t: session.scalar(select(func.count()).select_from(
            _base(_tab_condition(t, actor, now), flt).subquery())) for t in tabs_for(actor)}
        total = counts[tab]
        pages = max(1, -(-total // PAGE_SIZE))
        number = min(max(1, flt.page), pages)
        query = (_base(_tab_condition(tab, actor, now), flt)
                 .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
                 .limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE))
        rows = [_row(t, key, owner, severity, category, site, now)
                for t, key, owner, severity, category, site in session.execute(query)]
    return InboxPage(rows, counts, total, number, pages)


def _row(t: HumanTask, key, owner, severity, category, site, now: datetime) -> InboxRow:
    left = used = None
    if t.due_at is not None:
        calendar = business_calendar.current()
        left = round(calendar.working_days_between(now, t.due_at), 1)
        allowed = (t.due_at - t.created_at).total_seconds()
        used = (now - t.created_at).total_seconds() / allowed if allowed > 0 else 1.0
    return InboxRow(t.id, t.title, t.task_name, key, t.role, t.department, t.assignee, t.delegated_by, owner, severity,
                    category, site, t.created_at, t.due_at, t.version, left, used)


def filter_options(rt: Runtime) -> dict[str, list[str]]:
    """The values each filter can take, from what is in the database (for the filter menus)."""
    with rt.db.reader() as session:
        return {
            "severity": ["normal", "major", "crisis"],
            "category": list(session.scalars(select(ComplaintRecord.category).distinct()
                                             .where(ComplaintRecord.category.is_not(None)).order_by(ComplaintRecord.category).limit(100))),
            "channel": list(session.scalars(select(ComplaintRecord.channel).distinct()
                                            .where(ComplaintRecord.channel.is_not(None)).order_by(ComplaintRecord.channel).limit(100))),
            "site": list(session.scalars(select(ComplaintRecord.site).distinct()
                                         .where(ComplaintRecord.site.is_not(None)).order_by(ComplaintRecord.site).limit(100))),
            "department": list(session.scalars(select(HumanTask.department).distinct()
                                               .where(HumanTask.department.is_not(None)).order_by(HumanTask.department).limit(100))),
        }


def row(rt: Runtime, task_id: str) -> InboxRow | None:
    """One task as an inbox row, fresh (after a claim or release)."""
    with rt.db.reader() as session:
        found = session.execute(_base(HumanTask.id == task_id, InboxFilter())).first()
    return _row(*found, clock.now()) if found else None
