"""Time-limit functions for timer expressions, so a diagram says ``working_days(3)`` or ``hours(24)``
and a process owner changes a limit by editing the diagram.

Duration functions return ISO 8601 durations from now (for ``timeDuration``); the ``*_after``
functions return an ISO date-time with offset (for ``timeDate``), counted from a stored moment
such as the complaint's acceptance time, so a limit survives escalation to another step.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from handlers.registry import registry
from runtime import business_calendar, clock
from runtime.moments import parse_day, parse_moment


def _number(value, unit: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{unit}() needs a number >= 0, got {value!r}")
    return value


def _until(moment: datetime) -> str:
    return f"PT{max(0, round((moment - clock.now()).total_seconds()))}S"


def _moment(value) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        raise ValueError(f"'{value}' has no UTC offset; store moments with one")
    return moment


def _after(moment, unit: str, n: float) -> str:
    """``n`` clock ``unit`` (minutes, hours, days) after a stored ``moment``, as an ISO text."""
    return (_moment(moment) + timedelta(**{unit: _number(n, f"{unit}_after")})).isoformat()


@registry.function
def minutes(n: float) -> str:
    """A duration of ``n`` minutes, e.g. the 20-minute dispatch limit."""
    return f"PT{round(_number(n, 'minutes') * 60)}S"


@registry.function
def hours(n: float) -> str:
    """A duration of ``n`` clock hours, e.g. the 24-hour reply limit."""
    return f"PT{round(_number(n, 'hours') * 3600)}S"


@registry.function
def days(n: float) -> str:
    """A duration of ``n`` calendar days, e.g. the 3-day contact-the-customer rhythm."""
    return f"PT{round(_number(n, 'days') * 86400)}S"


def business_calendar_function(fn):
    """Mark a function that counts working time: a due time it gives on a provisional calendar year
    is shown as provisional, and can be recomputed once the official schedule is entered."""
    fn.business_calendar = True
    return fn


@registry.function
@business_calendar_function
def working_days(n: int) -> str:
    """The time until ``n`` Chinese working days from now (weekends, holidays and 调休 applied)."""
    return _until(business_calendar.current().add_working_days(clock.now(), _number(n, "working_days")))


@registry.function
@business_calendar_function
def business_hours(n: float) -> str:
    """The time until ``n`` working hours from now (working days, lunch break excluded)."""
    return _until(business_calendar.current().add_business_hours(clock.now(), _number(n, "business_hours")))


@registry.function
def days_after(moment, n: float) -> str:
    """The date-time ``n`` calendar days after ``moment`` (for a timeDate), e.g. the 10-day alert."""
    return _after(moment, "days", n)


@registry.function
def minutes_after(moment, n: float) -> str:
    """The date-time ``n`` minutes after ``moment`` (for a timeDate), e.g. dispatch 20 minutes after
    the complaint was received, however late it was entered or however often the step was redone."""
    return _after(moment, "minutes", n)


@registry.function
def hours_after(moment, n: float) -> str:
    """The date-time ``n`` clock hours after ``moment`` (for a timeDate), e.g. the reply 24 hours
    after acceptance, or entry in the system 2 hours after it."""
    return _after(moment, "hours", n)


@registry.function
def later(moment, than) -> bool:
    """Whether ``moment`` comes after ``than``, whatever their offsets: a gateway asks it of a limit
    counted from an earlier moment (was the complaint entered more than 2 hours after it was received?)."""
    return _moment(moment) > _moment(than)


@registry.function
def reception_time(received_at="") -> str:
    """When the complaint was received, as an ISO text with offset: what the front desk entered
    (a local time is the business calendar's), or now when they left it empty."""
    if received_at in (None, ""):
        return clock.now().isoformat()
    return parse_moment(str(received_at), business_calendar.current().zone).isoformat()


@registry.function
def end_of_day(day) -> str:
    """The end of the working day on date ``day`` (for a timeDate), e.g. the re-reply date agreed
    with the customer: it is kept if the answer comes any time that day."""
    calendar = business_calendar.current()
    return datetime.combine(parse_day(str(day)), calendar.hours.end, calendar.zone).isoformat()


@registry.function
@business_calendar_function
def working_days_after(moment, n: int) -> str:
    """The date-time ``n`` working days after ``moment`` (for a timeDate)."""
    return business_calendar.current().add_working_days(_moment(moment), _number(n, "working_days_after")).isoformat()


@registry.function
def now_iso() -> str:
    """The current moment as an ISO text with offset, to store as e.g. ``accepted_at``."""
    return clock.now().isoformat()
