"""The administrators' dashboard: open complaints by severity, status, department and site;
deadlines missed today and this week; open incidents; and, drawn over a diagram, where complaints
wait now (open tasks per element) and where they waited longest (average time per task over the
last 30 days, from ``task_history``). Projections only; no workflow is loaded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from runtime import clock
from runtime.actors import REPAIR_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.read import calendar_status, definitions
from runtime.store.db import count
from runtime.store.models import (OPEN_STATUSES, HumanTask, Incident, ProcessDefinition,
                                  ProcessInstance,
                            SlaClock, TaskHistory)

HISTORY_DAYS = 30
TOP = 10


@dataclass(frozen=True)
class Dashboard:
    by_severity: dict[str, int]
    by_status: dict[str, int]
    by_department: list[tuple[str, int]]
    by_site: list[tuple[str, int]]
    breaches_today: int
    breaches_week: int
    open_incidents: int
    latest_incidents: list[tuple[int, str, str | None, str, datetime]]  # id, number, task, message, at


def overview(rt: Runtime, actor: Actor) -> Dashboard:
    require_any(actor, REPAIR_ROLES, "see the dashboard")
    p, t = ProcessInstance, HumanTask
    today, week = _day_starts(rt)
    with rt.db.reader() as session:
        open_ = p.status.in_(OPEN_STATUSES)
        by_severity: dict[str, int] = {}
        by_status: dict[str, int] = {}
        for status, severity, n in session.execute(  # one pass over the (status, severity) index
                select(p.status, p.severity, func.count()).where(open_).group_by(p.status, p.severity)):
            by_severity[severity or "normal"] = by_severity.get(severity or "normal", 0) + n
            by_status[status] = by_status.get(status, 0) + n
        by_department = session.execute(
            select(t.department, func.count(func.distinct(t.instance_id))).where(t.department.is_not(None))
            .group_by(t.department).order_by(func.count(func.distinct(t.instance_id)).desc()).limit(TOP)).all()
        by_site = session.execute(  # the instance's copy of its record's site: the (status, site) index alone
            select(p.site, func.count()).where(open_, p.site.is_not(None)).group_by(p.site)
            .order_by(func.count().desc()).limit(TOP)).all()
        breaches = lambda since: count(session, select(func.count()).select_from(SlaClock)  # noqa: E731
                                       .where(SlaClock.breached_at >= since))
        unresolved = Incident.resolved_at.is_(None)
        open_incidents = count(session, select(func.count()).select_from(Incident).where(unresolved))
        latest = session.execute(
            select(Incident.id, p.business_key, Incident.task_name, Incident.message, Incident.created_at)
            .join(p, p.id == Incident.instance_id).where(Incident.resolved_at.is_(None))
            .order_by(Incident.created_at.desc()).limit(TOP)).all()
        pairs = lambda rows: [(r[0] or "", r[1]) for r in rows]  # noqa: E731
        return Dashboard(by_severity, by_status, pairs(by_department), pairs(by_site), breaches(today), breaches(week),
                         open_incidents, [(r[0], r[1], r[2], r[3], r[4]) for r in latest])


def _day_starts(rt: Runtime) -> tuple[datetime, datetime]:
    """The start of today and of this week (Monday) in the business time zone."""
    zone = ZoneInfo(rt.settings.timezone)
    today = clock.now().astimezone(zone).date()
    start = datetime.combine(today, time(0), zone)
    return start, start - timedelta(days=today.weekday())


@dataclass(frozen=True)
class Heat:
    """Per element id of one package's diagrams: open tasks now, and mean hours open (30 days)."""

    waiting: dict[str, int]
    mean_hours: dict[str, float]
    finished: dict[str, int]


def heat(rt: Runtime, actor: Actor, package_id: int, process_id: str | None = None) -> Heat:
    """The heat of one package's instances, or, given ``process_id``, of every package (version) that
    defines it: instances keep the version they started on, and the newest diagram shows them all."""
    require_any(actor, REPAIR_ROLES, "see the dashboard")
    p, d, t, h = ProcessInstance, ProcessDefinition, HumanTask, TaskHistory
    defining = aliased(ProcessDefinition)  # not correlated with the outer definition
    packages = select(defining.package_id).where(defining.process_id == process_id) if process_id \
        else select(defining.package_id).where(defining.package_id == package_id)
    on_package = select(p.id).join(d, d.id == p.definition_id).where(d.package_id.in_(packages))
    since = clock.now() - timedelta(days=HISTORY_DAYS)
    with rt.db.reader() as session:
        waiting = dict(session.execute(select(t.task_name, func.count())  # the task rows' copy of the definition
                                       .where(t.definition_id.in_(select(d.id).where(d.package_id.in_(packages))))
                                       .group_by(t.task_name)).all())
        seconds = _seconds_between(session, h.created_at, h.ended_at)
        rows = session.execute(select(h.task_name, func.avg(seconds), func.count())
                               .where(h.ended_at >= since, h.instance_id.in_(on_package)).group_by(h.task_name)).all()
    return Heat(waiting, {name: round(float(avg) / 3600, 1) for name, avg, _ in rows if avg is not None},
                {name: n for name, _, n in rows})


def _seconds_between(session, start, end):
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.extract("epoch", end - start)


@dataclass(frozen=True)
class Page:
    """Everything the administrators' dashboard shows."""

    overview: Dashboard
    processes: list[definitions.Process]
    process: definitions.Process | None  # the one whose diagrams are drawn as a heatmap
    heat: Heat | None
    files: list[str]  # its BPMN files
    calendar: calendar_status.CalendarStatus


def page(rt: Runtime, actor: Actor, process_id: str | None) -> Page:
    """The dashboard with the heatmap of ``process_id`` (default: the first process)."""
    processes = definitions.catalogue(rt, actor)
    chosen = process_id or (processes[0].process_id if processes else None)
    process = next((p for p in processes if p.process_id == chosen), None)
    heat_map = heat(rt, actor, process.current.package_id, process.process_id) if process else None
    files = sorted(n for n in definitions.files(rt, process.current.package_id) if n.endswith(".bpmn")) \
        if process else []
    return Page(overview(rt, actor), processes, process, heat_map, files, calendar_status.status(rt, actor))
