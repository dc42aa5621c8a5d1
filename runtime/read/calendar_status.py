"""The business calendar as the dashboard, the calendar page, ``/healthz`` and the CLI describe it:
which years are exact, until when, the 60-day warning, a refused edit, and how many waiting
deadlines were computed on a provisional year."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from runtime import business_calendar, clock
from runtime.actors import OWNER_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.store.db import count
from runtime.store.models import Timer


@dataclass(frozen=True)
class CalendarStatus:
    exact_until: date
    warn: bool  # the last exactly known day is at most WARN_DAYS away
    next_year: int
    # (year, shipped | entered | provisional, exact), from last year to two years ahead
    years: list[tuple[int, str, bool]]
    load_error: str | None
    provisional_timers: int


def outlook() -> dict:
    """What ``/healthz`` says (no one signs in there): until when the calendar is exact, and whether
    the next year must be entered now. A warning, never a failure: deadlines go on, provisionally."""
    calendar = business_calendar.current()
    today = clock.now().astimezone(calendar.zone).date()
    warn = calendar.needs_next_year(today) is not None or business_calendar.load_error() is not None
    out: dict[str, str] = {"status": "warning" if warn else "ok", "exact_until": calendar.exact_until.isoformat()}
    if calendar.needs_next_year(today):
        out["message"] = (f"the official schedule is known until {calendar.exact_until.isoformat()}; enter "
                          f"{calendar.exact_until.year + 1} under [national.{calendar.exact_until.year + 1}] "
                          "in processes/business_calendar.toml")
    error = business_calendar.load_error()
    if error:
        out["error"] = error
    return out


def _kind(schedule) -> str:
    """Where a year's schedule comes from: shipped | entered | provisional (the pages name it in words)."""
    if not schedule.exact:
        return "provisional"
    return "entered" if "[national." in schedule.source else "shipped"


def status(rt: Runtime, actor: Actor) -> CalendarStatus:
    """What the dashboard, the calendar page and the CLI say about the calendar in use."""
    require_any(actor, OWNER_ROLES, "see the business calendar's status")
    calendar = business_calendar.current()
    today = clock.now().astimezone(calendar.zone).date()
    years = [(y, _kind(calendar.schedule(y)), calendar.schedule(y).exact) for y in range(today.year - 1,
                                                                                       today.year + 3)]
    with rt.db.reader() as session:
        waiting = count(session, select(func.count()).select_from(Timer).where(Timer.exact.is_(False)))
    return CalendarStatus(calendar.exact_until, calendar.needs_next_year(today) is not None,
                          calendar.exact_until.year + 1, years, business_calendar.load_error(), waiting)
