"""The monthly report's lateness measure (runtime.read.lateness) against the business calendar's own
working_days_between, on random spans across the 2025 and 2026 holidays and their worked weekends."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from runtime import business_calendar
from runtime.read.lateness import Lateness

SH = ZoneInfo("Asia/Shanghai")


def test_it_measures_what_the_calendar_measures():
    calendar = business_calendar.load()
    lateness = Lateness(calendar)
    pick = random.Random(16)
    start = datetime(2025, 9, 1, tzinfo=UTC)
    for _ in range(2000):  # one Lateness for all: its running total moves back and forth
        a = start + timedelta(minutes=pick.randrange(60 * 24 * 500))
        b = a + timedelta(minutes=pick.choice([pick.randrange(600), pick.randrange(60 * 24 * 120)]))
        a, b = (b, a) if pick.random() < 0.1 else (a, b)
        assert abs(lateness.working_days(a, b) - calendar.working_days_between(a, b)) < 1e-9, (a, b)


def test_the_national_day_holiday_and_the_worked_saturday():
    days = Lateness(business_calendar.load()).working_days
    # Oct 4 to Oct 11 2026: only Oct 8, Oct 9 and the worked Saturday Oct 10 count
    assert days(datetime(2026, 10, 4, 10, 0, tzinfo=SH), datetime(2026, 10, 11, 10, 0, tzinfo=SH)) == 3.0
    # Friday Sept 25 2026 is off (Mid-Autumn), Sunday Sept 20 worked
    assert days(datetime(2026, 9, 24, 18, 0, tzinfo=SH), datetime(2026, 9, 28, 9, 0, tzinfo=SH)) == 0.0
    assert days(datetime(2026, 9, 19, 18, 0, tzinfo=SH), datetime(2026, 9, 21, 9, 0, tzinfo=SH)) == 1.0
    assert days(datetime(2026, 10, 9, 10, 0, tzinfo=SH), datetime(2026, 10, 9, 9, 0, tzinfo=SH)) == -1 / 7.5
