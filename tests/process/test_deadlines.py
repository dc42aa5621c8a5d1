"""Reminders and escalations fire at the right working-day time across the 2025 National Day holiday,
each creating a task for the role domain.md names and a breached sla_clock row for the monthly rates."""
from __future__ import annotations

from datetime import datetime

from tests.process.conftest import SH


def test_every_deadline_of_a_normal_complaint_across_national_day(sc):
    sc.at(2025, 9, 30, 10, 0)
    key = sc.start()
    sc.advance_to(2025, 9, 30, 10, 20, 1)  # 20 minutes without dispatch
    assert "dispatch_reminder" in sc.names(key) and sc.task(key, "dispatch_reminder").role == "duty_manager"
    assert sc.breaches(key) == [("dispatch_20_minutes", datetime(2025, 9, 30, 10, 20, 1, tzinfo=SH))]
    sc.complete(key, "triage", validity="valid", department="engineering")
    # handled within 3 working days: Oct 1-8 are off, Oct 11 (a Saturday) is a makeup workday
    assert sc.due(key, "handle") == datetime(2025, 10, 11, 10, 20, 1, tzinfo=SH)
    assert sc.due(key, "first_reply") == datetime(2025, 10, 1, 10, 0, tzinfo=SH)  # 24 h from acceptance

    sc.advance_to(2025, 10, 1, 10, 21)
    assert sc.task(key, "reply_reminder").role == "cs_manager"
    sc.advance_to(2025, 10, 3, 10, 21)  # every 3 days while open: contact the customer
    assert sc.task(key, "contact_customer").assignee == "wang"
    sc.advance_to(2025, 10, 10, 10, 1)  # open > 10 days (from acceptance at 10:00)
    assert sc.task(key, "alert_site_manager").role == "site_manager"
    sc.advance_to(2025, 10, 11, 10, 21)
    assert sc.task(key, "supervise").role == "duty_manager"
    sc.advance_to(2025, 10, 15, 10, 1)  # open > 15 days
    assert sc.task(key, "report_gm").role == "general_manager"
    assert [rule for rule, _ in sc.breaches(key)] == [
        "dispatch_20_minutes", "reply_24_hours", "contact_every_3_days", "open_10_days", "handle_3_working_days",
        "open_15_days"]

    # closing ends every reminder branch: nothing is left waiting for anyone
    sc.complete(key, "first_reply", reply_summary="已答复")
    sc.complete(key, "handle", handling_result="已处理")
    sc.complete(key, "callback", satisfaction="satisfied", callback_channel="phone")
    sc.complete(key, "confirm", **sc.review())
    assert sc.status(key) == "completed" and sc.tasks(key) == []


def test_an_urgent_complaint_must_be_dispatched_within_5_minutes(sc):
    sc.at(2025, 9, 16, 10, 0)
    key = sc.start(category="lift", description="2号电梯困人")
    assert sc.due(key, "triage") == datetime(2025, 9, 16, 10, 5, tzinfo=SH)


def test_no_answer_to_a_written_reply_for_5_working_days_counts_as_accepted(sc):
    sc.at(2025, 9, 26, 10, 0)  # a Friday
    key = sc.handled()
    sc.complete(key, "callback", satisfaction="written_reply", callback_channel="email")
    assert sc.names(key) == ["await_reply"]
    sc.advance_to(2025, 10, 9, 10, 0)  # 9/28 (makeup Sunday), 9/29, 9/30, 10/9: only 4 working days
    assert "await_reply" in sc.names(key) and "confirm" not in sc.names(key)
    sc.advance_to(2025, 10, 10, 10, 1)
    assert "confirm" in sc.names(key) and "await_reply" not in sc.names(key)
    deemed = [e for e in sc.audit(key) if "deemed_accepted" in e.details.get("automatic", [])]
    assert deemed and deemed[0].actor == "system"


def test_callback_within_24_hours_of_handling_even_over_the_holiday(sc):
    sc.at(2025, 9, 30, 16, 0)
    key = sc.handled()
    assert sc.due(key, "callback") == datetime(2025, 10, 1, 16, 0, tzinfo=SH)  # clock hours, not working time
    sc.advance_to(2025, 10, 1, 16, 1)
    assert sc.task(key, "callback_reminder").role == "cs_manager"
    assert sc.task(key, "callback").assignee == "wang"  # the owner still calls back
    assert ("callback_deadline", datetime(2025, 10, 1, 16, 1, tzinfo=SH)) in sc.breaches(key)
