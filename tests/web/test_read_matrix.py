"""Every role against every read in the web app and the API: who may open which page or call which
operation, and whose lists show the complaint at all. The other half of the write matrix in
test_roles_matrix.py; the rule itself is runtime/read/visibility.py, written out in the README."""
from __future__ import annotations

import pytest

from runtime.roles import ROLES
from runtime.services.api_tokens import create_token
from tests.conftest import ADMIN
from tests.helpers import task, tasks
from tests.web.test_roles_matrix import READERS, dispatched, signed_in

ROLE_CODES = [r.code for r in ROLES]
# A department user of another department: the complaint was dispatched to engineering, not to them.
OTHER = "other_department"
EVERYONE = set(ROLE_CODES) | {OTHER}
ACCEPTORS = {"front_desk", "cs_manager", "duty_manager", "site_manager", "quality", "admin"}
DIAGRAM_ROLES = {"process_owner", "admin"}

# page -> who gets it (200); everyone else 403 and none of the complaint's content.
PAGES = {
    "complaint page": ("/complaints/{number}", READERS),
    "task page": ("/tasks/{task}", READERS),
    "console overview": ("/admin/", {"admin"}),
    "console instance list": ("/admin/instances", {"admin"}),
    "console CSV export": ("/admin/instances.csv", {"admin"}),
    "console instance page": ("/admin/instances/{number}", {"admin"}),
    "stored process file": ("/admin/packages/1/files/complaint.bpmn", DIAGRAM_ROLES),
    "business calendar": ("/admin/calendar/", DIAGRAM_ROLES),
    "process catalogue": ("/processes/", DIAGRAM_ROLES),
    "process version": ("/processes/complaint/v1", DIAGRAM_ROLES),
    "version download": ("/processes/complaint/v1.zip", DIAGRAM_ROLES),
    "modeler": ("/processes/complaint/edit", DIAGRAM_ROLES),
    "migration dry run": ("/processes/complaint/migrate?from=1&to=1", DIAGRAM_ROLES),
    "intake form": ("/complaints/new", ACCEPTORS),
    "inbox": ("/", EVERYONE),
    "notifications": ("/notifications/", EVERYONE),
}
# list -> whose copy names the complaint (everyone may open the list itself).
LISTS = {
    "inbox, all tab": "/?tab=all",
    "inbox, search by number": "/?tab=all&q={number}",
}
API = {
    "GET /complaints/<number>": ("/complaints/{number}", READERS),
}
API_LISTS = {"GET /tasks?scope=all": "/tasks?scope=all", "GET /tasks?scope=available": "/tasks?scope=available"}


@pytest.fixture(scope="module")
def people():
    found = {f"u_{code}": ([code], "engineering" if code == "department" else None) for code in ROLE_CODES}
    return {**found, f"u_{OTHER}": (["department"], "security"), "wang": ["front_desk"]}


@pytest.fixture
def world(rt, web, people):
    app = web(people).application
    number = dispatched(rt)
    return app, {"number": number, "task": task(rt, number, "handle").id, "tasks": [t.id for t in tasks(rt, number)]}


def body(response) -> str:
    return response.get_data().decode("utf-8", "replace")


def names_it(response, ids) -> bool:
    """Whether the list shows one of the complaint's tasks (a search box repeating the number does not count)."""
    text = body(response)
    return any(f"/tasks/{t}" in text for t in ids["tasks"])


@pytest.mark.sqlite_only
@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_role_against_the_page(world, page):
    app, ids = world
    path, allowed = PAGES[page]
    got = {}
    for code in sorted(EVERYONE):
        client, _ = signed_in(app, code)
        response = client.get(path.format(**ids))
        text = body(response)  # read to the end, as a browser does (the CSV is streamed)
        assert response.status_code < 500 and "Traceback" not in text, f"{code} on {page}: {response.status_code}"
        got[code] = response.status_code != 403
        if response.status_code == 403:
            assert "楼上装修噪音" not in text, f"{code} was refused {page} but saw the complaint"
    assert {code for code, ok in got.items() if ok} == allowed


@pytest.mark.parametrize("listing", sorted(LISTS))
def test_lists_show_the_complaint_only_to_its_readers(world, listing):
    app, ids = world
    seen = set()
    for code in sorted(EVERYONE):
        client, _ = signed_in(app, code)
        response = client.get(LISTS[listing].format(**ids))
        assert response.status_code == 200
        if names_it(response, ids):
            seen.add(code)
    assert seen == READERS


def test_notifications_name_the_complaint_only_to_its_readers(world):
    app, ids = world
    notified = set()
    for code in sorted(EVERYONE):
        client, _ = signed_in(app, code)
        if ids["number"] in body(client.get("/notifications/")):
            notified.add(code)
    assert notified, "the dispatch notified nobody"
    assert notified <= READERS


@pytest.fixture
def api_world(rt, web, people):
    client = web(people)
    number = dispatched(rt)
    tokens = {code: create_token(rt, ADMIN, f"u_{code}", "tests") for code in sorted(EVERYONE)}

    def call(code, path):
        return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {tokens[code]}"})
    return call, {"number": number, "task": task(rt, number, "handle").id}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("operation", sorted(API))
def test_every_role_against_the_api_operation(api_world, operation):
    call, ids = api_world
    path, allowed = API[operation]
    got = {}
    for code in sorted(EVERYONE):
        response = call(code, path.format(**ids))
        assert response.status_code in (200, 403), f"{code} on {operation}: {response.status_code}"
        got[code] = response.status_code == 200
        if response.status_code == 403:
            assert response.get_json()["error"]["code"] == "permission_denied"
            assert "楼上装修噪音" not in body(response)
    assert {code for code, ok in got.items() if ok} == allowed


@pytest.mark.parametrize("operation", sorted(API_LISTS))
def test_api_task_lists_show_only_what_the_caller_may_read(api_world, operation):
    call, ids = api_world
    for code in sorted(EVERYONE):
        response = call(code, API_LISTS[operation])
        assert response.status_code == 200
        numbers = {t["complaint"] for t in response.get_json()["tasks"]} if response.get_json()["tasks"] else set()
        if ids["number"] in numbers:
            assert code in READERS, f"{code} sees {ids['number']} in {operation}"
