"""The JSON API contract: token authentication, the same role checks as the web app, masking by
role, and JSON errors with stable codes (400, 401, 403, 404, 409) instead of pages or 500s."""
from __future__ import annotations

import re

import json

import pytest

from runtime.services.api_tokens import create_token, revoke_token
from runtime.config import PROJECT_ROOT
from tests.conftest import ADMIN
from tests.helpers import INTAKE
from web import create_app

PEOPLE = {"wang": (["front_desk"], None), "li": (["department"], "engineering"),
          "li2": (["department"], "engineering"), "zhao": (["department"], "security"),
          "zheng": (["legal"], None), "owner": (["process_owner"], None)}


@pytest.fixture
def api(rt, web):
    client = web(PEOPLE)
    tokens = {name: create_token(rt, ADMIN, name, "tests") for name in PEOPLE}

    def call(method, path, who="wang", headers=None, **kwargs):
        headers = headers or ({"Authorization": f"Bearer {tokens[who]}"} if who else {})
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)

    call.tokens = tokens
    return call


def accepted(api) -> str:
    response = api("POST", "/complaints", json=INTAKE)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["number"]


def task_id(api, number, name, who="wang") -> str:
    return next(t["id"] for t in api("GET", f"/complaints/{number}", who).get_json()["tasks"] if t["name"] == name)


def error(response) -> tuple[int, str]:
    assert response.is_json, response.get_data(as_text=True)[:200]
    return response.status_code, response.get_json()["error"]["code"]


def test_the_openapi_document_describes_every_route(rt, api):
    app = create_app(runtime=rt)
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    routes = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule.removeprefix("/api/v1")), m.lower())
              for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1") for m in r.methods - {"HEAD",
                                                                                                      "OPTIONS"}}
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert routes == documented


def test_the_contract_states_the_deployed_forms_constraints(rt, api):
    """A client reading the document knows what the server will refuse: the intake form's required
    fields, patterns and choices, every task form, and which field names are allowed."""
    client = create_app(runtime=rt).test_client()
    anonymous = client.get("/api/v1/openapi.json").get_json()
    assert "handle.schema.json" not in anonymous["components"]["schemas"]  # the forms only for token holders
    spec = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {api.tokens['wang']}"}).get_json()
    intake = spec["components"]["schemas"]["Intake"]
    deployed = json.loads((PROJECT_ROOT / "processes/forms/intake.schema.json").read_text())
    assert intake["required"] == deployed["required"]
    assert intake["properties"]["customer_phone"]["pattern"] == deployed["properties"]["customer_phone"]["pattern"]
    assert intake["propertyNames"]["pattern"] == "^[A-Za-z][A-Za-z0-9_]{0,63}$"
    assert "initiator" in intake["propertyNames"]["not"]["enum"]
    assert spec["components"]["schemas"]["handle.schema.json"]["required"] == json.loads(
        (PROJECT_ROOT / "processes/forms/handle.schema.json").read_text())["required"]
    # what the document calls invalid is refused, naming the field
    status, code = error(api("POST", "/complaints", json={**INTAKE, "customer_phone": "abc"}))
    assert (status, code) == (400, "invalid_input")
    status, code = error(api("POST", "/complaints", json={**INTAKE, "名字": "x"}))
    assert (status, code) == (400, "invalid_input")


def test_requests_need_a_valid_token(rt, api):
    assert error(api("GET", "/tasks", who=None)) == (401, "unauthenticated")
    assert error(api("GET", "/tasks", who=None, headers={"Authorization": "Bearer cft_forged"})) == (401,
                                                                                                     "unauthenticated")
    revoke_token(rt, ADMIN, api.tokens["zhao"][:12])
    assert error(api("GET", "/tasks", who="zhao")) == (401, "unauthenticated")
    assert api("GET", "/tasks", who="li").status_code == 200


def test_only_administrators_create_or_revoke_tokens(rt, api):
    from runtime.actors import Actor
    from runtime.errors import PermissionDenied
    desk = Actor("wang", frozenset({"front_desk"}))
    with pytest.raises(PermissionDenied):
        create_token(rt, desk, "wang", "my own")
    with pytest.raises(PermissionDenied):
        revoke_token(rt, desk, api.tokens["li"][:12])
    assert api("GET", "/tasks", who="li").status_code == 200  # untouched


def test_accept_a_complaint_and_read_it_back(api):
    number = accepted(api)
    body = api("GET", f"/complaints/{number}").get_json()
    assert (body["status"], body["owner"], body["severity"]) == ("running", "wang", "normal")
    assert body["record"]["customer_phone"] == "13812341234"  # the front desk calls the customer back
    assert [t["name"] for t in body["tasks"]] == ["triage"] and body["tasks"][0]["assignee"] == "wang"
    assert body["deadlines"] and body["history"][0]["action"] == "started"


def test_a_second_complaint_from_the_same_phone_and_category_names_the_open_one(api):
    first = accepted(api)
    again = api("POST", "/complaints", json={**INTAKE, "description": "又在施工"})
    assert again.status_code == 201 and again.get_json()["open_duplicates"] == [first]
    other = api("POST", "/complaints", json={**INTAKE, "category": "parking"})
    assert other.get_json()["open_duplicates"] == []


def test_contact_data_is_masked_for_roles_that_do_not_need_it(api):
    number = accepted(api)
    api("POST", f"/tasks/{task_id(api, number, 'triage')}/complete", json={"validity": "valid",
                                                                         "department": "engineering"})
    record = api("GET", f"/complaints/{number}", who="li").get_json()["record"]  # the department it went to
    assert (record["customer_phone"], record["customer_unit"]) == ("138****1234", "3栋****")
    assert record["customer_name"] == "张先生"


def test_a_complaint_is_read_only_by_those_it_concerns(api):
    number = accepted(api)
    api("POST", f"/tasks/{task_id(api, number, 'triage')}/complete", json={"validity": "valid",
                                                                         "department": "engineering"})
    assert api("GET", f"/complaints/{number}", who="li").status_code == 200  # dispatched to engineering
    for outsider in ("zhao", "zheng", "owner"):  # security department, legal, a process owner
        assert error(api("GET", f"/complaints/{number}", who=outsider)) == (403, "permission_denied"), outsider


def test_bad_input_is_a_400_naming_what_is_wrong_and_changes_nothing(api):
    response = api("POST", "/complaints", json={"channel": "pigeon"})
    status, code = error(response)
    fields = response.get_json()["error"]["fields"]
    assert (status, code) == (400, "invalid_input") and {"channel", "category", "description"} <= set(fields)
    assert error(api("POST", "/complaints", data="{not json", content_type="application/json")) == (400,
                                                                                                    "invalid_input")
    assert error(api("POST", "/complaints", json=[1, 2])) == (400, "invalid_input")
    assert error(api("GET", "/tasks?scope=everything")) == (400, "invalid_input")
    assert api("GET", "/tasks?scope=all").get_json()["tasks"] == []  # nothing was started


def test_roles_are_checked_as_in_the_web_app(api):
    assert error(api("POST", "/complaints", who="zheng", json=INTAKE)) == (403, "permission_denied")
    number = accepted(api)
    assert error(api("POST", f"/complaints/{number}/signals/media_exposure", who="owner")) == (403, "permission_denied")


def test_unknown_ids_are_404(api):
    assert error(api("GET", "/complaints/CF-NOPE")) == (404, "instance_not_found")
    assert error(api("POST", "/tasks/nope/claim")) == (404, "task_not_found")
    assert error(api("GET", "/nothing-here")) == (404, "not_found")


def test_a_department_task_through_claim_release_and_complete(api):
    number = accepted(api)
    triage = task_id(api, number, "triage")
    response = api("POST", f"/tasks/{triage}/complete", json={"validity": "valid", "department": "engineering"})
    assert response.status_code == 200 and response.get_json()["complaint_status"] == "running"
    handle = task_id(api, number, "handle")
    assert handle in [t["id"] for t in api("GET", "/tasks", who="li").get_json()["tasks"]]
    assert api("GET", "/tasks", who="zhao").get_json()["tasks"] == []  # another department's work

    assert error(api("POST", f"/tasks/{handle}/claim", who="zhao")) == (403, "permission_denied")
    claimed = api("POST", f"/tasks/{handle}/claim", who="li")
    assert claimed.status_code == 200 and claimed.get_json()["assignee"] == "li"
    loser = api("POST", f"/tasks/{handle}/claim", who="li2")
    assert error(loser) == (409, "already_claimed") and "li" in loser.get_json()["error"]["message"]
    assert [t["id"] for t in api("GET", "/tasks?scope=mine", who="li").get_json()["tasks"]] == [handle]
    assert error(api("POST", f"/tasks/{handle}/release?version=1", who="li")) == (409, "stale_version")
    assert api("POST", f"/tasks/{handle}/release", who="li").get_json()["assignee"] is None

    invalid = api("POST", f"/tasks/{handle}/complete", who="li", json={"handling_result": 42})
    assert error(invalid) == (400, "invalid_input") and "handling_result" in invalid.get_json()["error"]["fields"]
    assert handle in [t["id"] for t in api("GET", "/tasks", who="li").get_json()["tasks"]]  # still waiting
    done = api("POST", f"/tasks/{handle}/complete", who="li", json={"handling_result": "已协调停止夜间施工"})
    assert done.status_code == 200
    assert error(api("POST", f"/tasks/{handle}/complete", who="li", json={"handling_result": "again"})) == \
        (409, "conflict")


def test_media_exposure_escalates_to_crisis(api):
    number = accepted(api)
    api("POST", f"/tasks/{task_id(api, number, 'triage')}/complete", json={"validity": "valid",
                                                                          "department": "engineering"})
    response = api("POST", f"/complaints/{number}/signals/media_exposure", json={"outlet": "晚报"})
    assert response.status_code == 200 and response.get_json()["delivered"] is True
    assert api("GET", f"/complaints/{number}").get_json()["severity"] == "crisis"
    refused = api("POST", f"/complaints/{number}/signals/no_such_event")  # not one a working role may send
    assert error(refused) == (403, "permission_denied") and "media_exposure, casualties" in refused.get_json()[
        "error"]["message"]


def test_the_task_list_is_the_inbox_paged_earliest_deadline_first_and_a_junk_page_is_refused(api):
    numbers = [accepted(api) for _ in range(27)]
    first = api("GET", "/tasks?scope=mine").get_json()  # triage is the receiver's own (首问负责制)
    assert (first["total"], first["page"], first["pages"], len(first["tasks"])) == (27, 1, 2, 25)
    dues = [t["due_at"] for t in first["tasks"]]
    assert dues == sorted(dues) and {t["complaint"] for t in first["tasks"]} <= set(numbers)
    second = api("GET", "/tasks?scope=mine&page=2").get_json()
    assert len(second["tasks"]) == 2 and not {t["id"] for t in second["tasks"]} & {t["id"] for t in first["tasks"]}
    assert error(api("GET", "/tasks?scope=available&page=zwei")) == (400, "invalid_input")
    assert api("GET", "/tasks?scope=all", who="zheng").get_json()["total"] == 0  # legal sees none of these
