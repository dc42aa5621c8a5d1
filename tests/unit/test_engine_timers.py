"""Recurring reminders after downtime: the missed periods of a cycle timer fold into one firing,
its next due time is the first period still ahead, and a bounded cycle never fires more often
than it says."""
from __future__ import annotations

from datetime import datetime, timedelta, UTC

import pytest

import handlers
from runtime import clock, xmlsafe
from runtime.engine import Engine
from tests import bpmn_builder

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


@pytest.fixture
def engine():
    return Engine(handlers.registry.functions, handlers.registry.services)


def waiting_on_cycle(engine, expression: str):
    tree = xmlsafe.parse("cycle.bpmn", bpmn_builder.boundary_timer(expression, kind="timeCycle"))
    package = engine.parse_package({"cycle.bpmn": tree}, {})
    clock.freeze(T0)
    wf = engine.start(package, "p", {})
    engine.run(wf)
    return wf


def reminders(report) -> list[str]:
    return [n.element_id for n in report.notices if n.kind == "reminder"]


def test_hours_of_downtime_give_one_reminder_and_the_schedule_continues(engine):
    wf = waiting_on_cycle(engine, '"R/PT1H"')
    clock.freeze(T0 + timedelta(hours=5, minutes=30))
    report = engine.run(wf)
    assert reminders(report) == ["late"] and report.folded == [("late", 4)]
    [timer] = engine.snapshot(wf).timers
    assert timer.due_at == T0 + timedelta(hours=6)
    assert reminders(engine.run(wf)) == []  # run again at once: nothing more
    clock.freeze(T0 + timedelta(hours=6, seconds=1))
    assert reminders(engine.run(wf)) == ["late"]


def test_a_bounded_cycle_missed_entirely_reminds_once_and_ends(engine):
    wf = waiting_on_cycle(engine, '"R3/PT1H"')
    clock.freeze(T0 + timedelta(hours=10))
    report = engine.run(wf)
    assert reminders(report) == ["late"] and report.folded == [("late", 2)]  # all 3 periods past: one reminder
    clock.freeze(T0 + timedelta(hours=20))
    assert reminders(engine.run(wf)) == [] and engine.snapshot(wf).timers == []


def test_a_bounded_cycle_partly_missed_keeps_its_remaining_periods(engine):
    wf = waiting_on_cycle(engine, '"R3/PT1H"')
    clock.freeze(T0 + timedelta(hours=2, minutes=30))  # periods at 1h and 2h missed, 3h still ahead
    report = engine.run(wf)
    assert reminders(report) == ["late"] and report.folded == [("late", 1)]
    assert [t.due_at for t in engine.snapshot(wf).timers] == [T0 + timedelta(hours=3)]
    clock.freeze(T0 + timedelta(hours=3, seconds=1))
    assert reminders(engine.run(wf)) == ["late"] and engine.snapshot(wf).timers == []


def test_a_reminder_on_time_folds_nothing(engine):
    wf = waiting_on_cycle(engine, '"R/PT1H"')
    clock.freeze(T0 + timedelta(hours=1, seconds=1))
    report = engine.run(wf)
    assert reminders(report) == ["late"] and report.folded == []
