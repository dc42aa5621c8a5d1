"""The business calendar: Chinese working days and company working hours.

Working days are Monday to Friday, minus the official holidays, plus the adjusted weekend workdays
(调休), from ``runtime/data/cn_workdays.json`` (generated from chinesecalendar), with the company's
closures and extra workdays on top (``processes/business_calendar.toml``). A date outside the
covered years is refused with ``CalendarNotCovered`` rather than guessed.

Rules for deadlines (documented in the README):
- ``add_working_days(m, n)``: started on a working day, the deadline is the n-th working day after
  it at the same time of day; started on a day off, it is the end of working hours of the n-th
  working day after it (the day off does not count).
- ``add_business_hours(m, h)``: h hours counted only inside working hours (lunch break excluded).
"""
from __future__ import annotations

import json
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from runtime.errors import ComplaintflowError, ConfigurationError

DATA_FILE = Path(__file__).resolve().parent / "data" / "cn_workdays.json"


class CalendarNotCovered(ComplaintflowError):
    """This date is outside the years the business calendar covers."""

    code = "calendar_not_covered"


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
    first_year: int
    last_year: int
    weekdays_off: frozenset[date]
    weekend_workdays: frozenset[date]
    closures: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()
    hours: WorkingHours = field(default_factory=WorkingHours)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    source: str = ""

    def is_working_day(self, day: date) -> bool:
        if not self.first_year <= day.year <= self.last_year:
            raise CalendarNotCovered(f"the business calendar covers {self.first_year}-{self.last_year}; "
                                     f"{day.isoformat()} is outside it (update chinesecalendar and regenerate)")
        if day in self.closures:
            return False
        if day in self.extra_workdays or day in self.weekend_workdays:
            return True
        return day.weekday() < 5 and day not in self.weekdays_off

    def next_working_day(self, day: date, n: int = 1) -> date:
        """The n-th working day after ``day`` (n >= 1)."""
        while n > 0:
            day += timedelta(days=1)
            n -= self.is_working_day(day)
        return day

    def add_working_days(self, moment: datetime, n: int) -> datetime:
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
        return frozenset(v if isinstance(v, date) else date.fromisoformat(v) for v in values)
    except (TypeError, ValueError) as e:
        raise ConfigurationError(f"{where}: dates must be written as YYYY-MM-DD ({e})") from None


def _time(value: str, where: str) -> time:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise ConfigurationError(f"{where}: '{value}' is not a time like 09:00") from None


def load(company_file: Path | None = None, zone: str = "Asia/Shanghai") -> BusinessCalendar:
    """The national calendar with the company file (TOML) on top, if it exists."""
    data = json.loads(DATA_FILE.read_text())
    company = tomllib.loads(company_file.read_text()) if company_file and company_file.exists() else {}
    where = str(company_file)
    hours = company.get("working_hours", {})
    defaults = WorkingHours()
    working_hours = WorkingHours(*(_time(hours[k], f"{where} [working_hours] {k}") if k in hours else getattr(defaults, k)
                                   for k in ("start", "lunch_start", "lunch_end", "end")))
    if not working_hours.start < working_hours.lunch_start <= working_hours.lunch_end < working_hours.end:
        raise ConfigurationError(f"{where}: working hours must satisfy start < lunch_start <= lunch_end < end")
    extra = company.get("company", {})
    return BusinessCalendar(
        first_year=data["first_year"], last_year=data["last_year"],
        weekdays_off=_dates(data["weekdays_off"], str(DATA_FILE)),
        weekend_workdays=_dates(data["weekend_workdays"], str(DATA_FILE)),
        closures=_dates(extra.get("closures", []), f"{where} [company] closures"),
        extra_workdays=_dates(extra.get("extra_workdays", []), f"{where} [company] extra_workdays"),
        hours=working_hours, zone=ZoneInfo(company.get("timezone", zone)), source=data["source"])


_current: BusinessCalendar | None = None
_lock = threading.Lock()


def configure(calendar: BusinessCalendar) -> None:
    """Make ``calendar`` the one the diagrams' time functions use (set once at bootstrap)."""
    global _current
    with _lock:
        _current = calendar


def current() -> BusinessCalendar:
    global _current
    if _current is None:
        with _lock:
            _current = _current or load()
    return _current
