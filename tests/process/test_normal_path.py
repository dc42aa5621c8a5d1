"""A normal complaint from intake to closure, with every time limit on the business calendar."""
from __future__ import annotations

from datetime import datetime

from runtime.store.models import InstanceStatus
from tests.process.conftest import SH


def test_normal_complaint_end_to_end(sc):
    sc.at(2025, 9, 16, 10, 0)  # a Tuesday
    key = sc.start()
    triage = sc.task(key, "triage")
    assert (triage.role, triage.assignee) == ("front_desk", "wang")  # the receiver owns it (首问负责制)
    assert sc.due(key, "triage") == datetime(2025, 9, 16, 10, 20, tzinfo=SH)  # dispatch within 20 minutes
    sc.complete(key, "triage", validity="valid", department="engineering")
    assert sc.names(key) == ["first_reply", "handle"]
    assert sc.task(key, "first_reply").assignee == "wang"
    assert sc.due(key, "first_reply") == datetime(2025, 9, 17, 10, 0, tzinfo=SH)  # reply within 24 hours
    handle = sc.task(key, "handle")
    assert (handle.role, handle.department) == ("department", "engineering")
    assert sc.due(key, "handle") == datetime(2025, 9, 19, 10, 0, tzinfo=SH)  # 3 working days
    sc.complete(key, "first_reply", reply_summary="已致电客户，说明将协调装修方")
    sc.complete(key, "handle", investigation="现场核实", handling_result="已要求装修方停止夜间施工")
    assert sc.names(key) == ["callback"]
    assert sc.task(key, "callback").assignee == "wang"
    sc.complete(key, "callback", satisfaction="satisfied", callback_channel="phone")
    assert sc.names(key) == ["confirm"] and sc.task(key, "confirm").role == "site_manager"
    sc.complete(key, "confirm", **sc.review())
    assert sc.status(key) == InstanceStatus.COMPLETED
    assert sc.breaches(key) == []
    assert sc.tasks(key) == []
