"""The monthly complaint report's figures (001: counts by type, category, severity, department and
channel; the timeliness rates; every breach rated serious / normal / minor; repeat and collective
complaints; corrective actions), for the complaints accepted in a range of local days.

Everything is computed **as of** a moment, from what had happened by then, so a kept report made
again with its own ``as_of`` gives the same figures however the complaints went on:
- a complaint counts if it was accepted in the range and entered by ``as_of``; its validity and
  department count once classified by then (``classified_at``), else under ``none``;
- a deadline clock (``sla_clock``) counts in its rate once it was decided by then: met (its step done
  in time, ``met_at`` <= as_of) or breached (its due time passed by then without being met: fired,
  done late, or still overdue at ``as_of``; see ``report_lists.clock_breached``). A clock still running
  before its due time counts nowhere;
- a complaint is closed once it ended by then (explained invalid complaints and consultations close
  by design and are left out); it was closed with the customer's acceptance when its outcome is
  ``closed``; it was closed improperly when it ended without that acceptance (reopened, ended by an
  administrator) or a complaint was reopened from it by then (``complaint_record.reopened_from``).
Categories, channels, sites and severity are the complaint's current ones. Aggregates run in SQL
(conditional sums and GROUP BY over ``complaint_record``, clocks from ``sla_clock``'s covering index);
only the breaches are read row by row, to measure their lateness on the business calendar and rate them.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.orm import Session, aliased

from runtime import business_calendar, clock, report_policy
from runtime.actors import Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import InvalidInput
from runtime.read import report_lists
from runtime.read.lateness import Lateness
from runtime.read.report_lists import Period
from runtime.report_policy import RATE_KEYS, ReportPolicy
from runtime.store.models import ComplaintRecord, MonthlyReport, ProcessInstance, SlaClock

REPORT_ROLES = frozenset({"quality", "general_manager", "site_manager", "cs_manager", "admin"})
R, P, C = ComplaintRecord, ProcessInstance, SlaClock
NOT_CLOSED_BY_DESIGN = ("invalid", "consultation")


def for_month(rt: Runtime, actor: Actor, year: int, month: int, as_of: datetime | None = None) -> dict:
    """The figures of one calendar month. Raises PermissionDenied, InvalidInput, ConfigurationError."""
    if not (1 <= month <= 12 and 2000 <= year <= 9999):
        raise InvalidInput(f"no such month: {year}-{month}")
    return for_range(rt, actor, date(year, month, 1), _month_end(year, month), as_of)


def for_range(rt: Runtime, actor: Actor, starts_on: date, ends_on: date, as_of: datetime | None = None) -> dict:
    """The figures of the local days [starts_on, ends_on], as of ``as_of`` (default: now).
    Raises PermissionDenied, InvalidInput, ConfigurationError (the policy file does not validate)."""
    require_any(actor, REPORT_ROLES, "read the complaint report")
    if ends_on < starts_on:
        raise InvalidInput(f"the report's last day {ends_on} is before its first day {starts_on}")
    if as_of is not None and as_of.tzinfo is None:
        raise InvalidInput("as_of needs a time zone")
    policy = report_policy.load(rt.settings.processes_dir)
    with rt.db.reader() as session:
        return figures(session, starts_on, ends_on, as_of or clock.now(), policy, rt.db.reader)


def figures(session: Session, starts_on: date, ends_on: date, as_of: datetime, policy: ReportPolicy,
            reader: Callable[[], AbstractContextManager[Session]] | None = None) -> dict:
    """The whole report, JSON-serialisable, with codes (renderers translate them). Given a ``reader``
    (sessions of its own), the month before and last year's month are computed beside the report in
    another thread: two independent reads of the same moment, which the database runs at once."""
    periods = {"previous": _previous(starts_on, ends_on), "last_year": (_year_before(starts_on), _year_before(ends_on))}
    if reader is None:
        own = _own(session, starts_on, ends_on, as_of, policy)
        return {**own, "compare": _compared(session, periods, as_of, policy)}
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_compared_apart, reader, periods, as_of, policy)
        return {**_own(session, starts_on, ends_on, as_of, policy), "compare": pending.result()}


def _own(session: Session, starts_on: date, ends_on: date, as_of: datetime, policy: ReportPolicy) -> dict:
    """The report's own figures, without its comparisons."""
    period, lateness = _period(starts_on, ends_on, as_of), Lateness(business_calendar.current())
    complaints, by = _cube(session, period)
    clocks = _clock_counts(session, [period], policy)[0]
    tally, breaches = report_lists.breaches(session, period, policy, lateness)
    return {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "as_of": _iso(as_of),
            "counts": {"total": complaints[0], "by": by}, "rates": _rates(policy, complaints, clocks),
            "breaches": breaches, "breach_counts": tally, "breaches_listed": len(breaches),
            "repeats": report_lists.repeats(session, period), "collective": report_lists.collective(session, period),
            "actions": report_lists.actions(session, period)}


def _compared_apart(reader: Callable[[], AbstractContextManager[Session]], periods: dict[str, tuple[date, date]],
                    as_of: datetime, policy: ReportPolicy) -> dict:
    """The comparisons read in a session of their own (another thread: a calendar walk of its own too)."""
    with reader() as session:
        return _compared(session, periods, as_of, policy)


def _compared(session: Session, periods: dict[str, tuple[date, date]], as_of: datetime,
              policy: ReportPolicy) -> dict[str, dict]:
    """What a comparison shows of another period: its total, its rates and how its breaches were rated.
    A month with a kept report made by ``as_of`` is compared as it was reported (``"kept": true``): the
    figures the quality department received then, and a third of the work of a report. The others are
    counted together, one pass over the complaints and one over the clocks for all of them."""
    found: dict[str, dict] = {}
    for name, days in periods.items():
        kept = _kept(session, *days, as_of)
        if kept is not None:
            found[name] = kept
    todo = {name: _period(*days, as_of) for name, days in periods.items() if name not in found}
    complaints = _complaint_counts(session, list(todo.values()))
    clocks = _clock_counts(session, list(todo.values()), policy)
    lateness = Lateness(business_calendar.current())
    for (name, period), counted, decided in zip(todo.items(), complaints, clocks, strict=True):
        tally, _ = report_lists.breaches(session, period, policy, lateness, listed=0)
        starts_on, ends_on = periods[name]
        found[name] = {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
                       "counts": {"total": counted[0]}, "rates": _rates(policy, counted, decided),
                       "breach_counts": tally}
    return {name: found[name] for name in periods}


def _kept(session: Session, starts_on: date, ends_on: date, as_of: datetime) -> dict | None:
    """The kept report of exactly this period, if it was made by ``as_of`` (so a report made again
    as of its own moment compares with the same figures)."""
    figures = session.scalar(select(MonthlyReport.figures).where(
        MonthlyReport.starts_on == starts_on, MonthlyReport.ends_on == ends_on, MonthlyReport.made_at <= as_of)
        .order_by(MonthlyReport.id).limit(1))
    if not figures:
        return None
    return {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "kept": True,
            "counts": {"total": figures["counts"]["total"]}, "rates": figures["rates"],
            "breach_counts": figures["breach_counts"]}


def _rates(policy: ReportPolicy, complaints: tuple[int, ...], clocks: dict[str, tuple[int, int]]) -> list[dict]:
    total, accepted, closed, accepted_closed, improper = complaints
    rates = [_rate("accepted", accepted, total)]
    for key in RATE_KEYS:
        met = sum(clocks.get(rule, (0, 0))[0] for rule in policy.rates[key])
        decided = sum(clocks.get(rule, (0, 0))[1] for rule in policy.rates[key])
        rates.append(_rate(key, met, decided))
    return rates + [_rate("closed_accepted", accepted_closed, closed),
                    _rate("improper_closure", improper, closed, 0.0)]


def _flags(period: Period) -> list:
    """Per complaint, 1 or 0: received, accepted (owned by a receiver), closed, closed with the
    customer's acceptance, closed without it; all as of ``period.as_of``. A complaint closed with the
    acceptance and reopened later is also closed improperly: those few are counted by ``_reopened``."""
    closed = _closed(period.as_of)
    conditions = [R.taken_at <= period.as_of, closed, and_(closed, R.outcome == "closed"),
                  and_(closed, or_(R.outcome.is_(None), R.outcome != "closed"))]
    return [literal_column("1")] + [case((c, 1), else_=0) for c in conditions]


def _closed(as_of: datetime, r=R, p=P):
    """SQL: the complaint had ended by ``as_of`` (explained invalid complaints and consultations close
    by design and are left out)."""
    return and_(p.ended_at.is_not(None), p.ended_at <= as_of,
                or_(r.validity.is_(None), r.validity.not_in(NOT_CLOSED_BY_DESIGN)))


def _reopened(session: Session, period: Period) -> int:
    """The period's complaints closed with the customer's acceptance from which another was reopened by
    ``as_of``: read from the reopened complaints (few, by their index), not by a lookup per complaint."""
    child, child_p = aliased(R), aliased(P)
    return int(session.scalar(
        select(func.count(func.distinct(R.instance_id))).select_from(child)
        .join(child_p, child_p.id == child.instance_id).join(P, P.business_key == child.reopened_from)
        .join(R, R.instance_id == P.id)
        .where(child.reopened_from.is_not(None), child_p.started_at <= period.as_of, period.complaints(),
               _closed(period.as_of), R.outcome == "closed")) or 0)


def _complaint_counts(session: Session, periods: list[Period]) -> list[tuple[int, ...]]:
    """The complaint counts of each period (disjoint ones in one pass over their complaints)."""
    if not _disjoint(periods):
        return [_complaint_counts(session, [period])[0] for period in periods]
    if not periods:
        return []
    which = _which(periods)
    rows = {int(row[0]): [int(n) for n in row[1:]] for row in session.execute(
        select(which, *(func.coalesce(func.sum(f), 0) for f in _flags(periods[0])))
        .select_from(R).join(P, P.id == R.instance_id)
        .where(or_(*(period.accepted() for period in periods)), P.started_at <= periods[0].as_of).group_by(which))}
    counted = []
    for i, period in enumerate(periods):
        counts = rows.get(i, [0] * 5)
        counts[4] += _reopened(session, period)
        counted.append(tuple(counts))
    return counted


def _which(periods: list[Period]):
    """SQL: the index of the (disjoint) period in which the complaint was accepted."""
    return case(*((period.accepted(), i) for i, period in enumerate(periods)), else_=-1).label("period")


def _disjoint(periods: list[Period]) -> bool:
    ordered = sorted(periods, key=lambda period: period.start)
    return all(a.end <= b.start for a, b in zip(ordered, ordered[1:], strict=False))


def _cube(session: Session, period: Period) -> tuple[tuple[int, ...], dict[str, dict[str, int]]]:
    """The complaint counts and the counts by every group, in one pass: grouped by all six groups at
    once (a row per combination that occurs), summed per group here. The values are computed in a
    subquery so GROUP BY names plain columns (PostgreSQL would not match two copies of an expression
    with bound parameters); a validity or department not yet decided by as_of is ``none``."""
    classified = R.classified_at <= period.as_of
    values = {"validity": case((classified, R.validity), else_=None), "category": R.category,
              "severity": func.coalesce(R.severity, "normal"), "department": case((classified, R.department),
                                                                                  else_=None),
              "channel": R.channel, "site": R.site}
    flags = [f.label(f"f{i}") for i, f in enumerate(_flags(period))]
    inner = (select(*(v.label(k) for k, v in values.items()), *flags).select_from(R)
             .join(P, P.id == R.instance_id).where(period.complaints()).subquery())
    rows = session.execute(select(*(inner.c[k] for k in values), *(func.sum(inner.c[f.name]) for f in flags))
                           .group_by(*(inner.c[k] for k in values))).all()
    totals = [sum(int(row[len(values) + i]) for row in rows) for i in range(len(flags))]
    totals[4] += _reopened(session, period)
    by: dict[str, dict[str, int]] = {name: {} for name in values}
    for row in rows:
        for i, name in enumerate(values):
            key = str(row[i]) if row[i] not in (None, "") else "none"
            by[name][key] = by[name].get(key, 0) + int(row[len(values)])
    ordered = {name: dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))) for name, found in by.items()}
    return tuple(totals), ordered


def _clock_counts(session: Session, periods: list[Period], policy: ReportPolicy) -> list[dict[str, tuple[int, int]]]:
    """Per period, per rule: (met by as_of, decided by as_of); disjoint periods in one pass. Read from
    the record's acceptance index and the clocks' covering index alone: a complaint entered after as_of
    has no clock that counts (see ``report_lists.clock_breached``), so ``process_instance`` is not
    needed (counting the settled breaches' ratings here as well was slower: their columns are not in the
    index)."""
    if not _disjoint(periods):
        return [_clock_counts(session, [period], policy)[0] for period in periods]
    if not periods:
        return []
    as_of = periods[0].as_of
    met = report_lists.clock_met(as_of)
    decided = or_(met, report_lists.clock_breached(as_of))
    which = _which(periods)
    rows = session.execute(
        select(which, C.rule, func.count(case((met, 1))), func.count(case((decided, 1))))
        .select_from(R).join(C, C.instance_id == R.instance_id)
        .where(or_(*(period.accepted() for period in periods)), C.started_at <= as_of).group_by(which, C.rule)).all()
    # the rules are picked here, not in SQL: a condition on the rule lets SQLite walk sla_clock's rule
    # index through every month instead of the period's complaints by their acceptance
    counted: list[dict[str, tuple[int, int]]] = [{} for _ in periods]
    for i, rule, m, d in rows:
        if rule in policy.rated_rules and 0 <= i < len(periods):
            counted[i][rule] = (int(m), int(d))
    return counted


def _rate(key: str, numerator: int, denominator: int, target: float = 1.0) -> dict:
    return {"key": key, "numerator": numerator, "denominator": denominator, "target": target}


def _period(starts_on: date, ends_on: date, as_of: datetime) -> Period:
    zone = business_calendar.current().zone
    start = datetime.combine(starts_on, time(0), zone).astimezone(UTC)
    end = datetime.combine(ends_on + timedelta(days=1), time(0), zone).astimezone(UTC)
    return Period(start, end, as_of.astimezone(UTC), zone)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _previous(starts_on: date, ends_on: date) -> tuple[date, date]:
    """The month before a whole month; otherwise the same number of days just before."""
    if starts_on.day == 1 and ends_on == _month_end(ends_on.year, ends_on.month) and starts_on.month == ends_on.month:
        last = starts_on - timedelta(days=1)
        return date(last.year, last.month, 1), last
    return starts_on - (ends_on - starts_on) - timedelta(days=1), starts_on - timedelta(days=1)


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()
