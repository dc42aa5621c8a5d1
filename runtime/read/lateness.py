"""How late a breach was, in working days, for many breaches at once: the same measure as
``BusinessCalendar.working_days_between`` (business hours converted to days), but whole days are
summed from a running total kept across calls instead of walked one by one, so a month's thousands
of breaches, some late for months, take milliseconds rather than seconds."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from runtime.business_calendar import BusinessCalendar


class Lateness:
    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.intervals = calendar.hours.intervals()
        self.per_day = sum(self._seconds(date.min, s, e) for s, e in self.intervals)
        self.days: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        self.base: date | None = None
        self.totals: list[float] = [0.0]  # totals[i]: working seconds of the days base .. base + i - 1

    def working_days(self, start: datetime, end: datetime) -> float:
        """Working days from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.working_days(end, start)
        a, b = start.astimezone(self.calendar.zone), end.astimezone(self.calendar.zone)
        if a.date() == b.date():
            seconds = self._part(a.date(), a, b)
        else:
            seconds = (self._part(a.date(), a, None) + self._whole(a.date() + timedelta(days=1), b.date())
                       + self._part(b.date(), None, b))
        return seconds / self.per_day

    def _part(self, day: date, low: datetime | None, high: datetime | None) -> float:
        """Working seconds of ``day`` between ``low`` and ``high`` (None: the day's start or end)."""
        total = 0.0
        for opens, closes in self._periods(day):
            begin, stop = max(opens, low) if low else opens, min(closes, high) if high else closes
            if stop > begin:
                total += (stop - begin).total_seconds()
        return total

    def _periods(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The day's working periods as moments (none on a day off), worked out once per day."""
        found = self.days.get(day)
        if found is None:
            zone = self.calendar.zone
            found = tuple((datetime.combine(day, s, zone), datetime.combine(day, e, zone))
                          for s, e in self.intervals) if self.calendar.is_working_day(day) else ()
            self.days[day] = found
        return found

    def _whole(self, first: date, stop: date) -> float:
        """Working seconds of the whole days first .. stop - 1."""
        if stop <= first:
            return 0.0
        before = self._total(first)  # first: it may move the running total's start back
        return self._total(stop) - before

    def _total(self, day: date) -> float:
        if self.base is None or day < self.base:
            self.base, self.totals = day - timedelta(days=31), [0.0]
        index = (day - self.base).days
        while len(self.totals) <= index:
            current = self.base + timedelta(days=len(self.totals) - 1)
            full = self.per_day if self.calendar.is_working_day(current) else 0.0
            self.totals.append(self.totals[-1] + full)
        return self.totals[index]

    @staticmethod
    def _seconds(day: date, s, e) -> float:
        return (datetime.combine(day, e) - datetime.combine(day, s)).total_seconds()
