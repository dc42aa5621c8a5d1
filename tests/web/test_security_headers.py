"""What an attacker or a careless client meets at the door: security headers on every response, no
inline script anywhere (so the CSP can forbid it), stored process files only ever downloaded, huge or
exotic numbers a clear 400/404 instead of a 500, the session cookie's flags, the size limit."""
from __future__ import annotations

import dataclasses
import io
import re

import pytest
from sqlalchemy import select

from runtime import services
from runtime.services.api_tokens import create_token
from runtime.errors import DeploymentRejected
from runtime.services.deployment import deploy_as
from runtime.services.users import get_actor
from runtime.store.models import ProcessDefinition
from tests.conftest import ADMIN
from tests.helpers import INTAKE, csrf, signed_in
from web import create_app

XSS_BPMN = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">'
            b'<bpmn:process id="evil" isExecutable="true"><bpmn:extensionElements>'
            b'<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(document.cookie)</h:script>'
            b'</bpmn:extensionElements><bpmn:laneSet id="ls"><bpmn:lane id="l" name="front_desk">'
            b'<bpmn:flowNodeRef>t</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet><bpmn:startEvent id="s" />'
            b'<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" /><bpmn:userTask id="t" name="T" />'
            b'<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />'
            b'</bpmn:process></bpmn:definitions>')


@pytest.fixture
def admin(rt, web):
    client = web({"root": ["admin"], "wang": ["front_desk"], "owner": ["process_owner"]})
    key = services.start_instance(rt, get_actor(rt, "wang"), "complaint", INTAKE).business_key
    return signed_in(client, "root"), key


def test_every_response_carries_the_security_headers(admin):
    client, key = admin
    for path in ("/login", "/", f"/complaints/{key}", "/admin/", "/api/v1/openapi.json", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp, path
        assert (headers["X-Frame-Options"], headers["X-Content-Type-Options"], headers["Referrer-Policy"]) == (
            "DENY", "nosniff", "same-origin"), path


def test_no_page_has_inline_script_or_inline_event_handlers(admin):
    client, key = admin
    pages = ["/", "/?tab=overdue", f"/complaints/{key}", "/complaints/new", "/admin/", "/admin/instances",
             f"/admin/instances/{key}", "/processes/", "/processes/complaint/v1", "/processes/complaint/edit",
             "/admin/calendar/", "/notifications/"]
    for path in pages:
        body = client.get(path).get_data(as_text=True)
        assert body.count("<script") == body.count("<script src="), f"{path} has an inline script"
        assert not re.search(r"\son[a-z]+=", body), f"{path} has an inline event handler"


HOSTILE_MARKUP = {
    "an XHTML script element": (XSS_BPMN, "script", "http://www.w3.org/1999/xhtml"),
    "markup without a namespace": (XSS_BPMN.replace(b'<h:script xmlns:h="http://www.w3.org/1999/xhtml">',
                                                    b'<html xmlns=""><script>').replace(b'</h:script>',
                                                                                       b'</script></html>'),
                                   "html", "has no namespace"),
    "an SVG element": (XSS_BPMN.replace(b'<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(document.cookie)'
                                        b'</h:script>', b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
                       "svg", "http://www.w3.org/2000/svg"),
    "an event-handler attribute": (XSS_BPMN.replace(b'<h:script xmlns:h="http://www.w3.org/1999/xhtml">'
                                                    b'alert(document.cookie)</h:script>', b'')
                                   .replace(b'<bpmn:userTask id="t"', b'<bpmn:userTask xmlns:h="http://www.w3.org/1999/'
                                            b'xhtml" h:onclick="alert(1)" id="t"'), "onclick",
                                   "http://www.w3.org/1999/xhtml"),
}


@pytest.mark.sqlite_only
@pytest.mark.parametrize("case", sorted(HOSTILE_MARKUP))
def test_a_process_file_with_foreign_markup_is_refused_naming_it(rt, web, case):
    content, name, uri = HOSTILE_MARKUP[case]
    client = signed_in(web({"owner": ["process_owner"]}), "owner")
    response = client.post("/processes/upload", data={"csrf_token": csrf(client, "/processes/"),
                                                      "files": (io.BytesIO(content), "evil.bpmn")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "evil.bpmn" in page and repr(name) in page.replace("&#39;", "'")
    assert uri in page and "Traceback" not in page
    with rt.db.reader() as session:
        assert session.scalar(select(ProcessDefinition.id).where(ProcessDefinition.process_id == "evil")) is None
    with pytest.raises(DeploymentRejected):
        deploy_as(rt, ADMIN, {"evil.bpmn": content}, "test")


DOCUMENTED = XSS_BPMN.replace(b'<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(document.cookie)</h:script>',
                              b'').replace(b'<bpmn:userTask id="t" name="T" />', b'<bpmn:userTask id="t" name="T">'
                                           b'<bpmn:documentation>&lt;script&gt;alert(1)&lt;/script&gt;'
                                           b'</bpmn:documentation></bpmn:userTask>')


def test_a_stored_process_file_is_only_ever_downloaded(rt, admin):
    client, _ = admin
    result = deploy_as(rt, ADMIN, {"doc.bpmn": DOCUMENTED}, "test")
    response = client.get(f"/admin/packages/{result.package_id}/files/doc.bpmn")
    assert response.status_code == 200 and response.data == DOCUMENTED
    assert response.headers["Content-Disposition"] == "attachment; filename=\"doc.bpmn\"; filename*=UTF-8''doc.bpmn"
    assert response.mimetype == "application/octet-stream" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/processes/complaint/v99999999999999999999",
                                  "/processes/complaint/v99999999999999999999.zip",
                                  "/admin/packages/99999999999999999999/files/complaint.bpmn"])
def test_huge_numbers_in_addresses_are_not_found_not_a_crash(admin, path):
    client, _ = admin
    assert client.get(path).status_code == 404


def test_exotic_digits_in_parameters_are_refused_or_ignored_never_a_crash(rt, admin):
    client, key = admin
    assert client.get("/?page=²").status_code == 200  # the inbox ignores a hand-edited page number
    for path in ("/admin/instances?version=²", "/admin/instances?version=99999999999999999999",
                 "/admin/instances?page=٣"):
        response = client.get(path)
        assert response.status_code == 400 and "整数" in response.get_data(as_text=True), path
    token = create_token(rt, ADMIN, "wang", "tests")
    task_id = client.get(f"/complaints/{key}").get_data(as_text=True).split("/tasks/")[1].split('"')[0]
    answer = client.post(f"/api/v1/tasks/{task_id}/claim?version=²", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 400 and answer.get_json()["error"]["fields"] == {"version": "²"}


def test_the_session_cookie_is_http_only_and_secure_when_served_over_https(rt, settings):
    plain = create_app(runtime=rt).test_client().get("/login")
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert plain.headers["Cache-Control"] == "no-store" and "Strict-Transport-Security" not in plain.headers
    rt.settings = dataclasses.replace(settings, secure_cookies=True)
    https = create_app(runtime=rt).test_client().get("/login")
    assert "Secure" in https.headers["Set-Cookie"] and "HttpOnly" in https.headers["Set-Cookie"]
    assert https.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_a_request_body_over_the_limit_is_refused_whole(rt, settings, web):
    rt.settings = dataclasses.replace(settings, max_upload_bytes=1024 * 1024)
    client = signed_in(web({"owner": ["process_owner"]}), "owner")
    body = b"csrf_token=" + csrf(client, "/processes/").encode() + b"&process_id=" + b"x" * (1024 * 1024)
    response = client.post("/processes/upload", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413 and "Traceback" not in response.get_data(as_text=True)


class WatchedBody(io.BytesIO):
    """A request body that remembers whether anything read it."""
    touched = False

    def read(self, *args):
        self.touched = True
        return super().read(*args)

    readline = read


@pytest.mark.sqlite_only
@pytest.mark.parametrize("path", ["/processes/upload", "/processes/complaint/deploy"])
@pytest.mark.parametrize("who", ["wang", None])
def test_an_upload_from_someone_who_may_not_deploy_is_refused_unread(rt, web, path, who):
    """A front-desk user gets 403, an anonymous visitor the sign-in page; neither upload is read."""
    client = web({"wang": ["front_desk"]})
    if who:
        signed_in(client, who)
    body = WatchedBody(b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.bpmn\"\r\n\r\n"
                       + b"<x/>" * 100_000 + b"\r\n--x--\r\n")
    response = client.post(path, input_stream=body, content_type="multipart/form-data; boundary=x",
                           content_length=len(body.getvalue()))
    assert "Traceback" not in response.get_data(as_text=True)
    if who:
        assert response.status_code == 403
    else:
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not body.touched, "the body was read before the role check"


def test_csv_cells_that_look_like_formulas_stay_text_and_the_text_filter_is_literal(rt, admin):
    client, _ = admin
    services.start_instance(rt, get_actor(rt, "wang"), "complaint",
                            {**INTAKE, "location": '=HYPERLINK("http://evil.test","点我")'})
    csv_text = client.get("/admin/instances.csv").get_data(as_text=True)
    assert "'=HYPERLINK(" in csv_text and ',=HYPERLINK(' not in csv_text and ',"=HYPERLINK(' not in csv_text
    listing = client.get("/admin/instances?text=%25").get_data(as_text=True)  # a literal %, not "anything"
    assert "CF-" not in listing


def test_a_wrong_method_says_which_ones_are_allowed(admin):
    client, _ = admin
    for path in ("/api/v1/openapi.json", "/admin/"):
        response = client.post(path, data={})
        assert response.status_code == 405 and "GET" in response.headers["Allow"], path
