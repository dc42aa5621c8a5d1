"""Small helpers for tests: a complaint's intake record, the bundled processes, and what the
projections and the audit log say now."""
from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from runtime import clock

from runtime.config import PROJECT_ROOT
from runtime.services.deployment import deploy
from runtime.store.packages import read_directory

from runtime.store.models import AuditEvent, HumanTask, Incident, ProcessInstance, Timer, WaitingEvent


# A noise complaint as the front desk records it (every required field, a unit to mask).
INTAKE = {"channel": "phone", "category": "noise", "description": "楼上装修噪音，晚上十点后仍在施工",
          "demand": "停止夜间施工", "customer_name": "张先生", "customer_unit": "3栋1单元502",
          "customer_phone": "13812341234", "location": "3栋"}


def closing_review(owner: str = "sun", **checks) -> dict:
    """The site manager's 确认关闭 on a complaint that reached it: the three checks (``checks``
    overrides them), the root cause and one corrective action owned by ``owner`` (an account the
    test has), due today on the test's clock."""
    today = clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    return {"record_checked": True, "handling_checked": True, "callback_checked": True, **checks,
            "cause_type": "internal", "cause_review": "处理流程未落实",
            "actions": [{"kind": "corrective", "description": "落实整改", "owner": owner, "due_on": today}]}


def deploy_processes(rt):
    """Deploy the bundled complaint processes (processes/) as the tests' process owner."""
    return deploy(rt, read_directory(PROJECT_ROOT / "processes"), "tester", "processes/")


def instance(rt, key) -> ProcessInstance:
    with rt.db.reader() as s:
        return s.scalar(select(ProcessInstance).where(ProcessInstance.business_key == key))


def tasks(rt, key) -> list[HumanTask]:
    with rt.db.reader() as s:
        return list(s.scalars(select(HumanTask).join(ProcessInstance).where(ProcessInstance.business_key == key)
                              .order_by(HumanTask.created_at, HumanTask.task_name)))


def task(rt, key, name) -> HumanTask:
    found = [t for t in tasks(rt, key) if t.task_name == name]
    assert found, f"{key} has no ready task {name}; ready: {[t.task_name for t in tasks(rt, key)]}"
    return found[0]


def timers(rt, key) -> list[Timer]:
    with rt.db.reader() as s:
        return list(s.scalars(select(Timer).join(ProcessInstance).where(ProcessInstance.business_key == key)))


def waiting(rt, key) -> set[tuple[str, str]]:
    with rt.db.reader() as s:
        rows = s.scalars(select(WaitingEvent).join(ProcessInstance).where(ProcessInstance.business_key == key))
        return {(r.kind, r.name) for r in rows}


def audit(rt, key) -> list[AuditEvent]:
    with rt.db.reader() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.business_key == key).order_by(AuditEvent.id)))


def incidents(rt, key, open_only=True) -> list[Incident]:
    with rt.db.reader() as s:
        query = select(Incident).join(ProcessInstance).where(ProcessInstance.business_key == key)
        if open_only:
            query = query.where(Incident.resolved_at.is_(None))
        return list(s.scalars(query))


def count(rt, model) -> int:
    with rt.db.reader() as s:
        return s.scalar(select(func.count()).select_from(model))


# -- the web app, as a signed-in person uses it -----------------------------------------------------
PASSWORD = "password-123"


def csrf(client, path="/login") -> str:
    """The CSRF token of the form on ``path``, as the browser would send it back."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def login(client, username, password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf(client)})


def signed_in(client, who, password=PASSWORD):
    login(client, who, password)
    return client
