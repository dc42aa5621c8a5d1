"""The business calendar: Chinese working days and company working hours.

Working days are Monday to Friday, minus the official holidays, plus the adjusted weekend workdays
(调休), year by year from ``runtime.calendar_years``: exact where the State Council's schedule is
known (shipped, or entered under ``[national.YYYY]`` in ``processes/business_calendar.toml``),
provisional by rule where it is not, so no date is ever refused. The company's closures and extra
workdays (``[company]``) apply on top. The file is watched: an edit takes effect for every deadline
computed afterwards, in every process that reads it; an edit that does not validate is refused and
the calendar in use stays (``load_error`` says why, on the dashboard and ``/healthz``).

Rules for deadlines (documented in the README):
- ``add_working_days(m, n)``: started on a working day, the deadline is the n-th working day after
  it at the same time of day; started on a day off, it is the end of working hours of the n-th
  working day after it (the day off does not count).
- ``add_business_hours(m, h)``: h hours counted only inside working hours (lunch break excluded).
"""
from __future__ import annotations

import json
import threading
import time as monotonic
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from pathlib import Path
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from runtime import calendar_years
from runtime.calendar_years import YearSchedule
from runtime.errors import ConfigurationError

DATA_FILE = Path(__file__).resolve().parent / "data" / "cn_workdays.json"
WARN_DAYS = 60  # from this many days before the last exactly known day, people are told to enter the next year
RECHECK_SECONDS = 2.0  # how often the company file's modification time is looked at


@dataclass(frozen=True)
class WorkingHours:
    start: time = time(9, 0)
    lunch_start: time = time(12, 0)
    lunch_end: time = time(13, 30)
    end: time = time(18, 0)

    def intervals(self) -> tuple[tuple[time, time], ...]:
        return ((self.start, self.lunch_start), (self.lunch_end, self.end))


@dataclass(frozen=True)
class BusinessCalendar:
    years: Mapping[int, YearSchedule]  # the exactly known years; any other year is provisional
    closures: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    hours: WorkingHours = field(default_factory=WorkingHours)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    source: str = ""

    def schedule(self, year: int) -> YearSchedule:
        return self.years.get(year) or calendar_years.provisional(year)

    def is_working_day(self, day: date) -> bool:
        if day in self.closures:
            return False
        if day in self.extra_workdays:
            return True
        return self.schedule(day.year).is_working_day(day)

    def is_exact(self, day: date) -> bool:
        """Whether ``day`` lies in a year whose official schedule is known."""
        return day.year in self.years

    @cached_property
    def exact_until(self) -> date:
        """The last day of the unbroken run of exactly known years that reaches the newest shipped one."""
        year = max(y for y, s in self.years.items() if s.source == self.source)
        while year + 1 in self.years:
            year += 1
        return date(year, 12, 31)

    def needs_next_year(self, today: date) -> date | None:
        """The last exactly known day when it is at most ``WARN_DAYS`` away (time to enter the next year)."""
        return self.exact_until if (self.exact_until - today).days <= WARN_DAYS else None

    def next_working_day(self, day: date, n: int = 1) -> date:
        """The n-th working day after ``day`` (n >= 1)."""
        while n > 0:
            day += timedelta(days=1)
            n -= self.is_working_day(day)
        return day

    def add_working_days(self, moment: datetime, n: float) -> datetime:
        if n < 0 or int(n) != n:
            raise ValueError(f"working_days needs a whole number >= 0, got {n!r}")
        local = moment.astimezone(self.zone)
        if n == 0:
            return moment
        target = self.next_working_day(local.date(), int(n))
        at = local.timetz().replace(tzinfo=None) if self.is_working_day(local.date()) else self.hours.end
        return datetime.combine(target, at, self.zone).astimezone(moment.tzinfo)

    def add_business_hours(self, moment: datetime, hours: float) -> datetime:
        if hours < 0:
            raise ValueError(f"business_hours needs a number >= 0, got {hours!r}")
        left = timedelta(hours=hours)
        local = moment.astimezone(self.zone)
        day = local.date()
        while True:
            if self.is_working_day(day):
                for start, end in self.hours.intervals():
                    begin = max(datetime.combine(day, start, self.zone), local)
                    stop = datetime.combine(day, end, self.zone)
                    if begin < stop:
                        if begin + left <= stop:
                            return (begin + left).astimezone(moment.tzinfo)
                        left -= stop - begin
            day += timedelta(days=1)

    def next_working_time(self, moment: datetime) -> datetime:
        """``moment`` itself inside working hours, else the start of the next working period
        (when a non-urgent e-mail may go out)."""
        return self.add_business_hours(moment, 0)

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Working days from ``start`` to ``end`` (negative when ``end`` is earlier), in business hours
        converted to days; what an inbox shows as "1.5 working days left"."""
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        per_day = sum((datetime.combine(date.min, e) - datetime.combine(date.min, s)).total_seconds()
                      for s, e in self.hours.intervals())
        seconds, local, day = 0.0, start.astimezone(self.zone), start.astimezone(self.zone).date()
        last = end.astimezone(self.zone)
        while day <= last.date():
            if self.is_working_day(day):
                for s, e in self.hours.intervals():
                    begin = max(datetime.combine(day, s, self.zone), local)
                    stop = min(datetime.combine(day, e, self.zone), last)
                    seconds += max(0.0, (stop - begin).total_seconds())
            day += timedelta(days=1)
        return sign * seconds / per_day


def _dates(values, where: str) -> frozenset[date]:
    try:
        if not isinstance(values, list) or any(isinstance(v, datetime) for v in values):
            raise TypeError("a list of dates without times is expected")
        return frozenset(v if isinstance(v, date) else date.fromisoformat(v) for v in values)
    except (TypeError, ValueError) as e:
        raise ConfigurationError(f"{where}: dates must be written as YYYY-MM-DD ({e})") from None


def _time(value: str, where: str) -> time:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{where}: '{value}' is not a time like 09:00") from None


def _read_company(company_file: Path | None) -> dict:
    if not company_file or not company_file.exists():
        return {}
    try:
        return tomllib.loads(company_file.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ConfigurationError(f"{company_file}: not valid TOML ({e})") from None


def _working_hours(company: dict, where: str) -> WorkingHours:
    hours = company.get("working_hours", {})
    defaults = WorkingHours()
    working_hours = WorkingHours(*(_time(hours[k],
                                         f"{where} [working_hours] {k}") if k in hours else getattr(defaults, k)
                                   for k in ("start", "lunch_start", "lunch_end", "end")))
    if not working_hours.start < working_hours.lunch_start <= working_hours.lunch_end < working_hours.end:
        raise ConfigurationError(f"{where}: working hours must satisfy start < lunch_start <= lunch_end < end")
    return working_hours


def load(company_file: Path | None = None, zone: str = "Asia/Shanghai") -> BusinessCalendar:
    """The national calendar with the company file (TOML) on top, if it exists.

    Raises ConfigurationError naming the file, table and value that are wrong.
    """
    data = json.loads(DATA_FILE.read_text())
    company = _read_company(company_file)
    where = str(company_file)
    for table_name in ("national", "company", "working_hours"):
        if not isinstance(company.get(table_name, {}), dict):
            raise ConfigurationError(f"{where}: [{table_name}] must be a table")
    try:
        zone_info = ZoneInfo(str(company.get("timezone", zone)))
    except (ValueError, KeyError, ZoneInfoNotFoundError):
        raise ConfigurationError(f"{where}: timezone '{company.get('timezone')}' is not a known time zone") from None
    years = calendar_years.shipped(data)
    years.update(calendar_years.entered(company.get("national", {}), where, years))
    extra = company.get("company", {})
    return BusinessCalendar(
        years=years,
        closures=_dates(extra.get("closures", []), f"{where} [company] closures"),
        extra_workdays=_dates(extra.get("extra_workdays", []), f"{where} [company] extra_workdays"),
        hours=_working_hours(company, where), zone=zone_info, source=data["source"])


@dataclass
class _Watch:
    """The company file the calendar in use came from, so an edit is picked up without a restart."""

    path: Path | None = None
    zone: str = "Asia/Shanghai"
    mtime: float | None = None
    checked_at: float = 0.0
    error: str | None = None


_current: BusinessCalendar | None = None
_watch = _Watch()
_lock = threading.Lock()


def _mtime(path: Path | None) -> float | None:
    try:
        return path.stat().st_mtime_ns if path else None
    except OSError:
        return None


def configure(calendar: BusinessCalendar) -> None:
    """Make ``calendar`` the one the diagrams' time functions use, unwatched (tests, tools)."""
    global _current
    with _lock:
        _current, _watch.path, _watch.error = calendar, None, None


def watch(company_file: Path | None, zone: str = "Asia/Shanghai") -> BusinessCalendar:
    """Load the calendar from ``company_file`` and keep it current as the file changes (bootstrap).

    A file that does not validate at start-up is a configuration error (raised); later edits that do
    not validate are refused and kept in ``load_error`` while the last good calendar stays in use.
    """
    global _current
    calendar = load(company_file, zone)
    with _lock:
        _current = calendar
        _watch.path, _watch.zone, _watch.mtime = company_file, zone, _mtime(company_file)
        _watch.checked_at, _watch.error = monotonic.monotonic(), None
    return calendar


def refresh() -> str | None:
    """Read the watched file again if it changed; returns the load error, if the new text is refused."""
    global _current
    with _lock:
        _watch.checked_at = monotonic.monotonic()
        mtime = _mtime(_watch.path)
        if _watch.path is None or mtime == _watch.mtime:
            return _watch.error
        _watch.mtime = mtime
        try:
            _current, _watch.error = load(_watch.path, _watch.zone), None
        except ConfigurationError as e:
            _watch.error = e.message
        except Exception as e:  # noqa: BLE001 - any edit that does not load is refused, never half applied
            _watch.error = f"{_watch.path}: {type(e).__name__}: {e}"
        return _watch.error


def load_error() -> str | None:
    """Why the last edit of the calendar file was refused (None when the file in use is the file on disk)."""
    return _watch.error


def current() -> BusinessCalendar:
    global _current
    if _current is None:
        with _lock:
            _current = _current or load()
    if _watch.path is not None and monotonic.monotonic() - _watch.checked_at >= RECHECK_SECONDS:
        refresh()
    return _current
