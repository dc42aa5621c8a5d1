"""Every role against every read in the web app and the API: who may open which page or call which
operation, and whose lists show the complaint at all. The other half of the write matrix in
test_roles_matrix.py; the rule itself is runtime/read/visibility.py, written out in the README."""
from __future__ import annotations

from datetime import timedelta

import pytest

from runtime import clock, masking, services
from runtime.services import attachments
from runtime.read.visibility import OVERSIGHT_ROLES
from runtime.services.users import get_actor
from runtime.roles import ROLES
from runtime.services.api_tokens import create_token
from tests.conftest import ADMIN
from tests.helpers import INTAKE, closing_review, task, tasks
from tests.sample_files import photo
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
    "console XLSX export": ("/admin/instances.xlsx", {"admin"}),
    "console users page": ("/admin/users/", {"admin"}),
    "console instance page": ("/admin/instances/{number}", {"admin"}),
    "stored process file": ("/admin/packages/1/files/complaint.bpmn", DIAGRAM_ROLES),
    "business calendar": ("/admin/calendar/", DIAGRAM_ROLES),
    "process catalogue": ("/processes/", DIAGRAM_ROLES),
    "process version": ("/processes/complaint/v1", DIAGRAM_ROLES),
    "version download": ("/processes/complaint/v1.zip", DIAGRAM_ROLES),
    "modeler": ("/processes/complaint/edit", DIAGRAM_ROLES),
    "migration dry run": ("/processes/complaint/migrate?from=1&to=1", DIAGRAM_ROLES),
    "intake form": ("/complaints/new", ACCEPTORS),
    "attachment download": ("/complaints/{number}/attachments/{attachment}", READERS),
    "attachment thumbnail": ("/complaints/{number}/attachments/{attachment}/thumbnail", READERS),
    "inbox": ("/", EVERYONE),
    "dashboard chart's list": ("/admin/charts/list?kind=site_open&key=3栋", {"admin"}),
    "event log download": ("/admin/event-log.xes?from=2020-01-01&to=2020-01-02", {"admin", "quality"}),
    "notifications": ("/notifications/", EVERYONE),
}
# list -> whose copy names the complaint (everyone may open the list itself).
LISTS = {
    "inbox, all tab": "/?tab=all",
    "inbox, search by number": "/?tab=all&q={number}",
}
API = {
    "GET /complaints/<number>": ("/complaints/{number}", READERS),
    "GET /complaints/<number>/steps": ("/complaints/{number}/steps", READERS),
    "GET /complaints/<number>/case-file": ("/complaints/{number}/case-file", READERS),
    "GET /complaints/<number>/comments": ("/complaints/{number}/comments", READERS),
    "GET /complaints/<number>/attachments": ("/complaints/{number}/attachments", READERS),
    "GET /complaints/<number>/attachments/<id>": ("/complaints/{number}/attachments/{attachment}", READERS),
    "GET /complaints/<number>/attachments/<id>/thumbnail": ("/complaints/{number}/attachments/{attachment}/thumbnail",
                                                            READERS),
    "GET /tasks/<id>/form": ("/tasks/{task}/form", READERS),
    "GET /event-log": ("/event-log?from=2020-01-01&to=2020-01-02", {"admin", "quality"}),
}
# The archive is the full record, contact data included: readers of the closed complaint (those who
# oversee; the first receiver, who is not one of the role users here) whose role sees contact data
# (not the administrators: they repair instances and see contact data masked).
ARCHIVE_READERS = OVERSIGHT_ROLES & masking.CONTACT_ROLES
SUBJECT = INTAKE["description"]  # what only a reader of the complaint may see


@pytest.fixture(scope="module")
def people():
    found = {f"u_{code}": ([code], "engineering" if code == "department" else None) for code in ROLE_CODES}
    return {**found, f"u_{OTHER}": (["department"], "security"), "wang": ["front_desk"]}


@pytest.fixture
def world(rt, web, people):
    app = web(people).application
    number = dispatched(rt)
    return app, {"number": number, "task": task(rt, number, "handle").id, "tasks": [t.id for t in tasks(rt, number)],
                 "attachment": with_photo(rt, number)}


def with_photo(rt, number) -> int:
    [attachment] = attachments.add(rt, get_actor(rt, "wang"), number, [attachments.Upload("现场.jpg", photo())])
    return attachment


def body(response) -> str:
    return response.get_data().decode("utf-8", "replace")


def names_it(response, ids) -> bool:
    """Whether the list shows one of the complaint's tasks (a search box repeating the number does not count)."""
    text = body(response)
    return any(f"/tasks/{t}" in text for t in ids["tasks"])


def granted(fetch, what: str) -> set[str]:
    """The roles ``fetch(code)`` answers (not 403); a refusal shows none of the complaint's content."""
    allowed = set()
    for code in sorted(EVERYONE):
        response = fetch(code)
        text = body(response)  # read to the end, as a browser does (the CSV is streamed)
        assert response.status_code < 500 and "Traceback" not in text, f"{code} on {what}: {response.status_code}"
        if response.status_code != 403:
            allowed.add(code)
        elif response.is_json:
            assert response.get_json()["error"]["code"] == "permission_denied"
        assert response.status_code != 403 or SUBJECT not in text, f"{code} was refused {what} but saw the complaint"
    return allowed


def seeing(fetch, shows) -> set[str]:
    """The roles whose copy of a list shows the complaint (``shows(response)``)."""
    seen = set()
    for code in sorted(EVERYONE):
        response = fetch(code)
        assert response.status_code == 200
        if shows(response):
            seen.add(code)
    return seen


@pytest.mark.sqlite_only
@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_role_against_the_page(world, page):
    app, ids = world
    path, allowed = PAGES[page]
    assert granted(lambda code: signed_in(app, code)[0].get(path.format(**ids)), page) == allowed


@pytest.mark.parametrize("listing", sorted(LISTS))
def test_lists_show_the_complaint_only_to_its_readers(world, listing):
    app, ids = world
    fetch = lambda code: signed_in(app, code)[0].get(LISTS[listing].format(**ids))  # noqa: E731
    assert seeing(fetch, lambda response: names_it(response, ids)) == READERS


def test_after_the_deadline_the_overdue_tab_shows_it_to_its_readers_only(world):
    """The handling deadline passed a month ago: the complaint is overdue for those who may see it,
    and for nobody else (the overdue tab once showed every overdue task to the wrong people, or none)."""
    app, ids = world
    clock.freeze(clock.now() + timedelta(days=30))
    fetch = lambda code: signed_in(app, code)[0].get("/?tab=overdue")  # noqa: E731
    assert seeing(fetch, lambda response: names_it(response, ids)) == READERS


def test_notifications_name_the_complaint_only_to_its_readers(world):
    app, ids = world
    notified = seeing(lambda code: signed_in(app, code)[0].get("/notifications/"),
                      lambda response: ids["number"] in body(response))
    assert notified, "the dispatch notified nobody"
    assert notified <= READERS


@pytest.fixture
def api_world(rt, web, people):
    client = web(people)
    number = dispatched(rt)
    tokens = {code: create_token(rt, ADMIN, f"u_{code}", "tests") for code in sorted(EVERYONE)}

    def call(code, path):
        return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {tokens[code]}"})
    return call, {"number": number, "task": task(rt, number, "handle").id, "attachment": with_photo(rt, number)}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("operation", sorted(API))
def test_every_role_against_the_api_operation(api_world, operation):
    call, ids = api_world
    path, allowed = API[operation]
    assert granted(lambda code: call(code, path.format(**ids)), operation) == allowed


def lists_it(number):
    return lambda response: number in {t["complaint"] for t in response.get_json()["tasks"]}


def test_the_api_task_list_shows_the_complaint_to_its_readers_only(api_world):
    call, ids = api_world
    assert seeing(lambda code: call(code, "/tasks?scope=all"), lists_it(ids["number"])) == READERS
    # available: only who may take one of its open tasks (the department, the front desk's own step)
    available = seeing(lambda code: call(code, "/tasks?scope=available"), lists_it(ids["number"]))
    assert "department" in available and available <= READERS and OTHER not in available


@pytest.mark.sqlite_only
@pytest.mark.parametrize("kind", ["pdf", "zip"])
def test_every_role_against_the_archive_of_a_closed_complaint(rt, world, kind):
    app, ids = world
    for who, name, data in (("wang", "first_reply", {"reply_summary": "已答复"}),
                            ("u_department", "handle", {"handling_result": "已处理"}),
                            ("wang", "callback", {"satisfaction": "satisfied", "callback_channel": "phone"}),
                            ("u_site_manager", "confirm", closing_review("u_site_manager"))):
        services.complete_task(rt, get_actor(rt, who), task(rt, ids["number"], name).id, data)
    path = f"/complaints/{ids['number']}/archive.{kind}"
    assert granted(lambda code: signed_in(app, code)[0].get(path), f"archive {kind}") == ARCHIVE_READERS
