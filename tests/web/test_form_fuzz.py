"""Fuzzing the web forms and page parameters as a careless client or an attacker would fill them in:
every field of every form with junk (exotic digits, huge numbers, a megabyte, control characters,
markup, paths), junk ids in the address, extra fields. Whatever arrives, the answer is a page or a
redirect the browser can follow, never a 5xx, never a stack trace. The API's counterpart is
test_api_fuzz.py (schemathesis). One backend: the checks are about what the web layer does."""
from __future__ import annotations

import re
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime import services
from runtime.services.users import get_actor
from tests.helpers import INTAKE, csrf, signed_in, task
from web.params import MAX_LOCATION

JUNK = ["", "²", "١٢٣", "-1", "99999999999999999999", "NaN", "a" * 100_000, "\x00", "\r\nX: y", "%_",
        "../../../../etc/passwd", "//evil.test", "<script>alert(1)</script>", "{\"a\": [[[[[[]]]]]]}", "2026-02-30",
        "💥" * 300]
# method, address (placeholders filled from the world or with junk), the form's fields
FORMS = [
    ("POST", "/login", ["username", "password", "next"]),
    ("POST", "/language", ["lang", "next"]),
    ("POST", "/complaints/new", [*INTAKE, "confirm_duplicate", "occurred_at", "subject", "economic_loss"]),
    ("POST", "/complaints/{number}/comments", ["text"]),
    ("POST", "/complaints/{number}/reveal", []),
    ("POST", "/complaints/{number}/report/{signal}", []),
    ("POST", "/tasks/{task}", ["validity", "department", "note", "result", "version", "next"]),
    ("POST", "/tasks/{task}/claim", ["version", "next"]),
    ("POST", "/tasks/{task}/release", ["version", "next"]),
    ("POST", "/tasks/{task}/return", ["version", "next"]),
    ("POST", "/tasks/{task}/delegate", ["to", "version", "next"]),
    ("POST", "/tasks/{task}/reassign", ["to", "reason", "version", "next"]),
    ("POST", "/views", ["name", "query"]),
    ("POST", "/views/{view}/delete", []),
    ("POST", "/notifications/read", []),
    ("POST", "/account/password", ["current", "password", "repeated"]),
    ("POST", "/account/language", ["locale"]),
    ("POST", "/admin/instances/{number}/{action}", ["reason", "version", "signal", "target", "data", "task_id", "to"]),
    ("POST", "/admin/instances/batch?status={junk}", ["action", "reason", "signal"]),
    ("POST", "/admin/incidents/{view}/retry", ["number", "reason"]),
    ("POST", "/admin/calendar/recompute", ["reason"]),
    ("POST", "/processes/upload", ["process_id"]),
    ("POST", "/processes/complaint/migrate?from={junk}&to={junk}", ["number", "from", "to"]),
    ("GET", "/", ["tab", "page", "q", "severity", "category", "department", "channel", "site", "view"]),
    ("GET", "/admin/instances", ["status", "process", "version", "severity", "owner", "text", "page", "sort",
                                 "started_from", "started_to", "ended_from", "ended_to", "overdue", "department"]),
    ("GET", "/admin/instances.csv", ["status", "version", "started_from", "page"]),
    ("GET", "/admin/instances.xlsx", ["status", "version", "started_from", "page"]),
    ("GET", "/processes/complaint/diff", ["from", "to"]),
    ("GET", "/processes/complaint/migrate", ["from", "to"]),
    ("GET", "/processes/complaint/edit", ["file"]),
    ("GET", "/complaints/{number}", ["tab"]),
    ("GET", "/tasks/{task}", ["next"]),
    ("GET", "/notifications/", ["page"]),
    ("GET", "/login", ["next"]),
]
pytestmark = pytest.mark.sqlite_only
ADDRESS_JUNK = ["²", "99999999999999999999", "%00", "..", "ü" * 300, "CF-0"]


@pytest.fixture
def site(rt, web):
    client = web({"root": ["admin", "process_owner"], "wang": ["front_desk"], "li": (["department"], "engineering")})
    wang = get_actor(rt, "wang")
    number = services.start_instance(rt, wang, "complaint", INTAKE).business_key
    services.complete_task(rt, wang, task(rt, number, "triage").id, {"validity": "valid", "department": "engineering"})
    ids = {"number": number, "task": task(rt, number, "handle").id, "signal": "media_exposure", "action": "suspend",
           "view": "1", "junk": "²"}
    return signed_in(client, "root"), ids


def send(client, method: str, address: str, fields: dict):
    if method == "GET":
        return client.get(address, query_string=fields)
    return client.post(address, data={"csrf_token": client.token, **fields})


def check(response, what: str) -> None:
    text = response.get_data().decode("utf-8", "replace")
    assert response.status_code < 500, f"{what}: {response.status_code}"
    assert "Traceback" not in text, what
    assert len(response.headers.get("Location", "")) <= MAX_LOCATION, f"{what}: a Location no client can read"


def test_every_field_of_every_form_with_every_kind_of_junk(site):
    """Each field in turn holds each junk value while the others stay plausible."""
    client, ids = site
    client.token = csrf(client, "/")
    for method, template, names in FORMS:
        address = template.format(**ids)
        for name in names:
            for value in JUNK:
                check(send(client, method, address, {name: value}), f"{method} {address} {name}={value[:20]!r}")
        if "login" in address or "language" in address:
            client.token = csrf(client, "/")


def test_junk_in_the_address(site):
    client, ids = site
    client.token = csrf(client, "/")
    for method, template, _names in FORMS:
        for key in re.findall(r"{(\w+)}", template):
            for junk in ADDRESS_JUNK:
                address = template.format(**{**ids, key: junk})
                check(send(client, method, address, {}), f"{method} {address[:80]}")


def test_a_megabyte_in_an_address_never_becomes_an_unreadable_redirect(site):
    """Return addresses and sign-in redirects built from what was sent stay short (or fall back)."""
    client, ids = site
    huge = "/?q=" + "a" * 1_000_000
    check(client.post("/language", data={"csrf_token": csrf(client, "/"), "lang": "en", "next": huge}), "language")
    check(client.post(f"/tasks/{ids['task']}/claim", data={"csrf_token": csrf(client, "/"), "next": huge}), "claim")
    anonymous = client.application.test_client()
    response = anonymous.get("/", query_string={"q": "a" * 1_000_000})
    check(response, "sign-in redirect")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


@settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_random_forms_of_random_junk(site, data):
    client, ids = site
    client.token = csrf(client, "/")
    method, template, names = data.draw(st.sampled_from(FORMS))
    values = st.one_of(st.sampled_from(JUNK), st.text(max_size=40))
    fields = data.draw(st.dictionaries(st.sampled_from([*names, "csrf_token", "x", "__class__"]) if names else
                                       st.sampled_from(["x", "__class__"]), values, max_size=6))
    check(send(client, method, template.format(**ids), fields), f"{method} {template} {fields!r:.200}")
