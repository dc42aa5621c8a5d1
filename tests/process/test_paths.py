"""Each severity and validity path, escalation mid-flight, reopening, and closing rules."""
from __future__ import annotations

import pytest

from runtime.errors import InvalidInput


def finish_closing(sc, key):
    sc.complete(key, "callback", satisfaction="satisfied", callback_channel="phone")
    sc.complete(key, "confirm", **sc.review())
    assert sc.status(key) == "completed" and sc.tasks(key) == []


def test_major_complaint_parallel_assessment_legal_opinion_and_approval(sc):
    sc.at(2025, 9, 16, 10, 0)
    key = sc.start(category="facilities", description="水管爆裂淹车", economic_loss=80000)
    sc.complete(key, "triage", validity="valid", department="engineering")
    assert sc.names(key) == ["assessment", "inform_gm", "inform_site", "legal_opinion"]
    assert sc.task(key, "legal_opinion").role == "legal" and sc.task(key, "assessment").department == "engineering"
    sc.complete(key, "assessment", assessment="管道老化")
    assert "investigate" not in sc.names(key)  # waits for the legal opinion too
    sc.complete(key, "legal_opinion", legal_opinion="应予赔偿")
    sc.complete(key, "investigate", report="现场调查报告：管道老化导致爆裂", evidence=["现场照片"])
    sc.complete(key, "plan", solution_plan="赔偿维修费")
    sc.complete(key, "approve", approved=False, approval_comment="补充保险理赔")
    sc.complete(key, "plan", solution_plan="保险理赔加补偿")
    sc.complete(key, "approve", approved=True)
    sc.complete(key, "carry_out", carried_out=True)
    assert sc.names(key) == ["callback"]  # the acknowledgements left open did not block the complaint
    finish_closing(sc, key)


def test_major_complaint_overdue_after_5_working_days(sc):
    sc.at(2025, 9, 29, 9, 0)
    key = sc.start(injury=True)
    sc.complete(key, "triage", validity="valid", department="engineering")
    sc.advance_to(2025, 10, 11, 9, 1)  # 9/30, 10/9, 10/10, 10/11: four working days
    assert "major_overdue" not in sc.names(key)
    sc.advance_to(2025, 10, 13, 9, 1)
    assert sc.task(key, "major_overdue").role == "general_manager"
    assert "major_5_working_days" in [r for r, _ in sc.breaches(key)]


def test_crisis_from_intake(sc):
    sc.at(2025, 9, 16, 10, 0)
    key = sc.start(casualties=True)
    sc.complete(key, "triage", validity="valid", department="security")
    assert sc.names(key) == ["form_team", "inform_leadership"]
    sc.complete(key, "form_team", members="总经理、客服、法务、公关", spokesperson="公关经理")
    assert sc.names(key) == ["inform_leadership", "legal_assessment", "media_response", "onsite"]
    sc.advance(hours=2, seconds=1)
    assert sc.task(key, "initial_response_late").role == "general_manager"
    for name, form in (("media_response", {"statement": "致歉声明"}), ("onsite", {"onsite_actions": "封闭现场"}),
                       ("legal_assessment", {"legal_assessment": "风险可控"})):
        sc.complete(key, name, **form)
    sc.complete(key, "review", corrective_actions="更换设备", preventive_actions="月度巡检")
    finish_closing(sc, key)


def test_escalation_normal_to_major_keeps_number_owner_and_history(sc):
    sc.at(2025, 9, 16, 10, 0)
    key = sc.start(by="front_desk_2")
    sc.complete(key, "triage", validity="valid", department="engineering")
    sc.complete(key, "handle", cannot_handle=True, investigation="超出本部门能力")
    assert sc.task(key, "duty_review").role == "duty_manager"
    sc.complete(key, "duty_review", decision="escalate_major")
    assert {"assessment", "legal_opinion", "inform_gm", "inform_site"} <= set(sc.names(key))
    assert "first_reply" not in sc.names(key)  # the normal procedure was left
    assert sc.keys() == [key]
    actions = [(e.actor, e.action, e.task_name) for e in sc.audit(key)]
    assert actions[0] == ("zhou", "started", None)
    assert ("liu", "task_completed", "duty_review") in actions
    sc.complete(key, "assessment", assessment="评估")
    sc.complete(key, "legal_opinion", legal_opinion="意见")
    sc.complete(key, "investigate", report="重大投诉调查报告全文")
    sc.complete(key, "plan", solution_plan="方案")
    sc.complete(key, "approve", approved=True)
    sc.complete(key, "carry_out", carried_out=True)
    assert sc.task(key, "callback").assignee == "zhou"  # the first receiver still owns it


def test_media_exposure_escalates_major_to_crisis(sc):
    sc.at(2025, 9, 16, 10, 0)
    key = sc.start(safety_hazard=True)
    sc.complete(key, "triage", validity="valid", department="engineering")
    assert "legal_opinion" in sc.names(key)
    assert sc.signal(key, "media_exposure") == [key]
    assert sc.names(key) == ["form_team", "inform_leadership"]


def test_casualties_reported_escalate_normal_to_crisis(sc):
    sc.at(2025, 9, 16, 10, 0)
    key = sc.start()
    sc.complete(key, "triage", validity="valid", department="engineering")
    sc.signal(key, "casualties")
    assert sc.names(key) == ["form_team", "inform_leadership"]


def test_invalid_complaint_is_explained_and_closed_with_reason(sc):
    sc.at(2025, 9, 16, 10, 0)
    key = sc.start()
    sc.complete(key, "triage", validity="invalid")
    assert sc.names(key) == ["explain"]
    sc.complete(key, "explain", explanation="属于误解，已向客户解释", explained_by="phone")
    assert sc.status(key) == "completed" and sc.tasks(key) == []
    assert any(e.details.get("data", {}).get("explanation") for e in sc.audit(key))


def test_to_be_improved_is_forwarded_tracked_and_called_back_within_3_working_days(sc):
    sc.at(2025, 9, 29, 10, 0)
    key = sc.start(category="facilities", description="外墙渗水（开发商遗留问题）")
    sc.complete(key, "triage", validity="to_be_improved")
    sc.complete(key, "forward_external", external_party="开发商工程部")
    sc.at(2025, 9, 30, 15, 0)
    sc.complete(key, "track_fix", fix_completed=True, fix_note="已修复")
    from datetime import datetime
    from tests.process.conftest import SH
    assert sc.due(key, "callback") == datetime(2025, 10, 11, 15, 0, tzinfo=SH)  # 10/9, 10/10, 10/11 (makeup Saturday)


def test_coordination_by_the_customer_service_manager_when_departments_share_the_work(sc):
    sc.at(2025, 9, 16, 10, 0)
    key = sc.start()
    sc.complete(key, "triage", validity="valid", department="engineering", coordination_needed=True)
    assert sc.task(key, "coordinate").role == "cs_manager" and "handle" not in sc.names(key)
    sc.complete(key, "coordinate", coordination_plan="工程与保安联合处理")
    assert "handle" in sc.names(key)


def test_unsatisfied_customer_reopens_as_a_new_linked_complaint(sc):
    sc.at(2025, 9, 16, 10, 0)
    key = sc.handled()
    sc.complete(key, "callback", satisfaction="not_satisfied", callback_channel="phone")
    assert sc.status(key) == "completed"
    old, new = sc.keys()
    assert old == key and new != key
    assert sc.task(new, "triage").assignee == "wang"
    assert [e.details for e in sc.audit(key) if e.action == "reopened_as"] == [{"reopened_as": new}]
    assert [e.details for e in sc.audit(new) if e.action == "reopened_from"] == [{"reopened_from": key}]
    started = next(e for e in sc.audit(new) if e.action == "started")
    assert started.details["data"]["reopened_from"] == key
    assert started.details["data"]["description"] == "楼上装修噪音，晚上十点后仍在施工"


def test_closing_is_refused_without_the_site_managers_checks(sc):
    sc.at(2025, 9, 16, 10, 0)
    key = sc.handled()
    assert "confirm" not in sc.names(key)  # no closing before the callback
    sc.complete(key, "callback", satisfaction="satisfied", callback_channel="visit")
    with pytest.raises(InvalidInput) as err:
        sc.complete(key, "confirm", **sc.review(callback_checked=False))
    assert "callback_checked" in err.value.field_errors
    with pytest.raises(InvalidInput):
        sc.complete(key, "confirm", record_checked=True)
    assert sc.status(key) == "running" and sc.names(key) == ["confirm"]


def test_intake_data_is_validated_before_anything_starts(sc):
    with pytest.raises(InvalidInput) as err:
        sc.start(customer_phone="call me", category="ufo")
    assert set(err.value.field_errors) == {"customer_phone", "category"}
    assert sc.keys() == []


@pytest.mark.parametrize("fields, severity", [
    ({}, "normal"),
    ({"casualties": True}, "crisis"), ({"media_involved": True}, "crisis"),
    ({"injury": True}, "major"), ({"safety_hazard": True}, "major"), ({"economic_loss": 50000}, "major"),
    ({"economic_loss": 49999}, "normal"),
    ({"category": "contract_dispute", "economic_loss": 20000}, "major"),
    ({"category": "late_delivery", "economic_loss": 10000}, "major"),
    ({"category": "noise", "economic_loss": 20000}, "normal"),
])
def test_severity_decision_table(sc, fields, severity):
    """(A repeat complaint is found by the server, never sent: tests/web/test_repeat_and_collective.py.)"""
    sc.at(2025, 9, 16, 10, 0)
    key = sc.start(**fields)
    sc.complete(key, "triage", validity="unclear", department="engineering")  # unclear counts as valid
    first = {"normal": "first_reply", "major": "legal_opinion", "crisis": "form_team"}[severity]
    assert first in sc.names(key)
