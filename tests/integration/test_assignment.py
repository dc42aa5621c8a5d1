"""Reassign (managers), delegate with return for review, and comments: role-checked, versioned,
audited, and the new holder is notified."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from runtime import services
from runtime.actors import Actor
from runtime.errors import InvalidInput, PermissionDenied, StaleVersion, UserNotFound
from runtime.store.models import Notification
from runtime.services.users import create_user
from tests.conftest import FRONT_DESK
from tests.helpers import audit, task

START = {"divisor": 2, "category": "noise", "description": "楼上噪音"}
CHEN = Actor("chen", frozenset({"front_desk"}))
MANAGER = Actor("liu", frozenset({"cs_manager"}))
LEGAL = Actor("zheng", frozenset({"legal"}))


@pytest.fixture
def register(rt, basic):
    for name, roles in (("wang", ["front_desk"]), ("chen", ["front_desk"]), ("liu", ["cs_manager"]),
                        ("zheng", ["legal"])):
        create_user(rt, name, "password-123", roles)
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    return task(rt, "C-1", "register")


def told(rt, username) -> list[str]:
    with rt.db.reader() as s:
        return [n.details.get("why") for n in s.scalars(select(Notification).where(Notification.recipient == username))]


def test_a_manager_reassigns_to_someone_who_may_do_the_task(rt, register):
    services.claim_task(rt, FRONT_DESK, register.id)
    with pytest.raises(PermissionDenied):
        services.reassign_task(rt, CHEN, register.id, "chen")
    with pytest.raises(InvalidInput, match="zheng may not work on"):
        services.reassign_task(rt, MANAGER, register.id, "zheng")
    with pytest.raises(UserNotFound):
        services.reassign_task(rt, MANAGER, register.id, "nobody")
    with pytest.raises(StaleVersion):
        services.reassign_task(rt, MANAGER, register.id, "chen", expected_version=1)
    services.reassign_task(rt, MANAGER, register.id, "chen")
    assert task(rt, "C-1", "register").assignee == "chen"
    [event] = [e for e in audit(rt, "C-1") if e.action == "reassigned"]
    assert (event.actor, event.details["previous_assignee"], event.details["assignee"]) == ("liu", "wang", "chen")
    assert "assigned" in told(rt, "chen")


def test_a_delegated_task_comes_back_for_review_before_it_is_completed(rt, register):
    services.claim_task(rt, FRONT_DESK, register.id)
    with pytest.raises(PermissionDenied, match="only the holder"):
        services.delegate_task(rt, CHEN, register.id, "chen")
    services.delegate_task(rt, FRONT_DESK, register.id, "chen")
    delegated = task(rt, "C-1", "register")
    assert (delegated.assignee, delegated.delegated_by) == ("chen", "wang") and "delegated" in told(rt, "chen")
    with pytest.raises(PermissionDenied, match="return it"):
        services.complete_task(rt, CHEN, register.id, {"department": "engineering"})
    services.return_task(rt, CHEN, register.id, "已核实客户电话")
    back = task(rt, "C-1", "register")
    assert (back.assignee, back.delegated_by) == ("wang", None) and "returned" in told(rt, "wang")
    [returned] = [e for e in audit(rt, "C-1") if e.action == "returned"]
    assert returned.details == {"to": "wang", "note": "已核实客户电话"}
    services.complete_task(rt, FRONT_DESK, register.id, {"department": "engineering"})
    with pytest.raises(PermissionDenied):
        services.return_task(rt, CHEN, task(rt, "C-1", "handle").id)


def test_a_task_is_delegated_only_to_someone_who_may_do_it(rt, register):
    services.claim_task(rt, FRONT_DESK, register.id)
    with pytest.raises(InvalidInput, match="liu may not work on") as refused:
        services.delegate_task(rt, FRONT_DESK, register.id, "liu")  # a manager: not the front desk's step
    assert refused.value.field_errors == {"to": "not allowed"}
    assert (task(rt, "C-1", "register").assignee, task(rt, "C-1", "register").delegated_by) == ("wang", None)


def test_comments_join_the_timeline(rt, register):
    services.add_comment(rt, CHEN, "C-1", "  客户下午再来电  ")
    [comment] = [e for e in audit(rt, "C-1") if e.action == "comment"]
    assert (comment.actor, comment.details["text"]) == ("chen", "客户下午再来电")
    with pytest.raises(InvalidInput):
        services.add_comment(rt, CHEN, "C-1", "   ")
    with pytest.raises(InvalidInput, match="2000"):
        services.add_comment(rt, CHEN, "C-1", "长" * 2001)
    with pytest.raises(PermissionDenied):
        services.add_comment(rt, Actor("ghost"), "C-1", "hello")
    assert [e.action for e in audit(rt, "C-1")].count("comment") == 1
