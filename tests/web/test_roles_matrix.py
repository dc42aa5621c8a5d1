"""Every role against every staff action in the web app: allowed where the procedure says so,
refused with 403 (and nothing changed) everywhere else. Checked on the server, not by hiding buttons."""
from __future__ import annotations

import io
import itertools

import pytest

from runtime import services
from runtime.roles import ROLES
from runtime.services.users import get_actor
from tests.sample_files import pdf
from tests.helpers import INTAKE, audit, task
from tests.helpers import csrf

ROLE_CODES = [r.code for r in ROLES]
_customers = itertools.count(1)
# Who may see the complaint of this world (a normal complaint dispatched to engineering): its roles'
# open tasks (front desk, the department), the managers, quality, admins. Legal, the crisis team and
# process owners have nothing to do with it, so they may neither read it nor act on it.
READERS = {"front_desk", "department", "cs_manager", "duty_manager", "site_manager", "general_manager", "quality",
           "admin"}
ALLOWED = {
    "accept": {"front_desk", "cs_manager", "duty_manager", "site_manager", "quality", "admin"},
    "claim_department_task": {"department"},
    "reassign": {"cs_manager", "duty_manager", "site_manager", "general_manager", "admin"},
    "report_media_exposure": READERS,
    "reveal_contact": READERS,
    "comment": READERS,
    "attach_files": READERS,
    "read_complaint": READERS,
    "read_task": READERS,
}


@pytest.fixture
def world(rt, web):
    people = {f"u_{code}": ([code], "engineering" if code == "department" else None) for code in ROLE_CODES}
    client = web({**people, "wang": ["front_desk"], "li": (["department"], "engineering")})
    return client.application, dispatched(rt)


def dispatched(rt) -> str:
    """A normal complaint accepted by wang and dispatched to engineering, each from a customer of its own
    building (the same caller again would be a repeat, and so major; three of one building a collective case)."""
    wang = get_actor(rt, "wang")
    n = next(_customers)
    intake = {**INTAKE, "customer_phone": f"1380000{n:04d}", "customer_unit": f"{n}栋101", "location": f"{n}栋"}
    number = services.start_instance(rt, wang, "complaint", intake).business_key
    services.complete_task(rt, wang, task(rt, number, "triage").id, {"validity": "valid", "department": "engineering"})
    return number


def signed_in(app, code):
    client = app.test_client()
    client.post("/login", data={"username": f"u_{code}", "password": "password-123", "csrf_token": csrf(client)})
    return client, csrf(client, "/")


def attempt(rt, app, number, code, action):
    client, token = signed_in(app, code)
    if action in ("claim_department_task", "reassign"):
        return _hand(rt, client, token, number, code, action)
    requests = {
        "accept": lambda: client.post("/complaints/new", data={**INTAKE, "category": "parking", "csrf_token": token}),
        # a report makes it a crisis: each role reports on a fresh complaint
        "report_media_exposure": lambda: client.post(f"/complaints/{dispatched(rt)}/report/media_exposure",
                                                     data={"csrf_token": token}),
        "reveal_contact": lambda: client.post(f"/complaints/{number}/reveal", data={"csrf_token": token}),
        "comment": lambda: client.post(f"/complaints/{number}/comments",
                                       data={"csrf_token": token, "text": f"来自{code}"}),
        "attach_files": lambda: client.post(f"/complaints/{number}/attachments", content_type="multipart/form-data",
                                            data={"csrf_token": token, "files": [(io.BytesIO(pdf()), f"{code}.pdf")]}),
        "read_complaint": lambda: client.get(f"/complaints/{number}"),
        "read_task": lambda: client.get(f"/tasks/{task(rt, number, 'handle').id}"),
    }
    return requests[action]()


def _hand(rt, client, token, number, code, action):
    """Claim or reassign the department's task, then put it back for the next role."""
    handle = task(rt, number, "handle")
    if action == "claim_department_task":
        response = client.post(f"/tasks/{handle.id}/claim", data={"csrf_token": token})
        holder = f"u_{code}"
    else:
        response = client.post(f"/tasks/{handle.id}/reassign", data={"csrf_token": token, "to": "li"})
        holder = "li"
    if task(rt, number, "handle").assignee:
        services.release_task(rt, get_actor(rt, holder), handle.id)
    return response


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_every_role_against_the_action(rt, world, action):
    app, number = world
    outcomes = {}
    for code in ROLE_CODES:
        before = len(audit(rt, number))
        response = attempt(rt, app, number, code, action)
        outcomes[code] = response.status_code != 403
        if response.status_code == 403:
            assert len(audit(rt, number)) == before, f"{code} was refused {action} but something was recorded"
            assert "Traceback" not in response.get_data(as_text=True)
    assert {code for code, allowed in outcomes.items() if allowed} == ALLOWED[action]
