"""The process owner's settings for repeat and collective complaints (``processes/prevention.toml``).

Why a file and not constants: how long a repeat counts, how many customers make a collective
complaint and how alike two descriptions must be are the owner's judgement, changed without a
release. The file is read again when it changes (by its modification time), so the next intake uses
the new values; a bad value is refused with a ConfigurationError naming the key, never guessed.

A file that turns bad while the system runs does not stop intake (the front desk accepts every
complaint): the last good settings stay in use, the mistake is logged and ``load_error`` names it.
Only when no good settings were ever read is intake refused, with the mistake named.
"""
from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

from runtime.errors import ConfigurationError

FILE_NAME = "prevention.toml"


@dataclass(frozen=True)
class Policy:
    repeat_window_days: int
    collective_window_hours: int
    min_customers: int
    similarity: int  # 0-100 (rapidfuzz's scale)
    max_compared: int  # recent complaints compared per intake: keeps intake fast whatever the volume


# (table, key) -> (lowest, highest) allowed
_BOUNDS = {("repeat", "window_days"): (1, 3650), ("collective", "window_hours"): (1, 24 * 90),
           ("collective", "min_customers"): (2, 1000), ("collective", "similarity"): (1, 100),
           ("collective", "max_compared"): (1, 10_000)}
_cache: dict[Path, tuple[tuple[int, int], Policy]] = {}  # path -> (mtime_ns, size) read, its last good policy
_errors: dict[Path, str] = {}
log = logging.getLogger(__name__)


def _number(tables: dict, table: str, key: str, where: str) -> int:
    low, high = _BOUNDS[(table, key)]
    section = tables.get(table)
    if not isinstance(section, dict) or key not in section:
        raise ConfigurationError(f"{where}: [{table}] {key} is missing")
    value = section[key]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigurationError(f"{where}: [{table}] {key} must be a whole number from {low} to {high}, "
                                 f"not {value!r}")
    return value


def parse(text: str, where: str) -> Policy:
    """The policy in ``text``; raises ConfigurationError naming the file and the bad key."""
    try:
        tables = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigurationError(f"{where}: not valid TOML ({e})") from None
    values = [_number(tables, table, key, where) for table, key in _BOUNDS]
    return Policy(*values)


def load(processes_dir: Path) -> Policy:
    """The policy of ``processes_dir``, read again only when the file changed; the last good one while
    the file is wrong. Raises ConfigurationError when the file never was right."""
    path = processes_dir / FILE_NAME
    try:
        stat = path.stat()
        seen = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        seen = (0, -1)
    cached = _cache.get(path)
    if cached and cached[0] == seen:
        return cached[1]
    try:
        if seen[1] < 0:
            raise ConfigurationError(f"{path}: the repeat and collective complaint settings are missing")
        policy = parse(path.read_text(encoding="utf-8"), str(path))
    except ConfigurationError as e:
        _errors[path] = e.message
        if cached is None:
            raise
        log.error("%s; the settings read before stay in use", e.message)
        _cache[path] = (seen, cached[1])
        return cached[1]
    _errors.pop(path, None)
    _cache[path] = (seen, policy)
    return policy


def load_error(processes_dir: Path) -> str | None:
    """What is wrong with the file now (its last good settings are in use), or None."""
    return _errors.get(processes_dir / FILE_NAME)
