"""The monthly report's lists, row by row: every breached deadline with its lateness and rating,
repeat complaints, collective cases and corrective actions of the complaints in the period (see
``runtime.read.report`` for what "as of" means for each)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, func, literal, or_, select, text, type_coerce
from sqlalchemy.orm import Session, aliased

from runtime.read.lateness import Lateness
from runtime.report_policy import ReportPolicy
from runtime.store.models import (LATE_EVER, CollectiveCase, CollectiveMember, ComplaintLink, ComplaintRecord,
                                  CorrectiveAction, ProcessInstance, SlaClock)

R, P, C = ComplaintRecord, ProcessInstance, SlaClock


@dataclass(frozen=True)
class Period:
    start: datetime  # UTC, the first local day's midnight
    end: datetime  # UTC, the midnight after the last local day (excluded)
    as_of: datetime  # UTC
    zone: ZoneInfo

    def accepted(self):
        """The SQL condition on ``complaint_record``: accepted in the period."""
        return and_(R.accepted_at >= self.start, R.accepted_at < self.end)

    def complaints(self):
        """The SQL condition on ``complaint_record`` joined to ``process_instance``: accepted in the
        period and entered by ``as_of``."""
        return and_(self.accepted(), P.started_at <= self.as_of)


def clock_met(as_of: datetime):
    """SQL: the deadline clock was met by ``as_of`` (NULL, never met, compares as not true)."""
    return C.met_at <= as_of


def clock_breached(as_of: datetime):
    """SQL: the deadline clock was breached by ``as_of``: recorded so by then, or running past its due
    time then. A clock whose start is its due time was written when it was already late (a step that
    appeared after its deadline, as when a complaint is taken over late): it counts only once it was
    recorded, since it did not exist before, so a report made again as of the same moment does not
    find it where the first one could not."""
    return or_(and_(C.breached_at.is_not(None), C.breached_at <= as_of),
               and_(C.due_at <= as_of, C.started_at < C.due_at, or_(C.met_at.is_(None), C.met_at > as_of)))


def late_ever():
    """SQL: the clock was late at some moment (implied by ``clock_breached`` at any as_of): the
    condition of the partial index ``ix_sla_clock_late``, written as the index's, so a query that adds it
    reads a month's few late clocks from that index instead of all of them."""
    return text("(" + re.sub(r"\b(breached_at|met_at|due_at)\b", r"sla_clock.\1", LATE_EVER) + ")")


LISTED = 1000  # the breaches a report lists one by one: every serious one first, then normal, then minor
RANK = {rating: n for n, rating in enumerate(("serious", "normal", "minor"))}


def settled(as_of: datetime):
    """SQL: the clock's lateness had ended by ``as_of`` and was measured then (see runtime/store/sla_clocks)."""
    return and_(C.late_until <= as_of, C.late_days.is_not(None), C.late_hours.is_not(None))


def rated_as(policy: ReportPolicy):
    """SQL: the policy's rating rules tried top down on a settled clock, as the id of the rule that
    matches (``-`` when none does), NULL for a rule the report does not rate. The same test as
    ``RatingRule.matches``, so a month's settled breaches are rated and counted in the database."""
    severity = func.coalesce(R.severity, "normal")
    whens: list[tuple[Any, Any]] = [(C.rule.not_in(sorted(policy.rated_rules)), None)]
    for rule in policy.ratings:
        conditions = [c for c in (
            severity.in_(sorted(rule.severity)) if rule.severity is not None else None,
            C.rule.in_(sorted(rule.rules)) if rule.rules is not None else None,
            C.late_days > rule.late_working_days_over if rule.late_working_days_over is not None else None,
            C.late_hours > rule.late_hours_over if rule.late_hours_over is not None else None) if c is not None]
        whens.append((and_(*conditions) if conditions else literal(True), rule.id))
    return case(*whens, else_="-")


def breaches(session: Session, period: Period, policy: ReportPolicy, lateness: Lateness,
             listed: int = LISTED) -> tuple[dict[str, int], list[dict]]:
    """Every deadline of the rated rules that was breached by ``as_of``, rated by the policy: how many
    of each rating, and at most ``listed`` of them in full, the most serious first, in order of due time
    (a month with thousands of breaches is counted whole, but a page, a spreadsheet or a PDF of thirty
    thousand rows helps nobody).

    Lateness runs from the due time to when it ended (``late_until``: the late step done, the complaint
    ended, or, for a deadline on no step, when it was recorded breached); a clock still late at ``as_of``
    is late until then. Settled clocks (their lateness measured when it ended) are rated in SQL; only the
    clocks still late at ``as_of``, and those kept from before the measure existed, are measured here."""
    as_of = period.as_of
    if not listed:  # a comparison: the settled ones counted in the database, the others read
        tally = _tally(policy, settled_ratings(session, period, policy).items())
        unsettled = or_(C.late_until.is_(None), C.late_until > as_of, C.late_days.is_(None), C.late_hours.is_(None))
        rows = session.execute(_breached(period, policy).where(unsettled)).all()
        return _tally(policy, ((_measure(row, as_of, policy, lateness)[1], 1) for row in rows
                               if row[1] in policy.rated_rules), tally), []
    rows = session.execute(_breached(period, policy).order_by(C.due_at, C.business_key, C.rule)).all()
    found = [(row, _measure(row, as_of, policy, lateness)) for row in rows if row[1] in policy.rated_rules]
    tally = _tally(policy, ((rule_id, 1) for _, (_, rule_id, *_) in found))
    chosen = sorted(range(len(found)), key=lambda i: (RANK[found[i][1][0]], i))[:listed]
    details = _details(session, [found[i][0][5] for i in sorted(chosen)])
    return tally, [_breach(details[found[i][0][5]], as_of, *found[i][1]) for i in sorted(chosen)]


def _breached(period: Period, policy: ReportPolicy):
    """SELECT of the period's clocks breached by ``as_of``: (settled?, rule, severity, due, late until,
    clock id, rated as, working days and hours late); the last three count for settled clocks only."""
    return (select(case((settled(period.as_of), 1), else_=0), C.rule, R.severity,
                   *(type_coerce(m, String) for m in (C.due_at, C.late_until)), C.id, rated_as(policy),
                   C.late_days, C.late_hours)
            .select_from(R).join(C, C.instance_id == R.instance_id)
            .where(period.accepted(), late_ever(), clock_breached(period.as_of)))


def _measure(row, as_of: datetime, policy: ReportPolicy, lateness: Lateness) -> tuple:
    """(rating, rule id, late until, working days late, hours late) of one breached clock: as rated in
    SQL when settled (late until: read with the listed one's details), else measured here."""
    if row[0]:
        return policy.rating_of(row[6]), row[6], None, row[7], row[8]
    return _rated(row[1:5], as_of, policy, lateness)


def _tally(policy: ReportPolicy, counted, tally: dict[str, int] | None = None) -> dict[str, int]:
    """Breaches per rating from (rule id, how many) pairs, added to ``tally``."""
    tally = dict(tally) if tally is not None else {rating: 0 for rating in RANK}
    for rule_id, n in counted:
        tally[policy.rating_of(rule_id)] += n
    return tally


def settled_ratings(session: Session, period: Period, policy: ReportPolicy) -> dict[str, int]:
    """How many settled breaches of the period each rating rule rated (by rule id)."""
    as_of = period.as_of
    rule_id = rated_as(policy).label("rule_id")
    inner = (select(rule_id).select_from(R).join(C, C.instance_id == R.instance_id)
             .where(period.accepted(), late_ever(), clock_breached(as_of), settled(as_of)).subquery())
    return {found: int(n) for found, n in session.execute(
        select(inner.c.rule_id, func.count()).group_by(inner.c.rule_id)) if found is not None}


def _rated(row, as_of: datetime, policy: ReportPolicy, lateness: Lateness) -> tuple:
    """(rating, rule id, late until, working days late, hours late) of a breached clock not settled by
    ``as_of``: late until it was settled, or until ``as_of``."""
    rule, severity, due_text, until_text = row[:4]
    due: datetime = _utc(due_text) or as_of
    until = max(min(_utc(until_text) or as_of, as_of), due)
    days, hours = round(lateness.working_days(due, until), 2), (until - due).total_seconds() / 3600
    return (*policy.rate(severity or "normal", rule, days, hours), until, days, hours)


def _details(session: Session, clock_ids: list[int]) -> dict[int, tuple]:
    """What a listed breach shows beside its lateness, read for the listed clocks only."""
    found: dict[int, tuple] = {}
    for chunk in range(0, len(clock_ids), 500):
        found.update((row[0], row[1:]) for row in session.execute(
            select(C.id, C.rule, C.due_at, C.breached_at, C.late_until, R.severity, C.business_key, C.element_name,
                   R.department, R.classified_at).join(R, R.instance_id == C.instance_id)
            .where(C.id.in_(clock_ids[chunk:chunk + 500]))))
    return found


def _utc(value) -> datetime | None:
    """A moment read as text (SQLite hands back the stored text; parsing it here is much quicker than
    SQLAlchemy's own for thousands of rows) or a datetime (PostgreSQL), as an aware UTC datetime."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _breach(details: tuple, as_of: datetime, rating: str, because: str, until: datetime | None, days: float,
            hours: float) -> dict:
    rule, due, breached_at, late_until, severity, business_key, element_name, department, classified_at = details
    classified = classified_at is not None and classified_at <= as_of
    return {"business_key": business_key, "rule": rule, "element_name": element_name, "due_at": _iso(due),
            "breached_at": _iso(breached_at) if breached_at is not None and breached_at <= as_of else None,
            "late_until": _iso(until or late_until), "late_working_days": days, "late_hours": round(hours, 2),
            "severity": severity or "normal", "department": department if classified else None,
            "rating": rating, "because": because}


def repeats(session: Session, period: Period) -> dict:
    """Complaints of the period linked by intake to an earlier one of the same customer and matter."""
    earlier = aliased(ProcessInstance)
    rows = session.execute(
        select(P.business_key, earlier.business_key).select_from(ComplaintLink)
        .join(R, R.instance_id == ComplaintLink.instance_id).join(P, P.id == R.instance_id)
        .join(earlier, earlier.id == ComplaintLink.related_id)
        .where(period.accepted(), ComplaintLink.kind == "repeat", ComplaintLink.created_at <= period.as_of)
        .order_by(P.business_key, earlier.business_key)).all()
    return {"count": len({key for key, _ in rows}),
            "items": [{"business_key": key, "repeat_of": of} for key, of in rows]}


def collective(session: Session, period: Period) -> dict:
    """Collective cases opened in the period, with the complaints that had joined them by ``as_of``."""
    cases = session.execute(
        select(CollectiveCase.id, CollectiveCase.site, CollectiveCase.category)
        .where(CollectiveCase.opened_at >= period.start, CollectiveCase.opened_at < period.end,
               CollectiveCase.opened_at <= period.as_of).order_by(CollectiveCase.opened_at, CollectiveCase.id)).all()
    members: dict[int, list[str]] = {case.id: [] for case in cases}
    if members:
        for case_id, key in session.execute(
                select(CollectiveMember.collective_id, P.business_key).join(P, P.id == CollectiveMember.instance_id)
                .where(CollectiveMember.collective_id.in_(members), CollectiveMember.joined_at <= period.as_of)
                .order_by(P.business_key)):
            members[case_id].append(key)
    items = [{"id": c.id, "site": c.site, "category": c.category, "members": len(members[c.id]),
              "business_keys": members[c.id]} for c in cases]
    return {"count": len(items), "items": items}


def actions(session: Session, period: Period) -> dict:
    """Corrective and preventive actions recorded by ``as_of`` for the period's complaints: done if
    done by then, overdue if still open after their due day (local)."""
    a = CorrectiveAction
    rows = session.execute(
        select(a.business_key, a.kind, a.root_cause, a.description, a.owner, a.due_on, a.done_at)
        .select_from(a).join(R, R.instance_id == a.instance_id)
        .where(period.accepted(), a.created_at <= period.as_of).order_by(a.due_on, a.business_key, a.id)).all()
    today = period.as_of.astimezone(period.zone).date()
    items, tally = [], {"open": 0, "done": 0, "overdue": 0}
    for row in rows:
        done = row.done_at is not None and row.done_at <= period.as_of
        tally["done" if done else "open"] += 1
        tally["overdue"] += int(not done and row.due_on < today)
        items.append({"business_key": row.business_key, "kind": row.kind, "root_cause": row.root_cause,
                      "description": row.description, "owner": row.owner, "due_on": row.due_on.isoformat(),
                      "status": "done" if done else "open", "done_at": _iso(row.done_at) if done else None})
    return {**tally, "items": items}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat() if moment is not None else None

