"""CPU seconds of processes (Linux /proc), so a benchmark can say what one operation costs in each process
and whether the machine had cores to spare: the figure that decides if more processes can go faster."""
from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far (0 once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return 0


def server_processes(backend_pid: int) -> list[int]:
    """The PostgreSQL postmaster that runs ``backend_pid`` and all its children (backends, WAL writer...)."""
    postmaster = _parent(backend_pid)
    return [postmaster] + [int(p) for p in os.listdir("/proc") if p.isdigit() and _parent(int(p)) == postmaster]


def machine() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, all cores."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / TICKS, sum(values[:8]) / TICKS


class Meter:
    """CPU used by ``pids`` and by the machine between ``start()`` and ``stop()``."""

    def __init__(self, groups: dict[str, list[int]]):
        self.groups = groups
        self.used: dict[str, float] = {}
        self.machine_busy = 0.0  # cores busy on average, all processes of everyone included

    def _read(self) -> tuple[dict[str, float], tuple[float, float]]:
        return {name: sum(seconds(p) for p in pids) for name, pids in self.groups.items()}, machine()

    def start(self) -> Meter:
        self._start = self._read()
        return self

    def stop(self) -> Meter:
        (end, (busy, total)), (begin, (busy0, total0)) = self._read(), self._start
        self.used = {name: end[name] - begin[name] for name in end}
        cores = os.cpu_count() or 1
        self.machine_busy = (busy - busy0) / max(1e-9, total - total0) * cores
        return self
