"""Moments people type: a reception time from a desk form (``2025-09-29T08:30``, the browser's
``datetime-local``), an agreed date (``2025-10-09``), or an ISO text with its offset from an API
client. A time without an offset is the business calendar's local time (Asia/Shanghai), never the
server's, so a complaint received at 08:30 in Shanghai is recorded as 08:30 there wherever it runs."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def parse_moment(text: str, zone: ZoneInfo) -> datetime:
    """An aware date-time; ValueError naming the expected shape when ``text`` is none."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        raise ValueError(f"{str(text)[:40]!r} is not a date and time such as 2025-09-29T08:30") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def parse_day(text: str) -> date:
    """A calendar date; ValueError naming the expected shape when ``text`` is none."""
    shaped = text.strip() if isinstance(text, str) else ""
    try:
        if len(shaped) != 10:
            raise ValueError(shaped)
        return date.fromisoformat(shaped)
    except ValueError:
        raise ValueError(f"{str(text)[:40]!r} is not a date such as 2025-10-09") from None


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)  # the days reports, charts and exports may name


def report_day(text: str | None) -> date | None:
    """A day of a report, a chart or an export (``2026-11-30``), or None when ``text`` is none or outside
    2000-2100: a day at the edge of the calendar (0001-01-01, 9999-12-31) would overflow once turned into
    the moments around it, so such a day is refused like any other bad one."""
    try:
        day = date.fromisoformat(text) if text and len(text) == 10 else None
    except ValueError:
        return None
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None
