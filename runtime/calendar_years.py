"""Which days of a year are working days in China: exact where the official schedule is known,
provisional by rule where it is not, so a deadline can always be computed.

Three sources, in this order:
- the State Council's schedule shipped in ``runtime/data/cn_workdays.json`` (generated from
  chinesecalendar by ``python -m runtime.calendar_data``);
- a year's schedule a process owner or administrator entered in ``processes/business_calendar.toml``
  under ``[national.YYYY]`` (``holidays`` = weekdays off, ``workdays`` = make-up weekend days), for a
  year the shipped data does not have yet;
- otherwise the year is *provisional*: weekends plus the statutory holidays the law lists
  (全国年节及纪念日放假办法: New Year, Spring Festival eve and days 1-3, Qingming, 1-2 May, Dragon Boat,
  Mid-Autumn, 1-3 October), their lunar dates computed by the ``holidays`` package. No make-up days
  and no extra bridge days are guessed: only the State Council's notice fixes those. Most deadlines
  on a provisional year fall on or before the official ones; one the official schedule would end on a
  make-up Saturday falls on the next weekday, so the official year should be entered when published.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

import holidays as holiday_rules

from runtime.errors import ConfigurationError

PROVISIONAL_SOURCE = f"provisional: weekends and statutory holidays (holidays {holiday_rules.__version__})"


@dataclass(frozen=True)
class YearSchedule:
    """A year's deviations from Monday-to-Friday, and where they come from."""

    year: int
    days_off: frozenset[date]  # weekdays that are off
    workdays: frozenset[date]  # weekend days that are worked (调休上班)
    source: str
    exact: bool

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.days_off


def shipped(data: dict) -> dict[int, YearSchedule]:
    """The years of the generated national data, each exact."""
    off: dict[int, set[date]] = {}
    on: dict[int, set[date]] = {}
    for text in data["weekdays_off"]:
        day = date.fromisoformat(text)
        off.setdefault(day.year, set()).add(day)
    for text in data["weekend_workdays"]:
        day = date.fromisoformat(text)
        on.setdefault(day.year, set()).add(day)
    return {year: YearSchedule(year, frozenset(off.get(year, ())), frozenset(on.get(year, ())), data["source"], True)
            for year in range(data["first_year"], data["last_year"] + 1)}


@lru_cache(maxsize=64)
def provisional(year: int) -> YearSchedule:
    """Weekends plus the statutory holidays that fall on a weekday (lunar dates by rule)."""
    rules = holiday_rules.China(years=year, observed=False, language="en_US")  # names, whatever the locale
    statutory = {day for day, name in rules.items() if not name.startswith("Day off")}
    return YearSchedule(year, frozenset(d for d in statutory if d.weekday() < 5), frozenset(), PROVISIONAL_SOURCE,
                        False)


def entered(section: dict, where: str, known: dict[int, YearSchedule]) -> dict[int, YearSchedule]:
    """The ``[national.YYYY]`` tables of the company file, validated: every problem is named."""
    out = {}
    for key, table in section.items():
        label = f"{where} [national.{key}]"
        year = _year(key, label)
        if not isinstance(table, dict) or set(table) - {"holidays", "workdays", "note"}:
            raise ConfigurationError(f"{label}: write only holidays = [...] and workdays = [...] (and a note)")
        days_off = _days(table.get("holidays", []), year, f"{label} holidays")
        workdays = _days(table.get("workdays", []), year, f"{label} workdays")
        _check(days_off, workdays, label)
        if year in known:  # shipped since it was entered: fine when both say the same
            _same(known[year], days_off, workdays, label)
            continue
        out[year] = YearSchedule(year, days_off, workdays, f"{where} [national.{year}]", True)
    return out


def _same(shipped: YearSchedule, days_off: frozenset[date], workdays: frozenset[date], label: str) -> None:
    differ = sorted(d.isoformat() for d in (days_off ^ shipped.days_off) | (workdays ^ shipped.workdays))
    if differ:
        raise ConfigurationError(f"{label}: differs from the official schedule of {shipped.year} shipped with "
                                 f"{shipped.source} on {', '.join(differ[:5])}; remove this table")


def _year(key: str, label: str) -> int:
    if not str(key).isdigit() or not 1900 <= int(key) <= 2200:
        raise ConfigurationError(f"{label}: the table name must be a year such as [national.2027]")
    return int(key)


def _days(values, year: int, label: str) -> frozenset[date]:
    if not isinstance(values, list):
        raise ConfigurationError(f"{label}: must be a list of dates like [\"{year}-01-01\"]")
    out = set()
    for value in values:
        try:
            if isinstance(value, datetime):
                raise ValueError("a date without a time is expected")
            day = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise ConfigurationError(f"{label}: '{value}' is not a date written as YYYY-MM-DD") from None
        if day.year != year:
            raise ConfigurationError(f"{label}: {day.isoformat()} is not in {year}")
        out.add(day)
    return frozenset(out)


def _check(days_off: frozenset[date], workdays: frozenset[date], label: str) -> None:
    """A holiday listed must be a weekday (weekends are off anyway); a make-up day must be a weekend."""
    for day in sorted(days_off):
        if day.weekday() >= 5:
            raise ConfigurationError(f"{label} holidays: {day.isoformat()} is a {day:%A}, already a day off; "
                                     "list only the weekdays that are off")
    for day in sorted(workdays):
        if day.weekday() < 5:
            raise ConfigurationError(f"{label} workdays: {day.isoformat()} is a {day:%A}; make-up working days "
                                     "are weekend days")
