"""Weekly progress reports on long cases (004: 每周发送进展报告): a complaint open a week gets a progress
task for its owner (首问负责人), every week until it closes; each report is a step of the case file."""
from __future__ import annotations

from datetime import datetime

import pytest

from runtime.errors import InvalidInput
from runtime.read.complaint_page import page as complaint_page
from tests.process.conftest import SH, USERS

REPORT = {"progress": "开发商已进场修补外墙", "next_steps": "下周一淋水试验", "expected_completion": "2025-12-20"}


def progress_tasks(sc, key):
    return [t for t in sc.tasks(key) if t.task_name == "weekly_progress"]


def test_the_owner_reports_progress_every_week_and_each_report_is_in_the_case_file(sc):
    sc.at(2025, 12, 1, 10, 0)
    key = sc.start()
    sc.complete(key, "triage", validity="to_be_improved")
    sc.advance_to(2025, 12, 8, 9, 59)
    assert progress_tasks(sc, key) == []  # not before a week
    sc.advance_to(2025, 12, 8, 10, 0, 1)
    [task] = progress_tasks(sc, key)
    assert task.assignee == "wang" and task.title == "每周进展报告"  # the complaint's owner
    sc.complete(key, "weekly_progress", **REPORT)
    assert progress_tasks(sc, key) == []

    case = complaint_page(sc.rt, USERS["front_desk"], key, "complaint").case_file
    [step] = [e for e in case.steps if e.task_id == task.id]
    assert step.title == "每周进展报告"
    assert [(f.label, f.value) for f in step.fields] == [
        ("本周进展", "开发商已进场修补外墙"), ("下一步计划", "下周一淋水试验"), ("预计完成日期", "2025-12-20")]

    sc.advance_to(2025, 12, 15, 9, 59)
    assert progress_tasks(sc, key) == []
    sc.advance_to(2025, 12, 15, 10, 1)  # two weeks: the next one
    [second] = progress_tasks(sc, key)
    assert second.id != task.id and second.assignee == "wang"


def test_a_report_without_its_plan_or_date_is_refused(sc):
    sc.at(2025, 12, 1, 10, 0)
    key = sc.start()
    sc.advance_to(2025, 12, 8, 10, 1)
    with pytest.raises(InvalidInput) as refused:
        sc.complete(key, "weekly_progress", progress="已催办", expected_completion="下周")
    assert set(refused.value.field_errors) == {"next_steps", "expected_completion"}
    assert len(progress_tasks(sc, key)) == 1


def close(sc, key) -> None:
    sc.complete(key, "callback", satisfaction="satisfied", callback_channel="phone")
    sc.complete(key, "confirm", **sc.review())
    assert sc.status(key) == "completed"


def test_a_complaint_closed_within_a_week_never_gets_a_progress_task(sc):
    sc.at(2025, 12, 1, 10, 0)
    key = sc.handled()
    sc.advance_to(2025, 12, 5, 10, 0)  # day 5
    close(sc, key)
    sc.advance_to(2025, 12, 9, 10, 0)
    sc.advance_to(2025, 12, 16, 10, 0)
    assert progress_tasks(sc, key) == [] and sc.tasks(key) == []
    assert not [e for e in sc.audit(key) if e.task_name == "weekly_progress"]


def test_a_complaint_closed_on_day_9_gets_no_second_report(sc):
    sc.at(2025, 12, 1, 10, 0)
    key = sc.handled()
    sc.advance_to(2025, 12, 8, 10, 1)
    assert len(progress_tasks(sc, key)) == 1
    sc.complete(key, "weekly_progress", **REPORT)
    sc.advance_to(2025, 12, 9, 10, 0)  # day 9
    close(sc, key)
    sc.advance_to(2025, 12, 15, 10, 1)
    sc.advance_to(2025, 12, 22, 10, 1)
    assert progress_tasks(sc, key) == [] and sc.status(key) == "completed"
    reports = [e for e in sc.audit(key) if e.action == "task_completed" and e.task_name == "weekly_progress"]
    assert len(reports) == 1
    assert datetime(2025, 12, 8, 10, 1, tzinfo=SH) <= reports[0].at.astimezone(SH)
