"""The dashboard's charts and the lists behind each bar: open complaints and missed deadlines per day
over a range, open complaints by department and by site, and this month's 001 timeliness rates.

Every figure is an SQL aggregate over projection tables (``process_instance``, ``human_task``,
``sla_clock``, ``complaint_record``) walking the indexes on ``started_at``, ``updated_at`` and
``breached_at``; no workflow is loaded. Each bar has a drill-down (``drill``) whose list is read with
the same condition as the bar, so the list's total is the bar's number.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, or_, select

from runtime import clock, report_policy
from runtime.moments import report_day
from runtime.actors import REPAIR_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import InvalidInput
from runtime.read.case_file import choice_names
from runtime.store.archives import COMPLAINT_PROCESS
from runtime.store.db import count
from runtime.store.instance_store import newest_definition
from runtime.store.packages import form_schema
from runtime.store.models import OPEN_STATUSES, ComplaintRecord, HumanTask, ProcessInstance, SlaClock

TOP = 10
DEPARTMENT_FORM = "triage.schema.json"  # the form that dispatches to a department, whose choices name them
LIST_LIMIT = 200
KEY_LIMIT = 300  # the longest site name a record holds


def standards(rt: Runtime) -> dict[str, tuple[str, ...]]:
    """The 001 standards ("100% entered / dispatched / replied / handled / followed up / called back in
    time") and the deadlines (``slaRule`` in the diagrams) each is measured on: the monthly report's
    ``[rates]``, so the process owner names them once (processes/report_policy.toml)."""
    return report_policy.load(rt.settings.processes_dir).rates
KINDS = ("open_on", "breached_on", "department_open", "department_late", "site_open", "site_breached",
         "standard_met", "standard_breached")


@dataclass(frozen=True)
class Span:
    """Whole days ``first``..``last`` in the business time zone, as UTC bounds ``[start, end)``."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return _midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return _midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def span(rt: Runtime, first: date | None, last: date | None) -> Span:
    """The range the charts draw: the last 30 days by default; InvalidInput naming the parameter when
    ``to`` is before ``from`` or the range is longer than the ``chart_max_days`` setting."""
    zone = ZoneInfo(rt.settings.timezone)
    today = clock.now().astimezone(zone).date()
    last = last or (today if first is None else min(today, first + timedelta(days=29)))
    first = first or last - timedelta(days=29)
    if last < first:
        raise InvalidInput("to must not be before from", field_errors={"to": last.isoformat()})
    if (last - first).days + 1 > rt.settings.chart_max_days:
        raise InvalidInput(f"the range from..to may cover at most {rt.settings.chart_max_days} days",
                           field_errors={"to": last.isoformat()})
    return Span(first, last, zone)


@dataclass(frozen=True)
class Rate:
    standard: str
    met: int
    breached: int

    @property
    def percent(self) -> float | None:
        decided = self.met + self.breached
        return round(100.0 * self.met / decided, 1) if decided else None


@dataclass(frozen=True)
class Charts:
    span: Span
    open_by_day: list[int]       # open at the end of each day of the span
    breaches_by_day: list[int]   # deadlines missed on each day
    by_department: list[tuple[str, int, int]]  # department, open complaints now, of them with a missed deadline
    by_site: list[tuple[str, int, int]]        # site, open complaints now, deadlines missed in the span
    month: date                  # the first day of the month the rates are for
    rates: list[Rate]
    department_names: dict[str, str]  # department code -> its name in the dispatch form (工程维修)


def charts(rt: Runtime, actor: Actor, range_: Span) -> Charts:
    """Every chart's figures for ``range_``; administrators only, like the dashboard."""
    require_any(actor, REPAIR_ROLES, "see the dashboard")
    month = clock.now().astimezone(range_.zone).date().replace(day=1)
    with rt.db.reader() as session:
        return Charts(range_, _open_by_day(session, range_), _per_day(session, SlaClock.breached_at, range_),
                      _by_department(session), _by_site(session, range_), month,
                      _rates(session, _midnight(month, range_.zone), standards(rt)), department_names(rt, session))


def department_names(rt: Runtime, session) -> dict[str, str]:
    """The departments' names as the newest complaint process's dispatch form gives them."""
    ref = newest_definition(rt, session, COMPLAINT_PROCESS)
    schema = form_schema(session, ref.package_id, ref.content_hash, DEPARTMENT_FORM) if ref else None
    return choice_names((schema or {}).get("properties", {}).get("department", {}))


def _hour_of(session, column):
    """The UTC hour a row falls in, as SQL: hours, not days, so days of 23 or 25 hours in a zone with
    summer time still count right once mapped to the business day in Python. On SQLite the stored
    text's first 13 characters (``2026-11-10 02``): no date parsing per row."""
    if session.get_bind().dialect.name == "sqlite":
        return func.substr(column, 1, 13)
    return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")  # UTC whatever the session's zone


def _hourly(session, column, range_: Span, *where) -> dict[int, int]:
    """Rows per day index of the span (index len(days): later, up to now), for a column without an index
    of its own (``ended_at``), read in one pass grouped by hour."""
    hour = _hour_of(session, column)
    rows = session.execute(select(hour, func.count()).where(column >= range_.start, *where).group_by(hour))
    per_day: dict[int, int] = {}
    for key, n in rows:
        moment = datetime.strptime(key, "%Y-%m-%d %H").replace(tzinfo=UTC)
        index = min((moment.astimezone(range_.zone).date() - range_.first).days, len(range_.days))
        per_day[index] = per_day.get(index, 0) + n
    return per_day


def _per_day(session, column, range_: Span, *where) -> list[int]:
    """Rows per day of the span, one range count per day: on an indexed column each is an index-only
    count of its own slice (a GROUP BY over a computed day would sort every row instead)."""
    bounds = [_midnight(day, range_.zone) for day in range_.days] + [range_.end]
    return [count(session, select(func.count()).where(column >= low, column < high, *where))
            for low, high in zip(bounds, bounds[1:], strict=False)]


def _open_by_day(session, range_: Span) -> list[int]:
    """Open at the end of day d = open now + ended since then - started since then. Ended instances
    are found through the ``updated_at`` index: an instance is saved when it ends, so it was updated
    no earlier than it ended."""
    p = ProcessInstance
    open_now = count(session, select(func.count()).select_from(p).where(p.status.in_(OPEN_STATUSES)))
    started = _per_day(session, p.started_at, range_) + [
        count(session, select(func.count()).where(p.started_at >= range_.end))]
    ended = _hourly(session, p.ended_at, range_, p.updated_at >= range_.start)
    out, later = [], 0
    for i in reversed(range(len(range_.days))):  # index len(days): after the span, up to now
        later += started[i + 1] - ended.get(i + 1, 0)
        out.append(open_now - later)
    return out[::-1]


def _late(instance_id):
    """'This complaint has missed a deadline', per row through the clocks' (instance, timer) index."""
    return exists().where(SlaClock.instance_id == instance_id, SlaClock.breached_at.is_not(None))


def _by_department(session) -> list[tuple[str, int, int]]:
    t = HumanTask
    instances = func.count(func.distinct(t.instance_id))
    rows = session.execute(select(t.department, instances).where(t.department.is_not(None))
                           .group_by(t.department).order_by(instances.desc(), t.department).limit(TOP)).all()
    late = dict(session.execute(
        select(t.department, instances).where(t.department.in_([r[0] for r in rows]), _late(t.instance_id))
        .group_by(t.department)).all())
    return [(name, n, late.get(name, 0)) for name, n in rows]


def _by_site(session, range_: Span) -> list[tuple[str, int, int]]:
    p, r, c = ProcessInstance, ComplaintRecord, SlaClock
    rows = session.execute(
        select(r.site, func.count()).join(p, p.id == r.instance_id)
        .where(p.status.in_(OPEN_STATUSES), r.site.is_not(None)).group_by(r.site)
        .order_by(func.count().desc(), r.site).limit(TOP)).all()
    # from the breaches of the range (the breached_at index), not from every record of those sites
    missed = dict(session.execute(
        select(r.site, func.count()).select_from(c).join(r, r.instance_id == c.instance_id)
        .where(c.breached_at >= range_.start, c.breached_at < range_.end).group_by(r.site)).all())
    return [(site, n, missed.get(site, 0)) for site, n in rows]


def _rates(session, since: datetime, groups: dict[str, tuple[str, ...]]) -> list[Rate]:
    """Deadlines whose clock started this month, met or missed so far (ones still running are left out)."""
    c = SlaClock
    rules = [rule for group in groups.values() for rule in group]
    rows = session.execute(select(c.rule, func.count(c.met_at), func.count(c.breached_at))
                           .where(c.rule.in_(rules), c.started_at >= since).group_by(c.rule)).all()
    by_rule = {rule: (met, breached) for rule, met, breached in rows}
    return [Rate(name, sum(by_rule.get(r, (0, 0))[0] for r in group), sum(by_rule.get(r, (0, 0))[1] for r in group))
            for name, group in groups.items()]


@dataclass(frozen=True)
class DrillRow:
    """One complaint behind a bar; for deadline bars, also the deadline (one row per deadline)."""

    number: str
    status: str
    severity: str | None
    site: str | None
    started_at: datetime
    ended_at: datetime | None
    rule: str | None = None
    step: str | None = None
    due_at: datetime | None = None
    breached_at: datetime | None = None


@dataclass(frozen=True)
class Drill:
    kind: str
    key: str
    total: int
    rows: list[DrillRow]
    key_name: str  # the bar as people read it: a department's name for its code, else the key itself


def drill(rt: Runtime, actor: Actor, kind: str, key: str, range_: Span) -> Drill:
    """The complaints (or deadlines) behind one bar: ``kind`` names the chart, ``key`` the bar (a day
    YYYY-MM-DD, a department, a site or a standard). At most LIST_LIMIT rows; ``total`` counts all.

    Raises InvalidInput naming ``kind`` or ``key`` when they name no bar."""
    require_any(actor, REPAIR_ROLES, "see the dashboard")
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of: {', '.join(KINDS)}", field_errors={"kind": kind[:40]})
    if not key or len(key) > KEY_LIMIT:
        raise InvalidInput(f"key must name one bar: 1 to {KEY_LIMIT} characters", field_errors={"key": key[:40]})
    query = _drill_query(kind, key, range_, standards(rt))
    with rt.db.reader() as session:
        total = count(session, select(func.count()).select_from(query.subquery()))
        rows = [DrillRow(*row) for row in session.execute(query.order_by(ProcessInstance.started_at.desc(),
                                                                          ProcessInstance.id).limit(LIST_LIMIT))]
        name = department_names(rt, session).get(key, key) if kind.startswith("department_") else key
    return Drill(kind, key, total, rows, name)


def _drill_query(kind: str, key: str, range_: Span, groups: dict[str, tuple[str, ...]]):
    p, r, c, t = ProcessInstance, ComplaintRecord, SlaClock, HumanTask
    columns = (p.business_key, p.status, p.severity, r.site, p.started_at, p.ended_at)
    complaints = select(*columns).outerjoin(r, r.instance_id == p.id)
    clocks = select(*columns, c.rule, c.element_name, c.due_at, c.breached_at).join(p, p.id == c.instance_id) \
        .outerjoin(r, r.instance_id == p.id)
    open_ = p.status.in_(OPEN_STATUSES)
    if kind in ("open_on", "breached_on"):
        day = _day_key(key, range_)
        start, end = _midnight(day, range_.zone), _midnight(day + timedelta(days=1), range_.zone)
        if kind == "breached_on":
            return clocks.where(c.breached_at >= start, c.breached_at < end)
        return complaints.where(p.started_at < end, or_(p.ended_at.is_(None), p.ended_at >= end))
    if kind.startswith("department_"):
        in_department = select(t.instance_id).where(t.department == key)
        query = complaints.where(p.id.in_(in_department))
        return query.where(_late(p.id)) if kind == "department_late" else query
    if kind == "site_open":
        return complaints.where(open_, r.site == key)
    if kind == "site_breached":
        return clocks.where(r.site == key, c.breached_at >= range_.start, c.breached_at < range_.end)
    if key not in groups:
        raise InvalidInput(f"key must be one of: {', '.join(groups)}", field_errors={"key": key[:40]})
    month = _midnight(clock.now().astimezone(range_.zone).date().replace(day=1), range_.zone)
    stopped = c.met_at.is_not(None) if kind == "standard_met" else c.breached_at.is_not(None)
    return clocks.where(and_(c.rule.in_(groups[key]), c.started_at >= month, stopped))


def _day_key(key: str, range_: Span) -> date:
    return report_day(key) or _bad_day(key)


def _bad_day(key: str) -> date:
    raise InvalidInput("key must be a day like 2026-11-30", field_errors={"key": key[:40]})
