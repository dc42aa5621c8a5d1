"""The real complaint forms render in the task page with their Chinese labels and keep input on errors."""
from __future__ import annotations

import re

from runtime import services
from runtime.services.users import create_user
from tests.conftest import FRONT_DESK
from tests.helpers import INTAKE, deploy_processes, task
from web import create_app


def test_triage_form_renders_and_validates(rt):
    deploy_processes(rt)
    create_user(rt, "wang", "desk-pass-1", ["front_desk"])
    services.start_instance(rt, FRONT_DESK, "complaint", INTAKE, business_key="W-1")
    client = create_app(runtime=rt).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "wang", "password": "desk-pass-1", "csrf_token": token})
    triage = task(rt, "W-1", "triage")
    assert triage.assignee == "wang"
    body = client.get(f"/tasks/{triage.id}").get_data(as_text=True)
    assert "投诉有效性" in body and "类型不明（按有效处理）" in body and "工程维修" in body
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body).group(1)  # sign-in starts a new session
    bad = client.post(f"/tasks/{triage.id}", data={"csrf_token": token, "validity": "valid", "dispatch_note": "请速派"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "department" in body and "请速派" in body
    good = client.post(f"/tasks/{triage.id}", data={"csrf_token": token, "validity": "valid", "department": "security"})
    assert good.status_code == 302
    assert task(rt, "W-1", "handle").department == "security"
