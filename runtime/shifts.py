"""The shift settings a process owner edits (``processes/shifts.toml``): when each shift starts, how
long its review may take, and how old an open complaint must be to be reviewed (001: 接班后的前30分钟,
三天前的仍未关闭的投诉). Read and checked here, with one clear message per mistake; the worker
starts a review per shift from them.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from runtime.errors import ConfigurationError

FILE_NAME = "shifts.toml"
_TIME = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
_TOP = {"review_minutes", "older_than_days", "shift"}
_SHIFT = {"name", "starts"}


@dataclass(frozen=True)
class Shift:
    name: str
    starts: time


@dataclass(frozen=True)
class ShiftSettings:
    shifts: tuple[Shift, ...]
    review_minutes: int
    older_than_days: int

    def reviewing(self, moment: datetime, zone: ZoneInfo) -> tuple[Shift, datetime] | None:
        """The shift whose review window (its first ``review_minutes``) holds ``moment``, with its
        start as an aware local time; None between windows. Yesterday's shifts count too: a window
        may run past midnight."""
        local = moment.astimezone(zone)
        for day in (local.date(), local.date() - timedelta(days=1)):
            for shift in self.shifts:
                start = datetime.combine(day, shift.starts, zone)
                if start <= local < start + timedelta(minutes=self.review_minutes):
                    return shift, start
        return None


def load(path: Path) -> ShiftSettings | None:
    """The settings in ``path``, or None when there is no such file (no shift reviews).

    Raises ConfigurationError naming the file and what is wrong in it.
    """
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigurationError(f"{path.name}: not valid TOML ({e})") from e
    return parse(data, path.name)


def parse(data: dict, where: str) -> ShiftSettings:
    """Check the settings read from ``where``; raises ConfigurationError with every mistake found."""
    problems = [f"unknown setting '{k}' (expected {', '.join(sorted(_TOP))})" for k in data if k not in _TOP]
    minutes = _whole(data, "review_minutes", 1, 24 * 60, problems)
    days = _whole(data, "older_than_days", 0, 365, problems)
    shifts = _shifts(data.get("shift"), problems)
    if not problems and len(shifts) > 1:
        problems += _overlaps(shifts, minutes)
    if problems:
        raise ConfigurationError(f"{where}: " + "; ".join(problems))
    return ShiftSettings(tuple(shifts), minutes, days)


def _whole(data: dict, name: str, low: int, high: int, problems: list[str]) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        problems.append(f"{name} must be a whole number from {low} to {high}, not {value!r}")
        return 0
    return value


def _shifts(raw, problems: list[str]) -> list[Shift]:
    if not isinstance(raw, list) or not raw:
        problems.append("at least one [[shift]] with a name and a start time (starts = \"08:00\") is needed")
        return []
    shifts: list[Shift] = []
    for number, entry in enumerate(raw, 1):
        label = f"shift {number}"
        if not isinstance(entry, dict):
            problems.append(f"{label} must be a table with name and starts")
            continue
        problems += [f"{label}: unknown setting '{k}' (expected name, starts)" for k in entry if k not in _SHIFT]
        name, starts = entry.get("name"), entry.get("starts")
        if not isinstance(name, str) or not name.strip() or len(name) > 20:
            problems.append(f"{label}: name must be a text of 1 to 20 characters, not {name!r}")
        elif any(s.name == name.strip() for s in shifts):
            problems.append(f"{label}: the name '{name}' is used twice")
        match = _TIME.match(starts) if isinstance(starts, str) else None
        if match is None:
            problems.append(f"{label}: starts must be a time of day as \"HH:MM\" (e.g. \"08:00\"), not {starts!r}")
        if isinstance(name, str) and name.strip() and match:
            shifts.append(Shift(name.strip(), time(int(match[1]), int(match[2]))))
    return shifts


def _overlaps(shifts: list[Shift], minutes: int) -> list[str]:
    """A review window that reaches the next shift's start would leave two reviews open at once."""
    ordered = sorted(shifts, key=lambda s: s.starts)
    starts = [s.starts.hour * 60 + s.starts.minute for s in ordered]
    problems = []
    for i, shift in enumerate(ordered):
        gap = (starts[(i + 1) % len(starts)] - starts[i]) % (24 * 60)
        if gap == 0:
            problems.append(f"shifts '{shift.name}' and '{ordered[(i + 1) % len(ordered)].name}' start at the "
                            "same time")
        elif minutes >= gap:
            problems.append(f"review_minutes ({minutes}) must be shorter than the {gap} minutes between "
                            f"'{shift.name}' and the next shift")
    return problems
