"""The inbox as staff work in it, through the test client: the complaint's subject and the names (not
codes) in the rows, the polled list that answers 204 while nothing changed, the counts after a claim,
the way back after completing a task (local paths only), and a suspended complaint's task."""
from __future__ import annotations

import time

import re

import pytest

from runtime import services
from runtime.services.users import create_user, get_actor
from tests.helpers import INTAKE, csrf, signed_in, task


@pytest.fixture
def site(rt, web):
    client = web({"wang": ["front_desk"], "li": (["department"], "engineering"), "root": ["admin"]})
    started = services.start_instance(rt, get_actor(rt, "wang"), "complaint", dict(INTAKE, subject="夜间装修噪音扰民"))
    services.complete_task(rt, get_actor(rt, "wang"), task(rt, started.business_key, "triage").id,
                           {"validity": "valid", "department": "engineering"})
    return client, started.business_key


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_row_shows_the_complaints_subject_and_names_not_codes(rt, site):
    client, key = site
    page = text(signed_in(client, "li").get("/"))
    row = re.search(rf'<tr id="task-[^"]+"[^>]*>(.*?{key}.*?)</tr>', page, re.S).group(1)
    assert "夜间装修噪音扰民" in row
    assert "部门" in row and "engineering" not in row and "department" not in re.sub(r"<[^>]+>", "", row)


def test_the_polled_list_is_204_until_something_changes(rt, site):
    client, key = site
    signed_in(client, "li")
    first = client.get("/live?tab=available")
    assert first.status_code == 200 and key in text(first)
    assert 'id="inbox-counts"' in text(first) and 'hx-swap-oob="true"' in text(first)
    seen = first.headers["X-Inbox-Fingerprint"]
    assert client.get("/live?tab=available", headers={"X-Inbox-Fingerprint": seen}).status_code == 204
    time.sleep(1.1)  # the rows' CSRF tokens are signed anew each second: still nothing changed for the reader
    assert client.get("/live?tab=available", headers={"X-Inbox-Fingerprint": seen}).status_code == 204
    services.claim_task(rt, get_actor(rt, "li"), task(rt, key, "handle").id)  # taken meanwhile (another tab)
    changed = client.get("/live?tab=available", headers={"X-Inbox-Fingerprint": seen})
    assert changed.status_code == 200 and key not in text(changed).split('id="inbox-counts"')[0]


def test_the_page_carries_the_fingerprint_the_poll_compares(rt, site):
    client, _ = site
    signed_in(client, "li")
    page = text(client.get("/?tab=available"))
    shown = re.search(r'data-fingerprint="([0-9a-f]+)"', page).group(1)
    assert client.get("/live?tab=available", headers={"X-Inbox-Fingerprint": shown}).status_code == 204


def test_a_claim_in_the_row_refreshes_the_counts(rt, site):
    client, key = site
    signed_in(client, "li")
    handle = task(rt, key, "handle")
    before = text(client.get("/live?tab=available&part=counts"))
    assert re.search(r'Claimed by me|我认领的任务\s*<span class="count">0<', before)
    response = client.post(f"/tasks/{handle.id}/claim", headers={"HX-Request": "true"},
                           data={"csrf_token": csrf(client, "/"), "version": handle.version, "next": "/?tab=available"})
    assert response.headers["HX-Trigger"] == "inbox-changed" and "已认领" in text(response)
    after = text(client.get("/live?tab=available&part=counts"))
    assert re.search(r'我认领的任务\s*<span class="count">1<', after)
    assert re.search(r'可认领的任务\s*<span class="count">0<', after)


def test_completing_returns_to_where_the_user_came_from(rt, site):
    client, key = site
    signed_in(client, "li")
    handle = task(rt, key, "handle")
    services.claim_task(rt, get_actor(rt, "li"), handle.id)
    back = "/?tab=mine&severity=normal"
    page = text(client.get(f"/tasks/{handle.id}", query_string={"next": back}))
    assert 'name="next" value="/?tab=mine&amp;severity=normal"' in page
    done = client.post(f"/tasks/{handle.id}", data={"csrf_token": csrf(client, f"/tasks/{handle.id}"),
                                                    "version": task(rt, key, "handle").version, "next": back,
                                                    "handling_result": "已协调施工方停止夜间施工"})
    assert done.status_code == 302 and done.headers["Location"] == back


@pytest.mark.parametrize("elsewhere", ["//evil.example/x", "https://evil.example/", "/\\evil.example"])
def test_the_way_back_never_leaves_the_site(rt, site, elsewhere):
    client, key = site
    signed_in(client, "li")
    handle = task(rt, key, "handle")
    services.claim_task(rt, get_actor(rt, "li"), handle.id)
    done = client.post(f"/tasks/{handle.id}", data={"csrf_token": csrf(client, f"/tasks/{handle.id}"),
                                                    "version": task(rt, key, "handle").version, "next": elsewhere,
                                                    "handling_result": "已协调施工方停止夜间施工"})
    assert done.status_code == 302 and done.headers["Location"] == "/"


def test_a_suspended_complaints_task_is_marked_and_cannot_be_completed(rt, site):
    client, key = site
    handle = task(rt, key, "handle")
    services.claim_task(rt, get_actor(rt, "li"), handle.id)
    services.suspend(rt, get_actor(rt, "root"), key, "客户要求暂缓处理")
    signed_in(client, "li")
    inbox = text(client.get("/?tab=mine"))
    assert "投诉已暂停" in re.search(rf'<tr id="task-{handle.id}".*?</tr>', inbox, re.S).group(0)
    page = text(client.get(f"/tasks/{handle.id}"))
    assert "投诉已暂停" in page and 'class="card task-form"' not in page and "handling_result" not in page
    refused = client.post(f"/tasks/{handle.id}", data={"csrf_token": csrf(client, "/"), "version": handle.version,
                                                       "handling_result": "已处理"})
    assert refused.status_code == 409 and "暂停" in text(refused)
    assert task(rt, key, "handle").id == handle.id  # nothing changed: the task is still open


def test_the_poll_reads_only_what_the_actor_may_see(rt, site):
    client, key = site
    create_user(rt, "zhao", "password-123", ["department"], department="security")
    signed_in(client, "zhao")
    assert key not in text(client.get("/live?tab=available")).split('id="inbox-counts"')[0]
    assert client.get("/live?tab=available&page=abc").status_code == 200  # bad input: ignored, never a 500


JUNK = ["", "²", "-1", "99999999999999999999", "a" * 10_000, "\x00", "\r\nX: y", "//evil.test",
        "<script>alert(1)</script>", "💥" * 300]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_in_the_poll_the_digest_setting_and_the_way_back_is_never_a_500(rt, site, junk):
    client, key = site
    signed_in(client, "li")
    polled = client.get("/live", query_string={"tab": junk, "page": junk, "severity": junk, "part": junk},
                        headers={"X-Inbox-Fingerprint": junk[:200].replace("\r\n", " ").replace("\x00", "")})
    assert polled.status_code in (200, 204) and "<script>alert" not in text(polled)
    setting = client.post("/notifications/digest", data={"csrf_token": csrf(client, "/notifications/"),
                                                         "daily_digest": junk})
    assert setting.status_code == 302
    page = client.get(f"/tasks/{task(rt, key, 'handle').id}", query_string={"next": junk})
    assert page.status_code == 200 and "<script>alert" not in text(page)
    assert 'href="//evil.test"' not in text(page) and 'value="//evil.test"' not in text(page)


def test_a_held_task_shows_its_holders_name(rt, site):
    client, key = site
    create_user(rt, "li_q", "password-123", ["department"], "李强", department="engineering")
    services.claim_task(rt, get_actor(rt, "li_q"), task(rt, key, "handle").id)
    signed_in(client, "root")
    page = text(client.get("/?tab=team"))
    row = re.search(rf'<tr id="task-{task(rt, key, "handle").id}".*?</tr>', page, re.S).group(0)
    assert '<span title="li_q">李强</span>' in row


def test_a_poll_after_signing_out_sends_the_page_to_the_sign_in_not_into_the_list(rt, site):
    client, _ = site
    polled = client.get("/live?tab=available", headers={"HX-Request": "true"})
    assert polled.status_code == 204 and polled.headers["HX-Redirect"].startswith("/login")
    assert client.get("/live?tab=available").status_code == 302  # a plain request: the usual sign-in redirect
