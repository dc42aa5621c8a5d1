"""How much time is left before a deadline, in the words an inbox uses.

Deadlines of a day or more are counted in working days on the business calendar ("1.5 working
days left"); shorter ones (the 20-minute dispatch, the 2-hour crisis response) run on the clock,
so they are shown in hours and minutes, which is what the person must act on.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _

from runtime import business_calendar, clock


def time_left(due: datetime, working_days: float | None = None, now: datetime | None = None) -> str:
    """``working_days`` left, when the caller has counted them already (inbox rows), saves a calendar walk."""
    now = now or clock.now()
    gap = due - now
    if abs(gap) < timedelta(days=1):
        minutes = int(abs(gap).total_seconds() // 60)
        amount = _("%(h)s h %(m)s min", h=minutes // 60, m=minutes % 60) if minutes >= 60 else \
            _("%(m)s min", m=minutes)
        return _("%(amount)s left", amount=amount) if gap >= timedelta(0) else _("%(amount)s overdue", amount=amount)
    days = working_days if working_days is not None else \
        round(business_calendar.current().working_days_between(now, due), 1)
    if days < 0:
        return _("%(days)s working days overdue", days=-days)
    return _("%(days)s working days left", days=days)
