"""Fuzzing the API from its own OpenAPI document (schemathesis): whatever is sent, the answer is
never a 5xx and its status is one the document lists."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st

from runtime import services
from runtime.read.api_contract import PAST_DATE_TIME
from runtime.services.api_tokens import create_token
from runtime.services.users import create_user, get_actor
from tests.conftest import ADMIN
from tests.helpers import INTAKE, deploy_processes
from web import create_app

OPERATIONS = ["GET /complaints", "POST /complaints", "GET /complaints/{number}", "POST /complaints/{number}/urgency",
              "POST /complaints/{number}/signals/{name}", "GET /tasks",
              "POST /tasks/{task_id}/claim", "POST /tasks/{task_id}/release", "POST /tasks/{task_id}/complete",
              "GET /complaints/{number}/steps", "GET /complaints/{number}/case-file",
              "GET /complaints/{number}/comments", "POST /complaints/{number}/comments",
              "GET /complaints/{number}/attachments", "POST /complaints/{number}/attachments",
              "GET /complaints/{number}/attachments/{attachment_id}",
              "GET /complaints/{number}/attachments/{attachment_id}/thumbnail", "GET /tasks/{task_id}/form",
              "POST /tasks/{task_id}/reassign", "POST /tasks/{task_id}/delegate",
              "GET /complaints/{number}/archive.{kind}", "GET /actions", "POST /actions/{action_id}/done",
              "GET /event-log"]
# Whether bytes are a photo or a PDF is checked on their content, which a schema cannot state: random
# bytes the contract allows are rightly refused (400), so the upload skips the positive-data check.
CONTENT_CHECKED = {"POST /complaints/{number}/attachments"}


# A reception time the contract says has happened: the fuzzer is told how to make one (the server's
# refusal of a future one is tested in tests/web/test_procedure_fidelity.py).
PAST = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2025, 12, 31), timezones=st.just(UTC))
schemathesis.openapi.format(PAST_DATE_TIME, PAST.map(datetime.isoformat))


@pytest.fixture
def api_schema(rt):
    deploy_processes(rt)
    create_user(rt, "wang", "password-123", ["front_desk"])
    services.start_instance(rt, get_actor(rt, "wang"), "complaint", INTAKE)  # something to find, claim, signal
    app = create_app(runtime=rt)
    app.config["FUZZ_TOKEN"] = create_token(rt, ADMIN, "wang", "fuzzing")
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app,  # with the deployed forms
                                          headers={"Authorization": f"Bearer {app.config['FUZZ_TOKEN']}"})


@pytest.mark.sqlite_only  # the checks are about the HTTP layer: one backend is enough
def test_the_api_answers_every_generated_request_without_a_server_error(api_schema):
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                                   positive_data_acceptance, status_code_conformance)
    headers = {"Authorization": f"Bearer {api_schema.app.config['FUZZ_TOKEN']}"}
    tried = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        checks = [not_a_server_error, status_code_conformance, content_type_conformance, negative_data_rejection]
        if operation.label not in CONTENT_CHECKED:
            checks.append(positive_data_acceptance)

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def answer(case):
            case.call_and_validate(headers=headers, checks=checks)  # noqa: B023 - called before the loop moves on

        answer()
        tried.append(operation.label)
    assert sorted(tried) == sorted(OPERATIONS)  # every operation of the contract was fuzzed
