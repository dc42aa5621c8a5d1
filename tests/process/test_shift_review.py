"""The daily shift review (001 七、跟进: 接班后的前30分钟梳理三天前仍未关闭的投诉), driven by the worker's
sweep on a controlled clock: at each shift's start (processes/shifts.toml) the duty manager gets one
review listing the open complaints older than 3 days with where they stand and their next deadline;
the notes written in it go to each complaint's case file; a review not done in 30 minutes is a
missed deadline."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from runtime import clock
from runtime.errors import ConfigurationError, InvalidInput
from runtime.read import task_page
from runtime.read.complaint_page import page as complaint_page
from runtime.services import shift_review
from runtime.shifts import load, parse
from runtime.store.models import HumanTask, ProcessInstance
from runtime.worker.sweep import Worker
from tests.process.conftest import SH, USERS


def old_and_new_complaints(sc) -> None:
    """At 2026-12-03 08:00 (a Thursday): OLD-1 waits for dispatch since 11/28 (its deadline missed),
    OLD-3 waits for an external fix since 11/30 07:00 (its next limit is the 10-day one), CLOSED was
    closed as a consultation, NEW-1 is two days old."""
    sc.at(2026, 11, 28, 10, 0)
    sc.start("OLD-1", subject="电梯异响")
    sc.at(2026, 11, 29, 9, 0)
    sc.start("CLOSED")
    sc.complete("CLOSED", "triage", validity="consultation")
    sc.complete("CLOSED", "explain", explanation="已向客户解释收费标准")
    sc.at(2026, 11, 30, 7, 0)
    sc.start("OLD-3", subject="外墙渗水")
    sc.complete("OLD-3", "triage", validity="to_be_improved")
    sc.advance_to(2026, 12, 2, 7, 1)  # contacted every 3 days: done on time
    sc.complete("OLD-3", "contact_customer", contact_note="已告知开发商在处理")
    sc.at(2026, 12, 1, 10, 0)
    sc.start("NEW-1")


def reviews(sc) -> list[HumanTask]:
    with sc.rt.db.reader() as s:
        return list(s.scalars(select(HumanTask).join(ProcessInstance)
                              .where(ProcessInstance.business_key.like("SR-%"), HumanTask.task_name == "review")
                              .order_by(HumanTask.created_at)))


def listed(sc, review: HumanTask, by="duty_manager"):
    found = task_page.page(sc.rt, USERS[by], review.id)
    assert found is not None and found.shift_review is not None
    return {c.business_key: c for c in found.shift_review}


def test_at_the_shift_start_the_duty_manager_reviews_exactly_the_old_open_complaints(sc):
    old_and_new_complaints(sc)
    sc.advance_to(2026, 12, 3, 7, 59, 59)
    assert reviews(sc) == []  # not before the shift starts
    sc.advance_to(2026, 12, 3, 8, 0)
    Worker(sc.rt, "second").run_once()  # a second worker starts nothing more
    shift_review._started.clear()  # nor does a restarted one (a new process remembers nothing)
    Worker(sc.rt, "third").run_once()
    [review] = reviews(sc)
    assert review.role == "duty_manager" and review.title == "交班复查"
    assert "SR-20261203-0800" in list(sc.keys())
    assert review.due_at.astimezone(SH) == datetime(2026, 12, 3, 8, 30, tzinfo=SH)

    shown = listed(sc, review)
    assert list(shown) == ["OLD-1", "OLD-3"]  # not the 2-day-old one, not the closed one; oldest first
    old = shown["OLD-1"]
    assert old.subject == "电梯异响" and old.missed  # dispatch was due 11/28 10:20
    assert old.next_due.astimezone(SH) == datetime(2026, 11, 28, 10, 20, tzinfo=SH)
    assert sorted((s.title, s.assignee or "", s.role) for s in old.steps) == sorted([
        ("确认有效性并派单", "wang", "front_desk"), ("派单超时督办", "", "duty_manager"),
        ("跟进联系客户（每3天）", "wang", "front_desk")])
    fixing = shown["OLD-3"]
    assert [s.title for s in fixing.steps] == ["转交开发商/外部单位"] and not fixing.missed
    assert fixing.next_due.astimezone(SH) == datetime(2026, 12, 10, 7, 0, tzinfo=SH)  # the 10-day limit


def test_the_notes_of_a_review_go_to_each_complaints_case_file(sc):
    old_and_new_complaints(sc)
    sc.advance_to(2026, 12, 3, 8, 0)
    [review] = reviews(sc)
    sc.advance_to(2026, 12, 3, 8, 10)
    status = sc.complete("SR-20261203-0800", "review", by="duty_manager",
                         notes={"OLD-1": "派单超时，已电话催前台今天上午派单", "OLD-3": "  "},
                         summary="两件超3天未结")
    assert status == "completed" and reviews(sc) == []
    case = complaint_page(sc.rt, USERS["front_desk"], "OLD-1", "complaint").case_file
    [note] = [e for e in case.entries if e.kind == "shift_review"]
    assert note.text == "派单超时，已电话催前台今天上午派单" and note.actor == "liu"
    assert note.title == "早班 2026-12-03"
    other = complaint_page(sc.rt, USERS["admin"], "OLD-3", "complaint").case_file
    assert [e for e in other.entries if e.kind == "shift_review"] == []  # an empty note is left out
    assert ("shift_review_30_minutes", ) not in [(r,) for r, _ in sc.breaches("SR-20261203-0800")]


def test_a_note_for_a_complaint_that_does_not_exist_is_refused_and_nothing_is_kept(sc):
    old_and_new_complaints(sc)
    sc.advance_to(2026, 12, 3, 8, 0)
    with pytest.raises(InvalidInput, match="NOPE-9"):
        sc.complete("SR-20261203-0800", "review", by="duty_manager", notes={"OLD-1": "已催办", "NOPE-9": "?"})
    assert len(reviews(sc)) == 1
    assert [e for e in sc.audit("OLD-1") if e.action == "shift_review_note"] == []


def test_a_review_not_done_in_30_minutes_is_a_missed_deadline_and_the_evening_shift_gets_its_own(sc):
    old_and_new_complaints(sc)
    sc.advance_to(2026, 12, 3, 8, 0)
    sc.advance_to(2026, 12, 3, 8, 30, 1)
    assert sc.breaches("SR-20261203-0800") == [("shift_review_30_minutes", datetime(2026, 12, 3, 8, 30, 1, tzinfo=SH))]
    assert sc.task("SR-20261203-0800", "review_late_notice").role == "cs_manager"
    assert sc.task("SR-20261203-0800", "review")  # still to be done, late
    sc.advance_to(2026, 12, 3, 15, 59)
    assert len(reviews(sc)) == 1
    sc.advance_to(2026, 12, 3, 16, 0, 5)
    late, evening = reviews(sc)
    assert "SR-20261203-1600" in list(sc.keys())
    assert evening.due_at.astimezone(SH) == datetime(2026, 12, 3, 16, 30, tzinfo=SH)
    assert list(listed(sc, evening)) == ["OLD-1", "OLD-3"]


def test_after_the_review_window_no_review_is_started(sc):
    """A worker that was down for the whole window does not start a review late in the shift."""
    old_and_new_complaints(sc)
    sc.advance_to(2026, 12, 3, 8, 30)
    assert reviews(sc) == []


def test_no_review_when_nothing_is_old_enough(sc):
    sc.at(2026, 12, 1, 10, 0)
    sc.start("NEW-1")
    sc.advance_to(2026, 12, 3, 8, 0)
    assert reviews(sc) == []


@pytest.mark.parametrize("text, named", [
    ("review_minutes = 30\nolder_than_days = 3\n", "at least one [[shift]]"),
    ('review_minutes = 30\nolder_than_days = 3\n[[shift]]\nname = "早班"\nstarts = "8点"\n', "starts must be"),
    ('review_minutes = 0\nolder_than_days = 3\n[[shift]]\nname = "早班"\nstarts = "08:00"\n', "review_minutes"),
    ('review_minutes = 30\nolder_than_days = -1\n[[shift]]\nname = "早班"\nstarts = "08:00"\n', "older_than_days"),
    ('review_minutes = 30\nolder_than_days = 3\n[[shift]]\nname = "早班"\nstarts = "08:00"\n'
     '[[shift]]\nname = "早班"\nstarts = "16:00"\n', "used twice"),
    ('review_minutes = 90\nolder_than_days = 3\n[[shift]]\nname = "早班"\nstarts = "08:00"\n'
     '[[shift]]\nname = "晚班"\nstarts = "09:00"\n', "shorter than the 60 minutes"),
    ('review_minute = 30\nolder_than_days = 3\n[[shift]]\nname = "早班"\nstarts = "08:00"\n', "unknown setting"),
    ("review_minutes = [\n", "not valid TOML"),
])
def test_bad_shift_settings_are_refused_naming_the_mistake(tmp_path, text, named):
    path = tmp_path / "shifts.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"shifts\.toml: .*" + named.replace("[", r"\[")):
        load(path)


def test_the_bundled_settings_are_valid():
    from runtime.config import PROJECT_ROOT
    settings = load(PROJECT_ROOT / "processes" / "shifts.toml")
    assert settings is not None and [s.name for s in settings.shifts] == ["早班", "晚班"]
    assert settings.review_minutes == 30 and settings.older_than_days == 3
    assert parse({"review_minutes": 30, "older_than_days": 3, "shift": [{"name": "夜班", "starts": "23:50"}]},
                 "x").reviewing(datetime(2026, 12, 4, 0, 10, tzinfo=SH), SH)[1] == datetime(2026, 12, 3, 23, 50,
                                                                                             tzinfo=SH)


def test_bad_settings_never_stop_the_sweep(settings, tmp_path, sc):
    """A broken shifts.toml is logged; timers still fire."""
    sc.at(2026, 11, 28, 10, 0)
    sc.start("OLD-1")
    broken = tmp_path / "processes"
    broken.mkdir()
    (broken / "shifts.toml").write_text("review_minutes = 'x'\n", encoding="utf-8")
    object.__setattr__(sc.rt, "settings", type(settings)(**{**settings.__dict__, "processes_dir": broken}))
    clock.freeze(datetime(2026, 11, 28, 10, 21, tzinfo=SH))
    assert Worker(sc.rt).run_once() == 1  # the dispatch reminder fired
    assert "dispatch_reminder" in sc.names("OLD-1")
