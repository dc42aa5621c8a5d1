"""A verified API token is remembered for a few seconds (runtime/services/token_cache.py); what an
administrator changes still takes effect: at once in this process, within the cache's lifetime from another."""
from __future__ import annotations

import time

import pytest

from runtime.bootstrap import bootstrap
from runtime.services import token_cache
from runtime.services.accounts import set_active, set_roles
from runtime.services.api_tokens import create_token, revoke_token
from tests.conftest import ADMIN
from tests.helpers import INTAKE

PEOPLE = {"wang": ["front_desk"], "li": (["department"], "engineering")}


@pytest.fixture
def api(rt, web):
    client = web(PEOPLE)
    tokens = {name: create_token(rt, ADMIN, name, "tests") for name in PEOPLE}

    def call(method, path, who="wang", **kwargs):
        return client.open(f"/api/v1{path}", method=method, headers={"Authorization": f"Bearer {tokens[who]}"},
                           **kwargs)

    call.tokens = tokens
    return call


def test_a_revoked_token_is_refused_at_once(rt, api):
    assert api("GET", "/tasks").status_code == 200  # verified, so remembered
    revoke_token(rt, ADMIN, api.tokens["wang"][:12])
    assert api("GET", "/tasks").status_code == 401
    assert api("GET", "/tasks", who="li").status_code == 200


def test_a_disabled_user_is_refused_at_once_and_welcome_again_when_enabled(rt, api):
    assert api("GET", "/tasks").status_code == 200
    set_active(rt, ADMIN, "wang", False)
    assert api("GET", "/tasks").status_code == 401
    set_active(rt, ADMIN, "wang", True)
    assert api("GET", "/tasks").status_code == 200


def test_new_roles_apply_to_the_next_request(rt, api):
    assert api("POST", "/complaints", json=INTAKE).status_code == 201
    set_roles(rt, ADMIN, "wang", ["legal"])
    assert api("POST", "/complaints", json=INTAKE).status_code == 403
    set_roles(rt, ADMIN, "wang", ["front_desk"])
    assert api("POST", "/complaints", json=INTAKE).status_code == 201


def test_a_revocation_by_another_process_is_refused_once_the_cache_lifetime_passed(rt, settings, api, monkeypatch):
    monkeypatch.setattr(token_cache, "TTL_SECONDS", 0.3)
    assert api("GET", "/tasks").status_code == 200
    other = bootstrap(settings)  # another process: its own database connections, its own cache
    try:
        revoke_token(other, ADMIN, api.tokens["wang"][:12])
    finally:
        other.close()
    time.sleep(0.4)
    assert api("GET", "/tasks").status_code == 401
