"""Time-limit functions for timer expressions, so diagrams say ``hours(24)`` instead of ``"PT24H"``.

They return ISO 8601 durations, which is what SpiffWorkflow's duration timers evaluate.
"""
from __future__ import annotations

from handlers.registry import registry


def _positive(value: float, unit: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{unit}() needs a number of {unit} >= 0, got {value!r}")
    return value


def _seconds_duration(seconds: float) -> str:
    return f"PT{int(round(seconds))}S"


@registry.function
def minutes(n: float) -> str:
    """A duration of ``n`` minutes, e.g. the 20-minute dispatch limit."""
    return _seconds_duration(_positive(n, "minutes") * 60)


@registry.function
def hours(n: float) -> str:
    """A duration of ``n`` hours, e.g. the 24-hour reply limit."""
    return _seconds_duration(_positive(n, "hours") * 3600)


@registry.function
def days(n: float) -> str:
    """A duration of ``n`` calendar days, e.g. the 10-day alert to the site manager."""
    return _seconds_duration(_positive(n, "days") * 86400)
