"""The run-time budget of one evaluation of diagram code: ``MAX_STEPS`` steps (``_step_``, the
``_getiter_`` guard and the counted builtins of ``bounded_builtins`` count them) and ``MAX_SECONDS`` of
the evaluating thread's own processor time, less the interpreter's garbage collection. Processor time,
not wall time: a busy machine, a paused virtual machine or a collection of the whole heap is not the
script's doing and must not stop ordinary code (it once did, on a loaded CI machine). ``MAX_WALL_SECONDS``
of wall time stands behind it, so a script starved of the processor by other threads still ends.
"""
from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from runtime.code_bounds import CodeLimitExceeded

MAX_STEPS = 1_000_000
MAX_SECONDS = 1.0
MAX_WALL_SECONDS = 10.0


class _Budget(threading.local):
    steps = 0
    deadline = 0.0  # thread processor time
    wall_deadline = 0.0
    depth = 0
    collecting = 0.0  # when the current garbage collection began (thread processor time), or 0
    collected = 0.0  # processor time this evaluation's thread spent collecting garbage


_budget = _Budget()


def _count_collection(phase: str, _info: dict) -> None:
    """``gc.callbacks``: a collection during an evaluation is charged to the process, not the script."""
    if _budget.depth == 0:
        return
    if phase == "start":
        _budget.collecting = time.thread_time()
    elif _budget.collecting:
        _budget.collected += time.thread_time() - _budget.collecting
        _budget.collecting = 0.0


gc.callbacks.append(_count_collection)


@contextmanager
def budget() -> Iterator[None]:
    """One evaluation's budget of steps and time (nested evaluations share the outer one)."""
    if _budget.depth == 0:
        _budget.steps, _budget.collected, _budget.collecting = 0, 0.0, 0.0
        _budget.deadline = time.thread_time() + MAX_SECONDS
        _budget.wall_deadline = time.monotonic() + MAX_WALL_SECONDS
    _budget.depth += 1
    try:
        yield
    finally:
        _budget.depth -= 1


def step() -> None:
    """``_step_``: one loop step or iteration; over budget, the code is stopped."""
    _budget.steps += 1
    if _budget.steps > MAX_STEPS:
        raise CodeLimitExceeded(f"diagram code took more than {MAX_STEPS:,} steps")
    if _budget.steps % 16 == 0:
        if time.thread_time() - _budget.collected > _budget.deadline:
            raise CodeLimitExceeded(f"diagram code ran longer than {MAX_SECONDS:g} s")
        if time.monotonic() > _budget.wall_deadline:
            raise CodeLimitExceeded(f"diagram code ran longer than {MAX_WALL_SECONDS:g} s")


def counted_iter(iterable):
    """``_getiter_``: iteration in ``for`` loops and comprehensions, one step per item."""
    for item in iter(iterable):
        step()
        yield item


def bounded_range(*args):
    """``range`` with at most ``MAX_STEPS`` items (``list(range(10**12))`` would exhaust memory; a
    ``for`` loop could not go further anyway)."""
    numbers = range(*args)
    if len(numbers) > MAX_STEPS:
        raise CodeLimitExceeded(f"range of {len(numbers):,} numbers is too large for diagram code")
    return numbers
