"""Making, keeping and mailing the monthly complaint report (001: 每月1日前，对上月客户投诉统计后编制
《客户投诉处理报告》，报分公司品质管理部门).

The worker makes each month's report once, on the last working day before the 1st at the scheduled time
(``runtime.reporting.schedule``), as of that moment; it is kept as its figures (``monthly_report``) and its
recipients are told in the same transaction (in the app, and by e-mail with the spreadsheet and the PDF
attached, sent by the worker after commit). Two workers racing for one month keep one report: the period
is unique and the loser's transaction is rolled back."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from runtime import business_calendar, clock, report_policy
from runtime.actors import SYSTEM, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import InvalidInput, NotFound
from runtime.read import report
from runtime.reporting import schedule as timetable
from runtime.store import notifications
from runtime.store.db import table
from runtime.store.models import MonthlyReport

READ_ROLES = report.REPORT_ROLES  # who reads the figures reads the kept reports
MAKE_ROLES = frozenset({"quality", "admin"})
REPORT = table(MonthlyReport)
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_RANGE = re.compile(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})")
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class Period:
    """A calendar month (``2026-11``) or a range of days (``2026-11-01..2026-11-15``), both ends included."""

    key: str
    starts_on: date
    ends_on: date

    @property
    def is_month(self) -> bool:
        return _MONTH.fullmatch(self.key) is not None


@dataclass(frozen=True)
class Kept:
    id: int
    period: str
    starts_on: date
    ends_on: date
    made_at: datetime
    made_by: str
    figures: dict
    mailed_at: datetime | None


def month(year: int, number: int) -> Period:
    starts_on, ends_on = timetable.month_bounds(year, number)
    return Period(f"{year:04d}-{number:02d}", starts_on, ends_on)


def parse_period(text: str | None) -> Period:
    """A period as typed in an address or a form; anything else is refused, naming what was expected."""
    raw = (text or "").strip()
    found = _MONTH.fullmatch(raw)
    if found and 1 <= int(found[2]) <= 12 and 2000 <= int(found[1]) <= 2100:
        return month(int(found[1]), int(found[2]))
    found = _RANGE.fullmatch(raw)
    if found:
        try:
            starts_on, ends_on = date.fromisoformat(found[1]), date.fromisoformat(found[2])
        except ValueError:
            starts_on = ends_on = None  # type: ignore[assignment]
        if starts_on and ends_on and starts_on <= ends_on and (ends_on - starts_on).days < MAX_RANGE_DAYS \
                and starts_on.year >= 2000 and ends_on.year <= 2100:
            return Period(raw, starts_on, ends_on)
    raise InvalidInput("the period must be a month (2026-11) or a range of at most 366 days (2026-11-01..2026-11-15), "
                       "from 2000 to 2100",
                       field_errors={"period": "invalid"})


def live(rt: Runtime, actor: Actor, period: Period) -> dict:
    """The period's figures as of now (or as of its end, when it has ended): not kept."""
    require_any(actor, READ_ROLES, "read complaint reports")
    zone = ZoneInfo(rt.settings.timezone)
    as_of = min(clock.now(), datetime.combine(period.ends_on + timedelta(days=1), datetime.min.time(), tzinfo=zone))
    with rt.db.reader() as session:
        return _figures(rt, session, period, as_of)


def kept(rt: Runtime, actor: Actor, period: Period) -> Kept | None:
    require_any(actor, READ_ROLES, "read complaint reports")
    with rt.db.reader() as session:
        row = session.execute(select(REPORT).where(REPORT.c.period == period.key)).first()
    return Kept(**row._mapping) if row else None


def kept_list(rt: Runtime, actor: Actor, limit: int = 36) -> list[Kept]:
    require_any(actor, READ_ROLES, "read complaint reports")
    with rt.db.reader() as session:
        rows = session.execute(select(REPORT).order_by(REPORT.c.starts_on.desc(), REPORT.c.id.desc())
                               .limit(limit)).all()
    return [Kept(**r._mapping) for r in rows]


def regenerate(rt: Runtime, actor: Actor, period: Period) -> tuple[Kept, dict]:
    """The kept report and its figures computed again as of the moment it was made (they must agree)."""
    found = kept(rt, actor, period)
    if found is None:
        raise NotFound(f"no report has been kept for {period.key}")
    with rt.db.reader() as session:
        return found, _figures(rt, session, period, datetime.fromisoformat(found.figures["as_of"]))


def make_due(rt: Runtime, now: datetime | None = None) -> int:
    """The worker's call: make and send every monthly report whose time has come; returns how many."""
    now = now or clock.now()
    zone = ZoneInfo(rt.settings.timezone)
    plan = report_policy.load(rt.settings.processes_dir).schedule
    cal = business_calendar.current()
    made = 0
    for year, number in timetable.months_due(cal, plan, zone, now):
        period = month(year, number)
        if (rt.settings.database_url, period.key) in _KEPT:
            continue  # for the week after its moment the sweep asks every half second: no query once kept
        as_of = timetable.production_moment(cal, plan, zone, year, number)
        made += _keep(rt, period, as_of, plan.recipients, SYSTEM.username)
        _KEPT.add((rt.settings.database_url, period.key))
    return made


_KEPT: set[tuple[str, str]] = set()  # (database, period) this process knows to be kept: a kept period never changes


def make_now(rt: Runtime, actor: Actor, period: Period) -> Kept:
    """The quality department keeps a report by hand (a range, or a month the worker has not reached):
    as of now, or the period's end when it has ended. A kept period stays as it was."""
    require_any(actor, MAKE_ROLES, "keep complaint reports")
    zone = ZoneInfo(rt.settings.timezone)
    if period.ends_on >= clock.now().astimezone(zone).date():
        # kept now, it would stand in for the worker's report of the whole month (a kept period never changes)
        raise InvalidInput(f"{period.key} has not ended yet; a period is kept once it is over",
                           field_errors={"period": "not_ended"})
    as_of = min(clock.now(), datetime.combine(period.ends_on + timedelta(days=1), datetime.min.time(), tzinfo=zone))
    _keep(rt, period, as_of, report_policy.load(rt.settings.processes_dir).schedule.recipients, actor.username)
    found = kept(rt, actor, period)
    assert found is not None
    return found


def _keep(rt: Runtime, period: Period, as_of: datetime, recipients: tuple[str, ...], by: str) -> int:
    """The figures are read first, outside the write transaction (seconds of reading must not hold every other
    writer up); the insert is short, and the unique period settles a race with another worker."""
    with rt.db.reader() as session:
        if session.scalar(select(REPORT.c.id).where(REPORT.c.period == period.key)) is not None:
            return 0
        figures = _figures(rt, session, period, as_of)
    try:
        with rt.db.transaction() as session:
            now = clock.now()
            report_id = session.execute(insert(REPORT).values(
                period=period.key, starts_on=period.starts_on, ends_on=period.ends_on, made_at=now, made_by=by,
                figures=figures, mailed_at=now).returning(REPORT.c.id)).scalar_one()
            people = [r for role in recipients for r in notifications.group(session, role, None)]
            notifications.post(session, rt.settings, None, "monthly_report", period.key, period.key, people,
                               details={"report_id": report_id, "period": period.key})
            return 1
    except IntegrityError:  # another worker kept it first
        return 0


def _figures(rt: Runtime, session, period: Period, as_of: datetime) -> dict:
    policy = report_policy.load(rt.settings.processes_dir)
    return report.figures(session, period.starts_on, period.ends_on, as_of, policy, rt.db.reader)


@dataclass(frozen=True)
class Document:
    filename: str
    media_type: str
    body: bytes


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def document(rt: Runtime, actor: Actor, period: Period, kind: str) -> Document:
    """The period's report as a spreadsheet or a PDF: the kept one if the period was kept, else as of now."""
    found = kept(rt, actor, period)
    figures = found.figures if found else live(rt, actor, period)
    return render(rt, period.key, figures, found.made_at if found else clock.now(), kind)


def render(rt: Runtime, key: str, figures: dict, made_at: datetime, kind: str) -> Document:
    from runtime.reporting import document as pdf_document, labels, spreadsheet

    zone, forms_dir = ZoneInfo(rt.settings.timezone), rt.settings.processes_dir / "forms"
    name = labels.title(key)
    if kind == "xlsx":
        return Document(f"{name}.xlsx", XLSX, spreadsheet.workbook(figures, name, forms_dir, zone))
    if kind == "pdf":
        made = made_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        return Document(f"{name}.pdf", "application/pdf", pdf_document.pdf(figures, name, made, forms_dir, zone))
    raise InvalidInput(f"a report is available as xlsx or pdf, not {kind[:20]!r}", field_errors={"format": "invalid"})


def kept_by_id(rt: Runtime, report_id: int) -> Kept | None:
    """For the mailer (the worker's own read of what it queued; no person's rights involved)."""
    with rt.db.reader() as session:
        row = session.execute(select(REPORT).where(REPORT.c.id == report_id)).first()
    return Kept(**row._mapping) if row else None
