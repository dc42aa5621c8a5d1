"""Who hears about what: new tasks, claims by others, missed deadlines, reminders and escalations
are written to the outbox in the same transaction as the change, once per person and event."""
from __future__ import annotations

from collections import Counter

import pytest

from datetime import timedelta

from runtime import clock, services
from tests.process.conftest import SH, USERS


@pytest.fixture
def people(sc):
    sc.register_users()
    return sc


def replied(sc) -> str:
    """A valid complaint accepted on a Monday morning, dispatched to engineering and answered."""
    sc.at(2025, 10, 13, 10, 0)
    key = sc.start()
    sc.complete(key, "triage", validity="valid", department="engineering")
    sc.complete(key, "first_reply", reply_summary="已答复")
    return key


def recipients(notices) -> list[tuple[str, str, str]]:
    return sorted((n.kind, n.recipient, n.title) for n in notices)


def test_new_tasks_reach_their_candidates_and_the_owner_hears_who_claimed(people):
    sc = people
    sc.at(2025, 10, 13, 10, 0)  # a Monday
    key = sc.start()
    assert recipients(sc.notices(key)) == [("new_task", "wang", "确认有效性并派单")]  # triage is the owner's

    sc.complete(key, "triage", validity="valid", department="engineering")
    new = recipients(sc.notices(key)[1:])
    # handle goes to the engineering department only (li), not to security (zhao); the reply is the owner's
    assert ("new_task", "li", "部门调查处理") in new and ("new_task", "wang", "24小时内答复客户") in new
    assert not [n for n in sc.notices(key) if n.recipient == "zhao"]

    services.claim_task(sc.rt, USERS["engineering"], sc.task(key, "handle").id)
    [claimed] = sc.notices(key, "claimed")
    assert (claimed.recipient, claimed.title, claimed.details["actor"]) == ("wang", "部门调查处理", "li")
    assert claimed.email_status is None  # no SMTP server configured: in the app only


def test_a_missed_dispatch_deadline_is_told_to_the_owner_once_and_the_duty_manager_gets_a_task(people):
    sc = people
    sc.at(2025, 10, 13, 10, 0)
    key = sc.start()
    sc.advance(minutes=21)
    [breach] = sc.notices(key, "breach")
    assert (breach.recipient, breach.title, breach.details["rule"]) == ("wang", "20分钟未派单", "dispatch_20_minutes")
    assert ("new_task", "liu", "派单超时督办") in recipients(sc.notices(key))
    sc.advance(minutes=30)
    assert len(sc.notices(key, "breach")) == 1


def test_contacts_missed_during_downtime_come_as_one_step(people):
    """The worker was down for ten days: the customer is owed one contact, not three piled up; the
    owner hears of the missed contact once, and the next is due 3 days after it was made."""
    sc = people
    key = replied(sc)
    sc.advance(days=10)
    assert sc.names(key).count("contact_customer") == 1
    assert sc.task(key, "contact_customer").assignee == "wang"
    missed = [n for n in sc.notices(key, "breach") if n.details["rule"] == "contact_every_3_days"]
    assert [(n.recipient, n.title) for n in missed] == [("wang", "满3天未联系")]
    sc.advance(minutes=1)  # nothing more is due
    assert len([n for n in sc.notices(key, "breach") if n.details["rule"] == "contact_every_3_days"]) == 1
    sc.complete(key, "contact_customer", contact_note="电话告知进展")
    assert "contact_customer" not in sc.names(key)
    sc.advance(days=2, seconds=1)  # the next contact shows a day before it is due
    assert sc.due(key, "contact_customer") == (clock.now() + timedelta(days=1, seconds=-1)).astimezone(SH)


def test_escalation_to_crisis_is_told_to_the_owner(people):
    sc = people
    key = replied(sc)
    sc.signal(key, "media_exposure")
    [escalation] = sc.notices(key, "escalation")
    assert (escalation.recipient, escalation.title, escalation.urgent) == ("wang", "媒体曝光", True)
    new = Counter(n.recipient for n in sc.notices(key, "new_task"))
    assert new["zhou_gm"] == 1  # the general manager must acknowledge the crisis


def test_an_event_is_never_told_twice_to_the_same_person(people):
    sc = people
    sc.at(2025, 10, 13, 10, 0)
    sc.start()
    before = sc.notices()
    assert len({n.event_key for n in before}) == len(before) == 1
    from runtime.store import notifications
    row = before[0]
    with sc.rt.db.transaction() as session:  # the same event posted again, as a replay would
        notifications.post(session, sc.rt.settings, None, row.kind, row.event_key.split(":")[1], row.title,
                           notifications.named(session, [row.recipient, "liu"]), task_id=row.task_id)
    after = sc.notices()
    assert [n.id for n in after[:1]] == [row.id] and [n.recipient for n in after[1:]] == ["liu"]
