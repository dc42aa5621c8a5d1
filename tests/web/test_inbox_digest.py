"""The daily digest, through the notifications page and a real SMTP server on a moved clock: who chose it
gets no e-mail per ordinary notice but one summary a day from the set hour, once; urgent notices still come
at once; the bell groups a busy complaint's notices into one line with a count."""
from __future__ import annotations

from dataclasses import replace

import pytest

from runtime.bootstrap import bootstrap
from runtime.store import notifications
from runtime.store.models import ProcessInstance
from sqlalchemy import select
from tests.helpers import csrf, signed_in
from tests.process.conftest import Scenario
from web import create_app

WANG = "wang@example.test"
ANOTHER = {"customer_phone": "13900001111", "customer_unit": "5栋2单元301"}  # another customer: a repeat is urgent


@pytest.fixture
def sc(settings, smtp_server):
    rt = bootstrap(replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_server.port, digest_hour=8,
                           base_url="https://cf.example.test"))
    scenario = Scenario(rt)
    scenario.register_users()
    yield scenario
    rt.close()


def choose_digest(sc, on: bool = True):
    client = signed_in(create_app(runtime=sc.rt).test_client(), "wang")
    data = {"csrf_token": csrf(client, "/notifications/")} | ({"daily_digest": "on"} if on else {})
    response = client.post("/notifications/digest", data=data)
    assert response.status_code == 302
    return client


def test_who_chose_the_digest_gets_one_summary_a_day_from_the_set_hour(sc, smtp_server):
    sc.at(2025, 10, 13, 9, 30)  # Monday, working hours
    client = choose_digest(sc)
    assert 'name="daily_digest" value="on" checked' in client.get("/notifications/").get_data(as_text=True)
    sc.at(2025, 10, 13, 10, 0)
    sc.start("TS-1")
    sc.start("TS-2", **ANOTHER)
    sc.advance(seconds=1)
    assert smtp_server.to(WANG) == []  # no e-mail per notice
    sc.advance_to(2025, 10, 14, 7, 59)
    assert smtp_server.to(WANG) == []
    sc.advance_to(2025, 10, 14, 8, 0, 1)
    [mail] = smtp_server.to(WANG)
    assert mail["Subject"] == "每日通知摘要（2025-10-14）"
    body = mail.get_content()
    assert "[TS-1] 新任务：确认有效性并派单" in body and "[TS-2] 新任务：确认有效性并派单" in body
    assert "https://cf.example.test/notifications/" in body
    sc.advance(hours=3)
    assert len(smtp_server.to(WANG)) == 1  # once a day, however many sweeps
    page = client.get("/notifications/").get_data(as_text=True)
    assert "每日通知摘要" not in page  # the digest's own row is no notice on the bell


def test_urgent_notices_still_come_at_once(sc, smtp_server):
    sc.at(2025, 10, 11, 22, 0)
    choose_digest(sc)
    key = sc.start("TS-9", casualties=True)
    sc.advance(seconds=1)
    assert f"[{key}] 新任务：确认有效性并派单" in smtp_server.subjects(WANG)


def test_turning_it_off_brings_back_an_e_mail_per_notice(sc, smtp_server):
    sc.at(2025, 10, 13, 10, 0)
    choose_digest(sc)
    client = choose_digest(sc, on=False)
    assert "checked" not in client.get("/notifications/").get_data(as_text=True).split('name="daily_digest"')[1][:40]
    sc.start("TS-1")
    sc.advance(seconds=1)
    assert "[TS-1] 新任务：确认有效性并派单" in smtp_server.subjects(WANG)


def test_a_busy_complaint_is_one_line_with_a_count_and_the_bell_counts_lines(sc):
    sc.at(2025, 10, 13, 10, 0)
    sc.start("TS-1")
    sc.start("TS-2", **ANOTHER)
    with sc.rt.db.transaction() as session:  # thirty more "new task" notices on one complaint, as a busy day brings
        instance = session.scalar(select(ProcessInstance).where(ProcessInstance.business_key == "TS-1"))
        for n in range(30):
            notifications.post(session, sc.rt.settings, instance, "new_task", f"extra-{n}", "确认有效性并派单",
                               notifications.named(session, ["wang"]))
    client = signed_in(create_app(runtime=sc.rt).test_client(), "wang")
    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count('<span class="kind">新任务</span>') == 2
    assert "× 31" in page
    assert '通知 <span class="count">2</span>' in page.split("</header>")[0]


def test_the_setting_needs_the_forms_token(sc):
    client = signed_in(create_app(runtime=sc.rt).test_client(), "wang")
    assert client.post("/notifications/digest", data={"daily_digest": "on"}).status_code == 400
    assert "checked" not in client.get("/notifications/").get_data(as_text=True).split('name="daily_digest"')[1][:40]


def test_turning_it_off_mails_what_waited_for_the_next_digest_at_once(sc, smtp_server):
    sc.at(2025, 10, 13, 9, 30)
    choose_digest(sc)
    sc.at(2025, 10, 13, 10, 0)
    sc.start("TS-1")
    sc.advance(seconds=1)
    assert smtp_server.to(WANG) == []  # waiting for tomorrow's digest
    choose_digest(sc, on=False)
    sc.advance(seconds=1)
    [mail] = smtp_server.to(WANG)  # not lost: the digest of what waited, now
    assert mail["Subject"] == "每日通知摘要（2025-10-13）" and "[TS-1] 新任务：确认有效性并派单" in mail.get_content()
    sc.advance_to(2025, 10, 14, 8, 0, 1)
    assert len(smtp_server.to(WANG)) == 1  # and no digest any more
