"""The monthly report's policy (``processes/report_policy.toml``), a file the process owner edits:
which deadline rules (``slaRule``) count in which timeliness rate, and how each breach is rated
serious / normal / minor (001: "each breach is rated"), by rules tried top down, first match wins.

A file that does not validate is refused whole with a ConfigurationError naming the file, the line
and the key, so a report is never made on half a policy.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from runtime.errors import ConfigurationError
from runtime.reporting.schedule import Schedule, from_table as schedule_from_table

FILE_NAME = "report_policy.toml"
RATE_KEYS = ("entered_2h", "dispatched_20min", "replied_24h", "handled_in_time", "contacted_3_days", "called_back")
RATINGS = ("serious", "normal", "minor")
SEVERITIES = ("normal", "major", "crisis")
RULE_KEYS = {"id", "rating", "description", "severity", "rules", "late_working_days_over", "late_hours_over"}


@dataclass(frozen=True)
class RatingRule:
    id: str
    rating: str
    description: str
    severity: frozenset[str] | None = None
    rules: frozenset[str] | None = None
    late_working_days_over: float | None = None
    late_hours_over: float | None = None

    def matches(self, severity: str, rule: str, late_working_days: float, late_hours: float) -> bool:
        """Every condition the rule names holds (a rule without conditions matches every breach)."""
        return ((self.severity is None or severity in self.severity)
                and (self.rules is None or rule in self.rules)
                and (self.late_working_days_over is None or late_working_days > self.late_working_days_over)
                and (self.late_hours_over is None or late_hours > self.late_hours_over))


@dataclass(frozen=True)
class ReportPolicy:
    rates: dict[str, tuple[str, ...]]  # rate key -> the deadline rules it counts
    also_rated: tuple[str, ...]  # rules whose breaches are listed and rated but enter no rate
    ratings: tuple[RatingRule, ...]
    schedule: Schedule = Schedule()  # when the worker makes the month's report, and for whom

    @cached_property
    def _rating_by_id(self) -> dict[str, str]:
        return {rule.id: rule.rating for rule in self.ratings}

    def rating_of(self, rule_id: str) -> str:
        """The rating a rating rule's id gives (``-``, no rule matched: minor)."""
        return self._rating_by_id.get(rule_id, "minor")

    @cached_property
    def rated_rules(self) -> frozenset[str]:
        """The deadline rules whose breaches are rated (asked once per breach of a month: kept)."""
        return frozenset(rule for key in RATE_KEYS for rule in self.rates[key]) | frozenset(self.also_rated)

    def rate(self, severity: str, rule: str, late_working_days: float, late_hours: float) -> tuple[str, str]:
        """(rating, id of the rule that matched); a breach no rule matches is minor, by ``-``."""
        for candidate in self.ratings:
            if candidate.matches(severity, rule, late_working_days, late_hours):
                return candidate.rating, candidate.id
        return "minor", "-"


def load(processes_dir: Path) -> ReportPolicy:
    """Read and validate the policy (again only when the file changed: the dashboard asks at every view).
    Raises ConfigurationError naming the line and key that is wrong."""
    path = processes_dir / FILE_NAME
    try:
        stamp = path.stat()
        key = (stamp.st_mtime_ns, stamp.st_size)
        cached = _CACHE.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigurationError(f"{path}: the report policy cannot be read ({err.strerror})") from err
    policy = parse(text, str(path))
    _CACHE[path] = (key, policy)
    return policy


_CACHE: dict[Path, tuple[tuple[int, int], ReportPolicy]] = {}


def parse(text: str, where: str = FILE_NAME) -> ReportPolicy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigurationError(f"{where}: {err}") from err
    lines = _Lines(text, where)
    unknown = sorted(set(data) - {"rates", "rating", "schedule"})  # [schedule]: runtime.reporting.schedule
    if unknown:
        raise lines.error(f"unknown section '{unknown[0]}' (expected [rates], [[rating]] and [schedule])", unknown[0])
    rates, also = _rates(data.get("rates"), lines)
    ratings = data.get("rating")
    if not isinstance(ratings, list) or not ratings:
        raise lines.error("at least one [[rating]] rule is needed", "[[rating]]")
    rules = tuple(_rating(entry, n, lines) for n, entry in enumerate(ratings))
    seen: set[str] = set()
    for n, rule in enumerate(rules):
        if rule.id in seen:
            raise lines.error(f"rating rule id '{rule.id}' is used twice", "id", n)
        seen.add(rule.id)
    return ReportPolicy(rates, also, rules, schedule_from_table(data.get("schedule", {})))


def _rates(section, lines: _Lines) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    if not isinstance(section, dict):
        raise lines.error("the [rates] section is missing", "[rates]")
    unknown = sorted(set(section) - set(RATE_KEYS) - {"also_rated"})
    if unknown:
        raise lines.error(f"[rates]: unknown rate '{unknown[0]}' (known: {', '.join(RATE_KEYS)})", unknown[0])
    out = {}
    for key in (*RATE_KEYS, "also_rated"):
        value = section.get(key, [] if key == "also_rated" else None)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise lines.error(f"[rates] {key} must be a list of deadline rule names", key)
        out[key] = tuple(value)
    also = out.pop("also_rated")
    return out, also


def _rating(entry, n: int, lines: _Lines) -> RatingRule:
    if not isinstance(entry, dict):
        raise lines.error("each [[rating]] must be a table", "[[rating]]", n)
    unknown = sorted(set(entry) - RULE_KEYS)
    if unknown:
        raise lines.error(f"rating rule {n + 1}: unknown key '{unknown[0]}'", unknown[0], n)
    for key in ("id", "description"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise lines.error(f"rating rule {n + 1}: '{key}' must be a non-empty text", key, n)
    if entry.get("rating") not in RATINGS:
        raise lines.error(f"rating rule '{entry['id']}': rating must be one of {', '.join(RATINGS)}, "
                          f"not {entry.get('rating')!r}", "rating", n)
    return RatingRule(entry["id"], entry["rating"], entry["description"],
                      _names(entry, "severity", n, lines, SEVERITIES), _names(entry, "rules", n, lines, None),
                      _number(entry, "late_working_days_over", n, lines), _number(entry, "late_hours_over", n, lines))


def _names(entry: dict, key: str, n: int, lines: _Lines, allowed) -> frozenset[str] | None:
    if key not in entry:
        return None
    value = entry[key]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value) \
            or (allowed and not set(value) <= set(allowed)):
        expected = f"some of {', '.join(allowed)}" if allowed else "deadline rule names"
        raise lines.error(f"rating rule '{entry['id']}': {key} must be a list of {expected}", key, n)
    return frozenset(value)


def _number(entry: dict, key: str, n: int, lines: _Lines) -> float | None:
    if key not in entry:
        return None
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise lines.error(f"rating rule '{entry['id']}': {key} must be a number >= 0, not {value!r}", key, n)
    return float(value)


class _Lines:
    """Finds the line a key is on (tomllib reports lines for syntax errors only)."""

    def __init__(self, text: str, where: str) -> None:
        self.lines, self.where = text.splitlines(), where

    def error(self, message: str, key: str, rule: int | None = None) -> ConfigurationError:
        line = self._find(key, rule)
        return ConfigurationError(f"{self.where}" + (f", line {line}" if line else "") + f": {message}")

    def _find(self, key: str, rule: int | None) -> int | None:
        start = 0
        if rule is not None:
            headers = [i for i, line in enumerate(self.lines) if line.strip() == "[[rating]]"]
            if rule >= len(headers):
                return None
            start = headers[rule]
            if key == "[[rating]]":
                return start + 1
        brackets = "" if rule is not None else r"(\[+\s*)?"  # inside a rule: its keys, not its header
        pattern = re.compile(rf"^\s*{brackets}{re.escape(key.strip('[]'))}\b")
        for i in range(start + (rule is not None), len(self.lines)):
            if rule is not None and self.lines[i].strip() == "[[rating]]":
                break
            if pattern.match(self.lines[i]):
                return i + 1
        return None
