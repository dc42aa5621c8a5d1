"""When the monthly report is made: on the last working day before the 1st (001: 每月1日前), at a time of day
the process owner sets, so that it reaches the quality department and leadership before the month ends.

The settings are the ``[schedule]`` table of ``processes/report_policy.toml`` (read, checked and cached with
the rest of the policy by ``runtime.report_policy``; defaults when the table is absent):

    [schedule]
    time = "16:00"                               # local time on that working day
    recipients = ["quality", "general_manager"]  # roles whose members receive it

The report is made *as of* that moment (not as of whenever the worker got to it), so a worker that was
down makes the same report when it comes back, and regenerating it gives the same figures."""
from __future__ import annotations

import calendar as month_days
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from runtime.business_calendar import BusinessCalendar
from runtime.errors import ConfigurationError
from runtime.roles import ROLE_CODES

POLICY_FILE = "report_policy.toml"


@dataclass(frozen=True)
class Schedule:
    time: time = time(16, 0)
    recipients: tuple[str, ...] = ("quality", "general_manager")


def from_table(table) -> Schedule:
    """The ``[schedule]`` table of the report policy (``runtime.report_policy`` reads the file), checked."""
    if not isinstance(table, dict):
        raise ConfigurationError(f"{POLICY_FILE}: [schedule] must be a table")
    unknown = sorted(set(table) - {"time", "recipients"})
    if unknown:
        raise ConfigurationError(f"{POLICY_FILE}: [schedule] has no setting '{unknown[0]}' (time, recipients)")
    at = table.get("time", "16:00")
    if not isinstance(at, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", at):
        raise ConfigurationError(f"{POLICY_FILE}: [schedule] time must be HH:MM (24-hour), got {at!r}")
    roles = table.get("recipients", list(Schedule.recipients))
    if not isinstance(roles, list) or not roles or any(r not in ROLE_CODES for r in roles):
        raise ConfigurationError(f"{POLICY_FILE}: [schedule] recipients must be a list of role codes "
                                 f"({', '.join(sorted(ROLE_CODES))}), got {roles!r}")
    hours, minutes = map(int, at.split(":"))
    return Schedule(time(hours, minutes), tuple(roles))


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, month_days.monthrange(year, month)[1])


def production_day(cal: BusinessCalendar, year: int, month: int) -> date:
    """The last working day on or before the month's last day (a make-up Saturday counts)."""
    day = month_bounds(year, month)[1]
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return day


def production_moment(cal: BusinessCalendar, schedule: Schedule, zone: ZoneInfo, year: int, month: int) -> datetime:
    return datetime.combine(production_day(cal, year, month), schedule.time, tzinfo=zone)


CATCH_UP = timedelta(days=7)


def months_due(cal: BusinessCalendar, schedule: Schedule, zone: ZoneInfo, now: datetime) -> list[tuple[int, int]]:
    """This month once its production moment has come, and the month before if that moment passed less than
    a week ago (a worker that was down across the month end makes it when it comes back; a system set up in
    the middle of a month does not mail leadership a report of a month it never saw)."""
    local = now.astimezone(zone)
    previous = (local.year - 1, 12) if local.month == 1 else (local.year, local.month - 1)
    due = []
    if now - CATCH_UP < production_moment(cal, schedule, zone, *previous) <= now:
        due.append(previous)
    if production_moment(cal, schedule, zone, local.year, local.month) <= now:
        due.append((local.year, local.month))
    return due
