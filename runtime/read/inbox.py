"""The staff inbox: tabs, filters, counts and pages over the projection tables.

One implementation for the web inbox and the API's task list (``all`` is the API's whole list).

Tabs: ``available`` (unclaimed tasks my roles may take), ``mine`` (claimed by me), ``owned``
(open tasks of complaints I received and own, 首问负责制), ``overdue`` (past their deadline, among
what I may see), ``team`` (managers: every task someone holds). Sorted by deadline, earliest
first, tasks without one last. Every query is an index walk on ``human_task`` joined by primary
key to its instance and record, so it stays fast at 100,000 open complaints.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from runtime import business_calendar, clock
from runtime.read import paging
from runtime.actors import MANAGER_ROLES, REPAIR_ROLES, Actor
from runtime.bootstrap import Runtime
from runtime.store.db import count
from runtime.store.models import OPEN_STATUSES, ComplaintRecord, HumanTask, ProcessInstance, SavedFilter, User
from runtime.read.visibility import candidate_filter, visible_tasks

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
    due_exact: bool = True  # False: the due time was computed on a provisional calendar year
    due_rule: str | None = None
    form: str | None = None
    subject: str | None = None  # the complaint's own words for what it is about (登记的投诉主题)
    status: str | None = None  # the complaint's status: a suspended one is marked and its task cannot be done
    assignee_name: str | None = None  # the holder's display name (李强), shown instead of the user name

    @property
    def suspended(self) -> bool:
        return self.status == "suspended"

    @property
    def business_key(self) -> str:
        return self.number

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


def tabs_for(actor: Actor) -> tuple[str, ...]:
    return TABS if actor.roles & (MANAGER_ROLES | REPAIR_ROLES) else TABS[:-1]


COUNT_CAP = 1000  # tab counts stop here ("1000+"): counting further costs time and tells nobody anything
RECORD_FILTERS = ("category", "channel", "site")


def _tab_condition(tab: str, actor: Actor, now: datetime):
    """The tab's condition, and whether it needs the instance row (owner) joined."""
    manager = bool(actor.roles & (MANAGER_ROLES | REPAIR_ROLES))
    visible, needs_instance = visible_tasks(actor)
    nothing = (HumanTask.id.is_(None), False)
    overdue = HumanTask.due_at < now
    conditions = {
        "available": (and_(HumanTask.assignee.is_(None), candidate_filter(actor)), False),
        "mine": (HumanTask.assignee == actor.username, False),
        # open complaints only: (owner, status) index, not every complaint ever received
        "owned": (and_(ProcessInstance.owner == actor.username, ProcessInstance.status.in_(OPEN_STATUSES)), True),
        "overdue": (and_(overdue, visible), needs_instance),
        "team": (HumanTask.assignee.is_not(None), False) if manager else nothing,
        "all": (visible, needs_instance),  # the API's whole list: all the actor may see
    }
    return conditions.get(tab, nothing)


def _matching(tab: str, actor: Actor, now: datetime, flt: InboxFilter):
    """The matching tasks' ids and sort keys, joining only what the tab and the filters need."""
    condition, needs_instance = _tab_condition(tab, actor, now)
    query = select(HumanTask.id, HumanTask.due_at, HumanTask.created_at).where(condition)
    if needs_instance or flt.severity:
        query = query.join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        if flt.severity:
            query = query.where(ProcessInstance.severity == flt.severity)
    for name in RECORD_FILTERS:  # copied onto the task rows: no join for filters or counts
        if getattr(flt, name):
            query = query.where(getattr(HumanTask, name) == getattr(flt, name))
    if flt.department:
        query = query.where(HumanTask.department == flt.department)
    return query


def _details(ids_query):
    """The full rows of a page of tasks (joined after the page is cut, so only 25 rows are joined)."""
    return (select(HumanTask, ProcessInstance.business_key, ProcessInstance.owner, ProcessInstance.severity,
                   ComplaintRecord.category, ComplaintRecord.site, ComplaintRecord.subject, ProcessInstance.status,
                   User.display_name)
            .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
            .outerjoin(ComplaintRecord, ComplaintRecord.instance_id == HumanTask.instance_id)
            .outerjoin(User, User.username == HumanTask.assignee)
            .where(HumanTask.id.in_(ids_query)))


def _ordered(query):
    """Earliest deadline first, tasks without one last: the order of ``ix_human_task_queue`` (role, assignee,
    due_at, created_at), so a group's page is read off the index, not sorted from every matching row."""
    return query.order_by(HumanTask.due_at.asc().nulls_last(), HumanTask.created_at)


def page(rt: Runtime, actor: Actor, flt: InboxFilter, every_tab: bool = True) -> InboxPage:
    """One page of one tab, with the counts of every tab under the same filters (capped at COUNT_CAP);
    without ``every_tab`` (the API, which shows no tabs) only the tab's own count."""
    now = clock.now()
    tab = flt.tab if flt.tab in tabs_for(actor) + ("all",) else "available"
    with rt.db.reader() as session:
        counts = {t: count(session, select(func.count()).select_from(
            _matching(t, actor, now, flt).limit(COUNT_CAP + 1).subquery())) for t in tabs_for(actor) if every_tab}
        total = counts[tab] if tab in counts else count(session, select(func.count()).select_from(
            _matching(tab, actor, now, flt).limit(COUNT_CAP + 1).subquery()))
        number, pages, offset = paging.window(total, flt.page, PAGE_SIZE, COUNT_CAP)
        ids = _ordered(_matching(tab, actor, now, flt)).limit(PAGE_SIZE).offset(offset)
        found = session.execute(_ordered(_details(select(ids.subquery().c.id)))).all()
        rows = [_row(now, *found_row) for found_row in found]
    return InboxPage(rows, counts, total, number, pages)


def _row(now: datetime, t: HumanTask, key, owner, severity, category, site, subject, status,
         assignee_name=None) -> InboxRow:
    left = used = None
    if t.due_at is not None:
        calendar = business_calendar.current()
        left = round(calendar.working_days_between(now, t.due_at), 1)
        allowed = (t.due_at - t.created_at).total_seconds()
        used = (now - t.created_at).total_seconds() / allowed if allowed > 0 else 1.0
    return InboxRow(t.id, t.title, t.task_name, key, t.role, t.department, t.assignee, t.delegated_by, owner, severity,
                    category, site, t.created_at, t.due_at, t.version, left, used, t.due_exact, t.due_rule, t.form,
                    subject, status, assignee_name)


OPTIONS_TTL = 300.0  # seconds; the menus may lag new sites or departments by this much
_options: dict[int, tuple[float, dict]] = {}


def filter_options(rt: Runtime) -> dict[str, list[str]]:
    """The values each filter menu offers. Distinct values over a million records cost a scan, so
    they are read at most every OPTIONS_TTL seconds per runtime; departments come from the users."""
    cached = _options.get(id(rt))
    if cached and time.monotonic() - cached[0] < OPTIONS_TTL:
        return cached[1]
    with rt.db.reader() as session:
        options = {
            "severity": ["normal", "major", "crisis"],
            "category": _distinct(session, ComplaintRecord.category),
            "channel": _distinct(session, ComplaintRecord.channel),
            "site": _distinct(session, ComplaintRecord.site),
            "department": _distinct(session, User.department),
        }
    _options[id(rt)] = (time.monotonic(), options)
    return options


def _distinct(session, column, limit: int = 200) -> list[str]:
    return list(session.scalars(select(column).distinct().where(column.is_not(None)).order_by(column).limit(limit)))


def row(rt: Runtime, task_id: str) -> InboxRow | None:
    """One task as an inbox row, fresh (after a claim or release)."""
    with rt.db.reader() as session:
        found = session.execute(_details(select(HumanTask.id).where(HumanTask.id == task_id))).first()
    if found is None:
        return None
    return _row(clock.now(), *found)


@dataclass(frozen=True)
class Screen:
    """The inbox page as the web shows it: the tab's page, the actor's saved views, the filter menus."""

    result: InboxPage
    saved: list[SavedFilter]
    options: dict


def screen(rt: Runtime, actor: Actor, flt: InboxFilter) -> Screen:
    with rt.db.reader() as session:
        saved = list(session.scalars(select(SavedFilter).where(SavedFilter.username == actor.username)
                                     .order_by(SavedFilter.name)))
    return Screen(page(rt, actor, flt), saved, filter_options(rt))
