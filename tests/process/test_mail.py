"""E-mail from the outbox, through a real SMTP server: once per event and person, after commit;
non-urgent mail waits for working hours, major and crisis never wait; a server that is down is
retried with backoff and finally reported as failed."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from runtime import clock
from runtime.worker import mailer
from runtime.bootstrap import bootstrap
from tests.conftest import free_port
from tests.process.conftest import Scenario


def mail_scenario(settings, port):
    rt = bootstrap(replace(settings, smtp_host="127.0.0.1", smtp_port=port, retry_backoff_seconds=60,
                           base_url="https://cf.example.test"))
    sc = Scenario(rt)
    sc.register_users()
    return sc


@pytest.fixture
def sc(settings, smtp_server):
    scenario = mail_scenario(settings, smtp_server.port)
    yield scenario
    scenario.rt.close()


def test_each_notice_is_mailed_once_in_the_recipients_language(sc, smtp_server):
    sc.at(2025, 10, 13, 10, 0)  # Monday, working hours
    key = sc.start()
    assert smtp_server.messages == []  # nothing is sent inside the user's transaction
    sc.advance(seconds=1)
    [mail] = smtp_server.to("wang@example.test")
    assert mail["Subject"] == f"[{key}] 新任务：确认有效性并派单"
    assert f"https://cf.example.test/complaints/{key}" in mail.get_content()
    sc.advance(seconds=1)
    assert len(smtp_server.messages) == 1
    [row] = sc.notices(key)
    assert row.email_status == "sent" and row.email_attempts == 1


def test_non_urgent_mail_waits_for_the_next_working_hour(sc, smtp_server):
    sc.at(2025, 10, 11, 22, 0)  # Saturday 11 Oct 2025 is a make-up working day (调休); 22:00 is after hours
    key = sc.start()
    sc.advance(minutes=30)
    assert smtp_server.to("wang@example.test") == []
    assert sc.notices(key)[0].email_due_at == sc.at(2025, 10, 13, 9, 0)  # Sunday off: Monday 09:00
    sc.advance_to(2025, 10, 13, 9, 0, 1)
    assert len(smtp_server.to("wang@example.test")) >= 1


def test_crisis_mail_goes_out_at_night(sc, smtp_server):
    sc.at(2025, 10, 11, 22, 0)
    key = sc.start(casualties=True)
    sc.complete(key, "triage", validity="valid", department="engineering")
    sc.advance(seconds=1)
    subjects = smtp_server.subjects()
    assert f"[{key}] 新任务：确认有效性并派单" in subjects
    assert f"[{key}] 新任务：知悉危机事件（公司领导）" in smtp_server.subjects("zhou_gm@example.test")  # not on Monday


def test_a_server_that_is_down_is_retried_with_backoff_then_reported(settings):
    sc = mail_scenario(settings, free_port())  # nothing listens there
    try:
        sc.at(2025, 10, 13, 10, 0)
        key = sc.start()
        sc.advance(seconds=1)
        [row] = sc.notices(key)
        assert (row.email_status, row.email_attempts) == ("pending", 1) and "Connection refused" in row.email_error
        assert row.email_due_at == clock.now() + timedelta(seconds=60)
        sc.advance(seconds=61)
        assert sc.notices(key)[0].email_attempts == 2
        sc.advance(seconds=121)
        [row] = sc.notices(key)
        assert (row.email_status, row.email_attempts, row.email_due_at) == ("failed", 3, None)
        sc.advance(hours=2)
        assert sc.notices(key)[0].email_attempts == 3
    finally:
        sc.rt.close()


def test_a_worker_killed_while_sending_leaves_the_mail_to_another_once_its_lease_runs_out(sc, smtp_server):
    sc.at(2025, 10, 13, 10, 0)
    key = sc.start()
    leased = mailer._lease(sc.rt, clock.now(), 50)  # the first worker took the batch and died
    assert len(leased) == 1
    sc.advance(seconds=1)
    assert smtp_server.messages == []  # leased: the other workers leave it alone
    sc.advance(minutes=5, seconds=1)
    assert len(smtp_server.to("wang@example.test")) == 1
    assert sc.notices(key)[0].email_status == "sent"


@pytest.mark.parametrize(("locale", "subject", "when"), [
    ("zh_Hans", "新任务：确认有效性并派单", "时间：2025-10-13 10:00（北京时间）"),
    ("en", "New task: 确认有效性并派单", "When: 2025-10-13 10:00 (China Standard Time)")])
def test_a_mail_is_in_the_recipients_language_with_the_local_time(sc, smtp_server, locale, subject, when):
    from runtime.store.models import User
    with sc.rt.db.transaction() as session:
        session.query(User).filter(User.username == "wang").update({"locale": locale})
    sc.at(2025, 10, 13, 10, 0)  # 02:00 UTC
    key = sc.start()
    sc.advance(seconds=1)
    [mail] = smtp_server.to("wang@example.test")
    assert mail["Subject"] == f"[{key}] {subject}"
    assert when in mail.get_content() and "02:00" not in mail.get_content()
