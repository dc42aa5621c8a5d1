"""Intake with the duplicate warning, and the complaint page: masking with an audited reveal,
comments, escalation reports, and refusals for roles that may not."""
from __future__ import annotations

import re

import pytest

from runtime import services
from runtime.services.users import get_actor
from tests.helpers import INTAKE, audit, instance, task
from tests.helpers import csrf, login



@pytest.fixture
def client(web):
    return web({"wang": ["front_desk"], "zheng": ["legal"], "li": (["department"], "engineering")})


def accept(client, **extra):
    return client.post("/complaints/new", data={**INTAKE, **extra, "csrf_token": csrf(client, "/complaints/new")})


def number_of(response) -> str:
    return re.search(r"/complaints/(CF-[\w-]+)", response.headers["Location"]).group(1)


def test_the_front_desk_accepts_a_complaint_and_sees_its_number_and_page(rt, client):
    login(client, "wang", "password-123")
    form = client.get("/complaints/new").get_data(as_text=True)
    assert "投诉渠道" in form and "电话" in form and "微信自助" in form  # the channel list
    response = accept(client)
    number = number_of(response)
    page = client.get(f"/complaints/{number}").get_data(as_text=True)
    assert f"投诉 {number} 已受理" in page and "13812341234" in page  # the front desk needs the phone
    assert instance(rt, number).owner == "wang" and "确认有效性并派单" in page


def test_a_second_complaint_from_the_same_phone_needs_confirming(rt, client):
    login(client, "wang", "password-123")
    first = number_of(accept(client))
    warned = accept(client, description="又在施工")
    body = warned.get_data(as_text=True)
    assert warned.status_code == 400 and first in body and "这是一宗新投诉" in body and "又在施工" in body
    second = number_of(accept(client, description="又在施工", confirm_duplicate="yes"))
    assert second != first
    page = client.get(f"/complaints/{second}").get_data(as_text=True)
    assert "同一来电人、同一类别" in page and f"/complaints/{first}" in page  # linked as a repeat


def test_bad_intake_keeps_what_was_typed_and_names_the_fields(client):
    login(client, "wang", "password-123")
    response = client.post("/complaints/new", data={"description": "只写了描述", "csrf_token": csrf(client,
                                                                                                    "/complaints/new")})
    body = response.get_data(as_text=True)
    # what is missing is named: the channel and the category (contact data may be left out)
    assert response.status_code == 400 and "只写了描述" in body and body.count("：此项为必填。") == 2


def test_contact_data_is_masked_for_the_department_and_each_reveal_is_audited(rt, client):
    login(client, "wang", "password-123")
    number = number_of(accept(client))
    services.complete_task(rt, get_actor(rt, "wang"), task(rt, number, "triage").id,
                           {"validity": "valid", "department": "engineering"})
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    login(client, "zheng", "password-123")  # legal has nothing to do with this complaint
    assert client.get(f"/complaints/{number}").status_code == 403
    assert client.post(f"/complaints/{number}/reveal", data={"csrf_token": csrf(client, "/")}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    login(client, "li", "password-123")  # the department it was dispatched to: masked
    page = client.get(f"/complaints/{number}").get_data(as_text=True)
    assert "138****1234" in page and "13812341234" not in page and "3栋****" in page
    revealed = client.post(f"/complaints/{number}/reveal", data={"csrf_token": csrf(client, f"/complaints/{number}")})
    assert "13812341234" in revealed.get_data(as_text=True)
    [event] = [e for e in audit(rt, number) if e.action == "contact_revealed"]
    assert event.actor == "li" and event.details["fields"] == ["customer_phone", "customer_unit"]
    assert "13812341234" not in client.get(f"/complaints/{number}").get_data(as_text=True)  # one reveal, one view


def test_comments_and_the_media_exposure_report(rt, client):
    login(client, "wang", "password-123")
    number = number_of(accept(client))
    token = csrf(client, f"/complaints/{number}")
    client.post(f"/complaints/{number}/comments", data={"csrf_token": token, "text": "客户下午再来电"})
    assert "客户下午再来电" in client.get(f"/complaints/{number}").get_data(as_text=True)
    from runtime import services
    from runtime.services.users import get_actor
    from tests.helpers import task
    services.complete_task(rt, get_actor(rt, "wang"), task(rt, number, "triage").id,
                           {"validity": "valid", "department": "engineering"})
    client.post(f"/complaints/{number}/report/media_exposure", data={"csrf_token": token})
    assert instance(rt, number).severity == "crisis"
    assert client.post(f"/complaints/{number}/report/rumours", data={"csrf_token": token}).status_code == 404


def test_roles_that_may_not_are_refused(client):
    login(client, "zheng", "password-123")
    response = accept(client)
    assert response.status_code == 403 and "您无权受理投诉" in response.get_data(as_text=True)
    assert client.get("/complaints/new").status_code == 403
    assert client.get("/complaints/CF-NOPE").status_code == 404


def test_the_quality_department_sees_contact_data_to_call_customers_back(rt, web):
    client = web({"wang": ["front_desk"], "qa": ["quality"]})
    login(client, "wang", "password-123")
    number = number_of(accept(client))
    client.post("/logout", data={"csrf_token": csrf(client, "/")})
    login(client, "qa", "password-123")
    page = client.get(f"/complaints/{number}").get_data(as_text=True)
    assert "13812341234" in page and "138****1234" not in page
