"""Sign-in, lock-out, CSRF and the task list of the minimal web app, through Flask's test client."""
from __future__ import annotations

import re

import pytest

from runtime import services
from runtime.services.users import create_user
from tests.conftest import FRONT_DESK
from tests.helpers import csrf, login, task
from datetime import UTC

START = {"divisor": 2, "category": "noise", "description": "楼上噪音"}


@pytest.fixture
def client(rt, basic, web):
    create_user(rt, "li", "dept-pass-1", ["department"], "李强", department="engineering")
    return web({"wang": ["front_desk"]}, processes=False, password="desk-pass-1")




def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_sign_in_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "wang", "password": "desk-pass-1"})
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_guessing_is_throttled_per_client_and_account_and_never_locks_the_person_out(client):
    unknown = login(client, "nobody", "wrong-password")
    wrong = login(client, "wang", "wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert "用户名或密码错误" in unknown.get_data(as_text=True) and "用户名或密码错误" in wrong.get_data(as_text=True)
    for _ in range(4):
        assert login(client, "wang", "wrong-password").status_code == 401
    throttled = login(client, "wang", "desk-pass-1")  # the sixth try from here within 15 minutes
    assert throttled.status_code == 429 and "请稍候" in throttled.get_data(as_text=True)
    elsewhere = client.application.test_client()
    response = elsewhere.post("/login", data={"username": "wang", "password": "desk-pass-1",
                                              "csrf_token": csrf(elsewhere)},
                              environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert response.status_code == 302  # the person signs in from their own desk


def test_front_desk_sees_claims_and_completes_with_server_side_validation(rt, client):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    assert login(client, "wang", "desk-pass-1").status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "C-1" in page and "登记投诉" in page
    register = task(rt, "C-1", "register")
    token = csrf(client, "/")
    assert client.post(f"/tasks/{register.id}/claim", data={"csrf_token": token, "version": 1}).status_code == 302
    assert task(rt, "C-1", "register").assignee == "wang"
    bad = client.post(f"/tasks/{register.id}", data={"csrf_token": token, "department": "mars", "note": "保留我"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "请从列出的选项中选择" in body and "保留我" in body  # nothing lost
    good = client.post(f"/tasks/{register.id}", data={"csrf_token": token, "department": "engineering"})
    assert good.status_code == 302
    assert task(rt, "C-1", "handle").department == "engineering"


def test_department_user_sees_only_its_departments_tasks(rt, client):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    services.complete_task(rt, FRONT_DESK, task(rt, "C-1", "register").id, {"department": "security"})
    login(client, "li", "dept-pass-1")
    assert "C-1" not in client.get("/").get_data(as_text=True)
    handle = task(rt, "C-1", "handle")
    response = client.post(f"/tasks/{handle.id}/claim", data={"csrf_token": csrf(client, "/")})
    assert response.status_code == 403 and "department/security" in response.get_data(as_text=True)


def test_unknown_task_is_a_404_page_not_a_stack_trace(client):
    login(client, "wang", "desk-pass-1")
    response = client.get("/tasks/does-not-exist")
    assert response.status_code == 404 and "Traceback" not in response.get_data(as_text=True)


def test_health_endpoint_warns_60_days_before_the_holiday_schedule_runs_out(client):
    from datetime import datetime

    from runtime import clock
    clock.freeze(datetime(2026, 10, 31, 12, 0, tzinfo=UTC))  # 61 days before 2026-12-31
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok",
                                                 "calendar": {"status": "ok", "exact_until": "2026-12-31"}}
    clock.freeze(datetime(2026, 11, 1, 12, 0, tzinfo=UTC))
    response = client.get("/healthz")
    calendar = response.get_json()["calendar"]
    assert response.status_code == 200 and response.get_json()["status"] == "ok"
    assert calendar["status"] == "warning" and "enter 2027 under [national.2027]" in calendar["message"]


def test_due_times_are_shown_in_the_business_time_zone(rt, client):
    from datetime import datetime

    from runtime import clock
    clock.freeze(datetime(2025, 9, 30, 1, 0, tzinfo=UTC))  # 09:00 in Shanghai
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    login(client, "wang", "desk-pass-1")
    assert "09/30 10:00" in client.get("/").get_data(as_text=True)  # due one hour later, local time


def test_claim_and_release_from_htmx_swap_the_row_without_a_page_load(rt, client):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    login(client, "wang", "desk-pass-1")
    register, token = task(rt, "C-1", "register"), csrf(client, "/")
    hx = {"HX-Request": "true"}
    claimed = client.post(f"/tasks/{register.id}/claim", data={"csrf_token": token, "version": 1}, headers=hx)
    fragment = claimed.get_data(as_text=True)
    assert claimed.status_code == 200 and fragment.lstrip().startswith(f'<tr id="task-{register.id}"')
    assert "已认领" in fragment and "退回" in fragment and "<html" not in fragment
    stale = client.post(f"/tasks/{register.id}/release", data={"csrf_token": token, "version": 1}, headers=hx)
    assert "在您打开后已有变化" in stale.get_data(as_text=True)
    assert task(rt, "C-1", "register").assignee == "wang"  # the stale release changed nothing
    released = client.post(f"/tasks/{register.id}/release", data={"csrf_token": token, "version": 2}, headers=hx)
    assert "已退回" in released.get_data(as_text=True) and task(rt, "C-1", "register").assignee is None


def test_completing_a_task_someone_changed_meanwhile_shows_the_conflict_and_the_fresh_task(rt, client):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    register = task(rt, "C-1", "register")
    login(client, "wang", "desk-pass-1")
    token = csrf(client, f"/tasks/{register.id}")  # the form was loaded at version 1...
    services.claim_task(rt, FRONT_DESK, register.id)  # ...and the task changed since (another tab)
    response = client.post(f"/tasks/{register.id}", data={"csrf_token": token, "version": 1,
                                                          "department": "engineering", "note": "保留我"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "在您打开后已有变化" in body
    assert "保留我" in body and 'name="version" value="2"' in body  # what was typed, on the fresh version
    assert task(rt, "C-1", "register").assignee == "wang"


def test_reassign_is_for_managers_and_delegation_comes_back_for_review(rt, client):
    create_user(rt, "chen", "desk-pass-2", ["front_desk"])
    create_user(rt, "liu", "mgr-pass-1", ["cs_manager"])
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    register = task(rt, "C-1", "register")
    login(client, "wang", "desk-pass-1")
    token = csrf(client, "/")
    assert client.post(f"/tasks/{register.id}/reassign", data={"csrf_token": token, "to": "chen"}).status_code == 403
    services.claim_task(rt, FRONT_DESK, register.id)
    page = client.get(f"/tasks/{register.id}").get_data(as_text=True)
    assert "委托给" in page and "改派给" not in page and '<option value="chen">' in page
    client.post(f"/tasks/{register.id}/delegate", data={"csrf_token": token, "to": "chen"})
    assert (task(rt, "C-1", "register").assignee, task(rt, "C-1", "register").delegated_by) == ("chen", "wang")

    other = client.application.test_client()
    login(other, "chen", "desk-pass-2")
    assert "退回审核" in other.get(f"/tasks/{register.id}").get_data(as_text=True)
    other.post(f"/tasks/{register.id}/return", data={"csrf_token": csrf(other, "/"), "note": "已核实"})
    assert task(rt, "C-1", "register").assignee == "wang"

    manager = client.application.test_client()
    login(manager, "liu", "mgr-pass-1")
    assert "改派给" in manager.get(f"/tasks/{register.id}").get_data(as_text=True)
    manager.post(f"/tasks/{register.id}/reassign", data={"csrf_token": csrf(manager, "/"), "to": "chen"})
    assert task(rt, "C-1", "register").assignee == "chen"


def test_saved_views_keep_a_tab_and_its_filters_per_user(rt, client):
    login(client, "wang", "desk-pass-1")
    token = csrf(client, "/")
    saved = client.post("/views", data={"csrf_token": token, "name": "超时噪音",
                                        "query": "tab=overdue&category=noise&evil=<script>&page=3"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/?tab=overdue&category=noise")
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/?tab=overdue&amp;category=noise">超时噪音</a>' in page and "evil" not in page
    again = client.post("/views", data={"csrf_token": token, "name": "超时噪音", "query": "tab=mine"})
    assert again.status_code == 302 and "您已有名为“超时噪音”的视图" in client.get("/").get_data(as_text=True)

    other = client.application.test_client()
    login(other, "li", "dept-pass-1")
    assert "超时噪音" not in other.get("/").get_data(as_text=True)  # views are personal
    from runtime.read.inbox import InboxFilter, screen
    from runtime.services.users import get_actor
    [view] = screen(rt, get_actor(rt, "wang"), InboxFilter()).saved
    assert other.post(f"/views/{view.id}/delete", data={"csrf_token": csrf(other, "/")}).status_code == 404
    client.post(f"/views/{view.id}/delete", data={"csrf_token": token})
    assert screen(rt, get_actor(rt, "wang"), InboxFilter()).saved == []


def test_the_header_counts_unread_notices_and_the_list_marks_them_read(rt, client):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")  # a task for the desk
    login(client, "wang", "desk-pass-1")
    assert re.search(r'通知 <span class="count">1</span>', client.get("/").get_data(as_text=True))
    page = client.get("/notifications/").get_data(as_text=True)
    assert "新任务" in page and "C-1" in page and "登记投诉" in page
    client.post("/notifications/read", data={"csrf_token": csrf(client, "/notifications/")})
    assert 'class="count"' not in client.get("/notifications/").get_data(as_text=True).split("</header>")[0]
