"""An API client is told which field is wrong by the field's label and in a sentence of its language
(``field_details``), beside jsonschema's English in ``fields``, both keyed by the field's path."""
from __future__ import annotations

import pytest

from tests.web.test_api import api, accepted, task_id  # noqa: F401 - the API's fixture and helpers


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-Hans", {"label": "责任部门", "message": "责任部门：请从列出的选项中选择。"}),
    ("en", {"label": "责任部门", "message": "责任部门: choose one of the listed options."})])
def test_a_refused_field_is_named_by_its_label_in_the_clients_language(api, language, expected):  # noqa: F811
    number = accepted(api)
    response = api("POST", f"/tasks/{task_id(api, number, 'triage')}/complete",
                   json={"validity": "valid", "department": "pigeons"})
    body = response.get_json()["error"]
    assert response.status_code == 400 and "pigeons" in body["fields"]["department"]  # jsonschema's, kept
    assert body["field_details"]["department"]["label"] == expected["label"]
    localized = api("POST", f"/tasks/{task_id(api, number, 'triage')}/complete",
                    headers={"Authorization": f"Bearer {api.tokens['wang']}", "Accept-Language": language},
                    json={"validity": "valid", "department": "pigeons"}).get_json()["error"]
    assert localized["field_details"]["department"] == expected
    assert task_id(api, number, "triage")  # nothing changed: the triage still waits


def test_a_missing_field_is_named_too(api):  # noqa: F811
    response = api("POST", "/complaints", json={"channel": "phone", "category": "noise"})
    details = response.get_json()["error"]["field_details"]
    assert response.status_code == 400 and details["description"]["label"] == "事件经过（简明扼要）"
    assert details["description"]["message"] == "事件经过（简明扼要）: this field is required."
