"""Time that holds: complaints worked across the 2026/2027 year boundary, where the official 2027
holiday schedule is not yet known (provisional: weekends and the law's holidays), then entered by
the process owner with a make-up Saturday; deadlines that stay after their reminder fired; the
60-day warning. Every step goes through the services and the worker on a frozen clock."""
from __future__ import annotations

import dataclasses
import os
import shutil
import time
from datetime import datetime

import pytest
from sqlalchemy import select

from runtime import business_calendar, worker
from runtime.read import inbox, queries
from runtime.config import PROJECT_ROOT
from runtime.store.models import SlaClock, Timer
from runtime.read.calendar_status import status
from runtime.services.calendar import recompute_provisional
from tests.process.conftest import SH, USERS

OFFICIAL_2027 = '''
[national.2027]
note = "国务院办公厅关于2027年部分节假日安排的通知（测试用）"
holidays = ["2027-01-01", "2027-01-04", "2027-01-05"]
workdays = ["2027-01-02"]   # a make-up Saturday
'''


@pytest.fixture
def settings(settings, tmp_path, smtp_server):
    """The company calendar file as the process owner edits it (a copy: tests never touch tracked
    files), and a real SMTP server, so notifications get their mail times and are sent."""
    path = tmp_path / "business_calendar.toml"
    shutil.copy(PROJECT_ROOT / "processes" / "business_calendar.toml", path)
    return dataclasses.replace(settings, calendar_file=path, smtp_host="127.0.0.1", smtp_port=smtp_server.port)


def enter_official_2027(sc, schedule: str = OFFICIAL_2027) -> None:
    path = sc.rt.settings.calendar_path
    path.write_text(path.read_text() + schedule)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))  # a new mtime even within the same tick
    assert business_calendar.refresh() is None


def clock_rows(sc, key) -> list[SlaClock]:
    with sc.rt.db.reader() as s:
        return list(s.scalars(select(SlaClock).where(SlaClock.business_key == key).order_by(SlaClock.id)))


def local(moment: datetime) -> datetime:
    return moment.astimezone(SH)


def test_intake_on_new_years_eve_evening_is_stored_notified_and_mailed_on_the_first_working_day(sc):
    sc.register_users()
    sc.at(2026, 12, 31, 18, 30)
    key = sc.start()
    assert sc.names(key) == ["triage"] and sc.status(key) == "running"
    assert sc.due(key, "triage") == datetime(2026, 12, 31, 18, 50, tzinfo=SH)  # 20 minutes, on the clock
    [notice] = [n for n in sc.notices(key, "new_task") if n.recipient == "wang"]
    # 2027-01-01 (Friday) is New Year's Day by the law, then the weekend
    assert local(notice.email_due_at) == datetime(2027, 1, 4, 9, 0, tzinfo=SH)


def test_major_deadline_of_5_working_days_from_dec_28_is_provisional_and_holds_for_the_whole_phase(sc):
    sc.at(2026, 12, 28, 10, 0)
    key = sc.start(injury=True)
    sc.complete(key, "triage", validity="valid", department="engineering")
    due = datetime(2027, 1, 5, 10, 0, tzinfo=SH)  # 12/29, 12/30, 12/31, (1/1 off, weekend) 1/4, 1/5
    first = ["assessment", "inform_gm", "inform_site", "legal_opinion"]
    assert sc.names(key) == first
    assert all(sc.due(key, n) == due and not sc.task(key, n).due_exact for n in first)
    assert {t.due_rule for t in sc.tasks(key)} == {"major_5_working_days"}
    sc.complete(key, "assessment", assessment="管道老化")
    sc.complete(key, "legal_opinion", legal_opinion="应予赔偿")
    assert sc.due(key, "investigate") == due  # the phase's deadline, on its later steps too

    sc.advance_to(2027, 1, 5, 10, 1)
    assert sc.task(key, "major_overdue").role == "general_manager"
    assert sc.task(key, "major_overdue").due_at is None  # the supervision the breach opened is not late by it
    assert sc.due(key, "investigate") == due  # missed, and still shown
    overdue = inbox.page(sc.rt, USERS["engineering"], inbox.InboxFilter(tab="overdue")).rows
    assert "investigate" in [r.task_name for r in overdue]
    [clock] = [c for c in clock_rows(sc, key) if c.rule == "major_5_working_days"]
    assert local(clock.due_at) == due and local(clock.breached_at) == datetime(2027, 1, 5, 10, 1, tzinfo=SH)
    assert clock.exact is False


def test_the_15_day_watcher_from_dec_20_falls_in_2027_and_fires_there(sc):
    sc.at(2026, 12, 20, 10, 0)  # a Sunday
    key = sc.start()
    sc.complete(key, "triage", validity="valid", department="engineering")
    view = queries.complaint(sc.rt, key)
    watchers = {element: due for element, _, due, _ in view.timers}
    assert local(watchers["watch_15"]) == datetime(2027, 1, 4, 10, 0, tzinfo=SH)
    sc.advance_to(2027, 1, 4, 10, 1)
    assert sc.task(key, "report_gm").role == "general_manager"
    assert "open_15_days" in [rule for rule, _ in sc.breaches(key)]


def test_a_provisional_deadline_is_recomputed_from_its_start_once_the_official_2027_schedule_is_entered(sc):
    sc.at(2026, 12, 30, 10, 0)
    key = sc.start()
    sc.complete(key, "triage", validity="valid", department="engineering")
    handle = sc.task(key, "handle")
    assert sc.due(key, "handle") == datetime(2027, 1, 5, 10, 0, tzinfo=SH) and handle.due_exact is False
    assert sc.task(key, "first_reply").due_exact is True  # 24 clock hours need no calendar
    assert status(sc.rt, USERS["admin"]).provisional_timers == 1

    sc.at(2026, 12, 31, 9, 0)
    enter_official_2027(sc)
    assert sc.task(key, "handle").due_exact is False  # entering alone does not make an old due time exact
    result = recompute_provisional(sc.rt, USERS["admin"], "official 2027 schedule entered")
    assert result.done == [key] and result.failed == []
    # counted again from 12/30 10:00: 12/31, Saturday 1/2 (make-up), (1/4, 1/5 off) 1/6
    assert sc.due(key, "handle") == datetime(2027, 1, 6, 10, 0, tzinfo=SH)
    assert sc.task(key, "handle").due_exact is True and sc.task(key, "handle").id == handle.id
    [clock] = [c for c in clock_rows(sc, key) if c.rule == "handle_3_working_days"]
    assert local(clock.due_at) == datetime(2027, 1, 6, 10, 0, tzinfo=SH) and clock.exact is True
    assert local(clock.started_at) == datetime(2026, 12, 30, 10, 0, tzinfo=SH)
    [event] = [e for e in sc.audit(key) if e.action == "timers_recomputed"]
    assert event.details["timers"] == ["handle_late"] and event.details["reason"] == "official 2027 schedule entered"
    with sc.rt.db.reader() as s:
        assert False not in s.scalars(select(Timer.exact)).all()

    sc.advance_to(2027, 1, 5, 10, 1)
    assert "supervise" not in sc.names(key)
    sc.advance_to(2027, 1, 6, 10, 1)
    assert sc.task(key, "supervise").role == "duty_manager"


def test_a_provisional_deadline_the_official_schedule_confirms_becomes_exact_everywhere(sc):
    sc.at(2026, 12, 30, 10, 0)
    key = sc.start()
    sc.complete(key, "triage", validity="valid", department="engineering")
    enter_official_2027(sc, '[national.2027]\nholidays = ["2027-01-01"]\n')  # early January as the rule had it
    recompute_provisional(sc.rt, USERS["admin"], "official 2027 schedule entered")
    assert sc.due(key, "handle") == datetime(2027, 1, 5, 10, 0, tzinfo=SH) and sc.task(key, "handle").due_exact
    [clock] = [c for c in clock_rows(sc, key) if c.rule == "handle_3_working_days"]
    assert clock.exact is True
    assert status(sc.rt, USERS["admin"]).provisional_timers == 0


def test_a_task_whose_reminder_fired_stays_overdue_with_its_original_due_time(sc):
    sc.at(2026, 12, 1, 10, 0)
    key = sc.start()
    sc.complete(key, "triage", validity="valid", department="engineering")
    due = datetime(2026, 12, 2, 10, 0, tzinfo=SH)
    assert sc.due(key, "first_reply") == due
    sc.advance_to(2026, 12, 2, 10, 5)
    assert "reply_reminder" in sc.names(key)
    assert sc.due(key, "first_reply") == due and sc.task(key, "first_reply").due_rule == "reply_24_hours"
    front_desk = USERS["front_desk"]
    page = inbox.page(sc.rt, front_desk, inbox.InboxFilter(tab="overdue"))
    assert page.counts["overdue"] >= 1 and "first_reply" in [r.task_name for r in page.rows]
    row = next(r for r in page.rows if r.task_name == "first_reply")
    assert row.urgency == "breach" and row.due_at == due
    api_view = [t for t in queries.complaint(sc.rt, key).tasks if t.task_name == "first_reply"]
    assert queries.lateness(api_view[0].due_at, datetime(2026, 12, 2, 13, 5, tzinfo=SH)) == {
        "overdue": True, "overdue_hours": 3.1, "overdue_working_days": 0.3}

    sc.complete(key, "first_reply", reply_summary="已答复")
    [clock] = [c for c in clock_rows(sc, key) if c.rule == "reply_24_hours"]
    assert clock.met_at is None and local(clock.breached_at) == datetime(2026, 12, 2, 10, 5, tzinfo=SH)
    [dispatch] = [c for c in clock_rows(sc, key) if c.rule == "dispatch_20_minutes"]
    assert dispatch.breached_at is None and local(dispatch.met_at) == datetime(2026, 12, 1, 10, 0, tzinfo=SH)


def test_a_step_done_after_its_deadline_before_any_sweep_counts_as_missed(sc):
    sc.at(2026, 12, 1, 10, 0)
    key = sc.start()
    sc.complete(key, "triage", validity="valid", department="engineering")
    sc.at(2026, 12, 2, 10, 30)  # half an hour late, and the worker has not run in between
    sc.complete(key, "first_reply", reply_summary="已答复")
    [clock] = [c for c in clock_rows(sc, key) if c.rule == "reply_24_hours"]
    assert clock.met_at is None and local(clock.breached_at) == datetime(2026, 12, 2, 10, 30, tzinfo=SH)


def test_from_60_days_before_the_schedule_runs_out_administrators_are_told_once(sc, smtp_server):
    sc.register_users()
    sc.at(2026, 10, 31, 9, 0)
    worker.run_once(sc.rt)
    assert sc.notices(kind="calendar") == []
    sc.at(2026, 11, 1, 9, 0)
    worker.run_once(sc.rt)
    worker.run_once(sc.rt)
    told = sc.notices(kind="calendar")
    assert [(n.recipient, n.details["year"], n.details["exact_until"]) for n in told] == [
        ("root", 2027, "2026-12-31")]
    assert smtp_server.to("root@example.test") == []  # a Sunday: the e-mail waits for Monday 09:00
    sc.at(2026, 11, 2, 9, 0)
    worker.run_once(sc.rt)
    assert smtp_server.subjects("root@example.test") == [
        "业务日历：请录入 2027 年的放假和调休安排（做法见业务日历页面），在此之前，之后的时限均为暂定"]
    assert status(sc.rt, USERS["admin"]).warn is True
    enter_official_2027(sc)
    assert status(sc.rt, USERS["admin"]).warn is False and status(sc.rt, USERS["admin"]).exact_until.year == 2027
