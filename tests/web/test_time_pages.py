"""What people see of time through the pages and the API: every page answers when deadlines fall
in a year without an official schedule, such deadlines are marked provisional, an overdue task
stays red in the overdue tab with how late it is, and administrators and process owners get the
calendar page, the 60-day warning and the recompute button (others do not)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from runtime import clock, services, worker
from runtime.services.api_tokens import create_token
from tests.conftest import ADMIN, FRONT_DESK
from tests.helpers import INTAKE, instance, task
from tests.helpers import csrf, login

SH = ZoneInfo("Asia/Shanghai")
PEOPLE = {"wang": ["front_desk"], "li": ["department"], "sun": ["site_manager"], "chen": ["cs_manager"],
          "root": ["admin"], "owner": ["process_owner"]}


@pytest.fixture
def client(web):
    return web({name: (roles, "engineering" if name == "li" else None) for name, roles in PEOPLE.items()})


def at(*args) -> None:
    clock.freeze(datetime(*args, tzinfo=SH))


def triaged(rt, key="T-1") -> str:
    services.start_instance(rt, FRONT_DESK, "complaint", INTAKE, business_key=key)
    services.complete_task(rt, FRONT_DESK, task(rt, key, "triage").id, {"validity": "valid",
                                                                        "department": "engineering"})
    return key


def test_intake_on_new_years_eve_evening_through_the_page_is_stored(rt, client):
    at(2026, 12, 31, 18, 30)
    login(client, "wang", "password-123")
    response = client.post("/complaints/new", data={**INTAKE, "csrf_token": csrf(client, "/complaints/new")})
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    assert instance(rt, number).owner == "wang"
    assert client.get(f"/complaints/{number}").status_code == 200


def test_every_page_answers_when_deadlines_fall_in_a_provisional_year_and_says_so(rt, client):
    at(2026, 12, 29, 10, 0)
    key = triaged(rt)
    handle = task(rt, key, "handle")
    assert handle.due_exact is False  # 12/30, 12/31, 1/4 (2027 has no official schedule yet)
    login(client, "li", "password-123")
    inbox_page = client.get("/").get_data(as_text=True)
    assert "部门调查处理" in inbox_page and "（暂定）" in inbox_page
    task_page = client.get(f"/tasks/{handle.id}")
    assert task_page.status_code == 200
    assert "2027-01-04 10:00" in task_page.get_data(as_text=True) and "（暂定）" in task_page.get_data(as_text=True)
    complaint = client.get(f"/complaints/{key}").get_data(as_text=True)
    assert "（暂定）" in complaint and "时限" in complaint
    login(client, "wang", "password-123")
    assert client.get("/?tab=owned").status_code == 200
    login(client, "root", "password-123")
    assert client.get(f"/admin/instances/{key}").status_code == 200


def test_an_overdue_task_stays_red_in_the_overdue_tab_with_how_late_it_is(rt, client):
    at(2026, 12, 1, 10, 0)
    key = triaged(rt)
    at(2026, 12, 2, 13, 30)  # the 24-hour reply was due at 10:00; the reminder fires
    worker.run_once(rt)
    assert task(rt, key, "reply_reminder").role == "cs_manager"
    login(client, "wang", "password-123")
    page = client.get("/?tab=overdue").get_data(as_text=True)
    start = f'<tr id="task-{task(rt, key, "first_reply").id}" class="urgency-breach">'
    assert start in page
    row = page[page.index(start):]
    row = row[:row.index("</tr>")]
    assert "已超时3小时30分钟" in row and "12/02 10:00" in row
    reply = client.get(f"/tasks/{task(rt, key, 'first_reply').id}").get_data(as_text=True)
    assert "已超时3小时30分钟" in reply and 'class="breach"' in reply
    complaint = client.get(f"/complaints/{key}").get_data(as_text=True)
    assert "错过于 12/02 13:30" in complaint and "达成于 12/01 10:00" in complaint  # reply missed, dispatch met


def test_the_api_reports_an_overdue_task_with_its_original_due_time(rt, client):
    at(2026, 12, 1, 10, 0)
    key = triaged(rt)
    at(2026, 12, 3, 10, 0)
    worker.run_once(rt)
    token = create_token(rt, ADMIN, "wang", "tests")
    headers = {"Authorization": f"Bearer {token}"}
    tasks = client.get("/api/v1/tasks?scope=all", headers=headers).get_json()["tasks"]
    [reply] = [t for t in tasks if t["name"] == "first_reply"]
    assert reply["due_at"] == "2026-12-02T02:00:00+00:00" and reply["due_rule"] == "reply_24_hours"
    assert (reply["overdue"], reply["overdue_hours"], reply["overdue_working_days"]) == (True, 24.0, 1.0)
    assert reply["due_provisional"] is False
    view = client.get(f"/api/v1/complaints/{key}", headers=headers).get_json()
    limits = {c["rule"]: c for c in view["time_limits"]}
    assert limits["reply_24_hours"]["state"] == "breached"
    assert limits["dispatch_20_minutes"]["state"] == "met"
    handling = limits["handle_3_working_days"]
    assert handling["state"] == "running" and handling["provisional"] is False


def test_the_calendar_page_warns_explains_and_recomputes_for_owners_only(rt, client):
    at(2026, 12, 2, 10, 0)
    login(client, "wang", "password-123")
    assert client.get("/admin/calendar/").status_code == 403
    assert client.post("/admin/calendar/recompute", data={"reason": "x", "csrf_token": csrf(client,
                                                                                            "/")}).status_code == 403
    login(client, "owner", "password-123")
    page = client.get("/admin/calendar/").get_data(as_text=True)
    assert "2026-12-31" in page and "[national.2027]" in page and "暂定" in page and "随系统提供" in page
    assert "chinesecalendar" not in page and "provisional:" not in page  # sources in words, not package names
    assert client.post("/admin/calendar/recompute", data={"reason": "已录入"}).status_code == 400  # no CSRF token
    done = client.post("/admin/calendar/recompute", data={"reason": "", "csrf_token": csrf(client, "/admin/calendar/")},
                       follow_redirects=True).get_data(as_text=True)
    assert "请填写原因" in done
    done = client.post("/admin/calendar/recompute", data={"reason": "已录入2027年安排",
                                                          "csrf_token": csrf(client, "/admin/calendar/")},
                       follow_redirects=True)
    assert done.status_code == 200 and "已为 0 宗投诉重新计算时限" in done.get_data(as_text=True)
    login(client, "root", "password-123")
    banner = client.get("/admin/").get_data(as_text=True)
    assert "2027 年的放假日和调休上班日" in banner and "/admin/calendar/" in banner  # the dashboard's banner
    at(2026, 10, 1, 10, 0)
    assert "2027 年的放假日和调休上班日" not in client.get("/admin/").get_data(as_text=True)


def test_the_worker_tells_administrators_and_the_notification_says_how(rt, client):
    at(2026, 12, 2, 10, 0)
    worker.run_once(rt)
    login(client, "owner", "password-123")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "业务日历" in page and "2027" in page and "2026-12-31" in page
    login(client, "wang", "password-123")
    assert "2026-12-31" not in client.get("/notifications/").get_data(as_text=True)
