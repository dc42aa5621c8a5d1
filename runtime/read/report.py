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
(conditional counts and GROUP BY over ``complaint_record``); only the breaches are listed row by row.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from runtime import business_calendar, clock, report_policy
from runtime.actors import Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import InvalidInput
from runtime.read import report_lists
from runtime.read.report_lists import Period
from runtime.report_policy import RATE_KEYS, ReportPolicy
from runtime.store.models import ComplaintRecord, ProcessInstance, SlaClock

REPORT_ROLES = frozenset({"quality", "general_manager", "site_manager", "cs_manager", "admin"})
GROUPS = {"validity": "validity", "category": "category", "severity": "severity", "department": "department",
          "channel": "channel", "site": "site"}
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
        return figures(session, starts_on, ends_on, as_of or clock.now(), policy)


def figures(session: Session, starts_on: date, ends_on: date, as_of: datetime, policy: ReportPolicy) -> dict:
    """The whole report, JSON-serialisable, with codes (renderers translate them)."""
    period = _period(starts_on, ends_on, as_of)
    main = _core(session, period, policy)
    counts = {"total": main["counts"]["total"], "by": {name: _by(session, period, name) for name in GROUPS}}
    return {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "as_of": _iso(as_of),
            "counts": counts, "rates": main["rates"], "breaches": main["breaches"],
            "breach_counts": main["breach_counts"], "repeats": report_lists.repeats(session, period),
            "collective": report_lists.collective(session, period), "actions": report_lists.actions(session, period),
            "compare": {"previous": _compared(session, *_previous(starts_on, ends_on), as_of, policy),
                        "last_year": _compared(session, _year_before(starts_on), _year_before(ends_on), as_of,
                                               policy)}}


def _core(session: Session, period: Period, policy: ReportPolicy) -> dict:
    """The figures that the comparisons repeat: the total, the rates and the breaches."""
    total, accepted, closed, accepted_closed, improper = _complaint_counts(session, period)
    clocks = _clock_counts(session, period, policy)
    rates = [_rate("accepted", accepted, total)]
    for key in RATE_KEYS:
        met = sum(clocks.get(rule, (0, 0))[0] for rule in policy.rates[key])
        decided = sum(clocks.get(rule, (0, 0))[1] for rule in policy.rates[key])
        rates.append(_rate(key, met, decided))
    rates += [_rate("closed_accepted", accepted_closed, closed), _rate("improper_closure", improper, closed, 0.0)]
    breaches = report_lists.breaches(session, period, policy, business_calendar.current())
    counts = {rating: 0 for rating in report_policy.RATINGS}
    for breach in breaches:
        counts[breach["rating"]] += 1
    return {"counts": {"total": total}, "rates": rates, "breaches": breaches, "breach_counts": counts}


def _compared(session: Session, starts_on: date, ends_on: date, as_of: datetime, policy: ReportPolicy) -> dict:
    core = _core(session, _period(starts_on, ends_on, as_of), policy)
    return {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "counts": core["counts"],
            "rates": core["rates"], "breach_counts": core["breach_counts"]}


def _complaint_counts(session: Session, period: Period) -> tuple[int, int, int, int, int]:
    as_of = period.as_of
    closed = and_(P.ended_at.is_not(None), P.ended_at <= as_of,
                  or_(R.validity.is_(None), R.validity.not_in(NOT_CLOSED_BY_DESIGN)))
    accepted_closed = and_(closed, R.outcome == "closed")
    child = R.__table__.alias("child")
    child_p = P.__table__.alias("child_p")
    reopened = (select(child.c.instance_id).join(child_p, child_p.c.id == child.c.instance_id)
                .where(child.c.reopened_from == P.business_key, child_p.c.started_at <= as_of).exists())
    row = session.execute(
        select(func.count(), func.count(case((R.taken_at <= as_of, 1))), func.count(case((closed, 1))),
               func.count(case((accepted_closed, 1))),
               func.count(case((and_(closed, or_(R.outcome.is_(None), R.outcome != "closed", reopened)), 1))))
        .select_from(R).join(P, P.id == R.instance_id).where(period.complaints())).one()
    return tuple(int(n or 0) for n in row)  # type: ignore[return-value]


def _clock_counts(session: Session, period: Period, policy: ReportPolicy) -> dict[str, tuple[int, int]]:
    """Per rule: (met by as_of, decided by as_of)."""
    met = report_lists.clock_met(period.as_of)
    decided = or_(met, report_lists.clock_breached(period.as_of))
    rows = session.execute(
        select(C.rule, func.count(case((met, 1))), func.count(case((decided, 1))))
        .select_from(C).join(R, R.instance_id == C.instance_id).join(P, P.id == R.instance_id)
        .where(period.complaints(), C.rule.in_(policy.rated_rules), C.started_at <= period.as_of)
        .group_by(C.rule)).all()
    return {rule: (int(m), int(d)) for rule, m, d in rows}


def _by(session: Session, period: Period, name: str) -> dict[str, int]:
    """Counts per value of one record column; a validity or department not yet decided by as_of is ``none``.
    The value is computed in a subquery so GROUP BY names a plain column (PostgreSQL would not match
    two copies of an expression with bound parameters)."""
    column = getattr(R, GROUPS[name])
    if name in ("validity", "department"):
        column = case((R.classified_at <= period.as_of, column), else_=None)
    if name == "severity":
        column = func.coalesce(R.severity, "normal")
    inner = (select(column.label("value")).select_from(R).join(P, P.id == R.instance_id)
             .where(period.complaints()).subquery())
    rows = session.execute(select(inner.c.value, func.count()).group_by(inner.c.value)).all()
    return {str(value) if value not in (None, "") else "none": int(n) for value, n in
            sorted(rows, key=lambda r: (-r[1], str(r[0])))}


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
