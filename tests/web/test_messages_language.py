"""The product's own refusals reach a person in their language: a conflict, a suspended complaint
or an unknown number is said in Chinese in the Chinese interface and in English in the English one,
with the names and local times that make it actionable, and nothing is changed by the refused action."""
from __future__ import annotations

import html
import re
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest

from runtime import services
from runtime.services.api_tokens import create_token
from runtime.services.users import get_actor
from tests.conftest import ADMIN
from runtime.store.models import ProcessInstance
from tests.helpers import INTAKE, audit, count, csrf, instance, signed_in, tasks

PEOPLE = {"wang": ["front_desk"], "li": (["department"], "engineering"), "li2": (["department"], "engineering")}
TRIAGE = {"validity": "valid", "department": "engineering"}


@pytest.fixture
def site(rt, web):
    client = web(PEOPLE)
    number = services.start_instance(rt, get_actor(rt, "wang"), "complaint", INTAKE).business_key
    return client, number


def _in(client, lang: str):
    client.post("/language", data={"lang": lang, "csrf_token": csrf(client, "/login"), "next": "/"})
    return client


def _text(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _task(rt, number, name):
    return next(t for t in tasks(rt, number) if t.task_name == name)


def _handling(rt, number) -> str:
    services.complete_task(rt, get_actor(rt, "wang"), _task(rt, number, "triage").id, dict(TRIAGE))
    return _task(rt, number, "handle").id


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh_Hans", "“{title}”已被 li 认领。"), ("en", "“{title}” is already claimed by li.")])
def test_claiming_a_task_someone_else_holds_is_refused_in_the_readers_language(rt, site, lang, expected):
    client, number = site
    handle = _handling(rt, number)
    services.claim_task(rt, get_actor(rt, "li"), handle)
    signed_in(_in(client, lang), "li2")
    answer = client.post(f"/tasks/{handle}/claim", data={"csrf_token": csrf(client, "/")}, follow_redirects=True)
    assert expected.format(title=_task(rt, number, "handle").title) in _text(answer)
    assert _task(rt, number, "handle").assignee == "li"  # nothing changed


@pytest.mark.parametrize(("lang", "expected", "foreign"), [
    ("zh_Hans", "已暂停；管理员恢复之前，其步骤无法办理。", "is suspended"),
    ("en", "is suspended; its steps cannot be worked on until an administrator resumes it.", "已暂停")])
def test_a_suspended_complaint_refuses_completion_in_the_readers_language(rt, site, lang, expected, foreign):
    client, number = site
    triage = _task(rt, number, "triage")
    services.suspend(rt, ADMIN, number, "customer asked to wait")
    signed_in(_in(client, lang), "wang")
    answer = client.post(f"/tasks/{triage.id}", data={**TRIAGE, "csrf_token": csrf(client, "/")})
    page = _text(answer)
    assert answer.status_code == 409 and f"{number} {expected}" in page
    assert foreign not in page
    assert instance(rt, number).status == "suspended" and _task(rt, number, "triage").version == triage.version
    assert not [e for e in audit(rt, number) if e.action == "task_completed"]


@pytest.mark.parametrize(("lang", "expected", "foreign"), [
    ("zh_Hans", "没有编号为 NOPE-0001 的投诉。", "no complaint"), ("en", "There is no complaint NOPE-0001.", "投诉。")])
def test_an_unknown_complaint_number_is_said_in_the_readers_language(site, lang, expected, foreign):
    client = signed_in(_in(site[0], lang), "wang")
    answer = client.get("/complaints/NOPE-0001")
    assert answer.status_code == 404 and expected in _text(answer) and foreign not in _text(answer)


@pytest.fixture
def api(rt, site):
    client, _ = site
    tokens = {name: create_token(rt, ADMIN, name, "tests") for name in PEOPLE}

    def call(method, path, who="wang", lang=None, **kwargs):
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        if lang:
            headers["Accept-Language"] = lang
        return client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
    return call


@pytest.mark.parametrize(("lang", "expected"), [
    ("zh-CN,zh;q=0.9", "此任务已由 wang 于 {at} 完成；未作任何更改。"),
    ("en", "This task was already completed by wang at {at}; nothing was changed.")])
def test_the_api_says_a_completed_task_is_done_with_its_code_and_a_message_in_the_asked_language(
        rt, site, api, lang, expected):
    number = site[1]
    triage = _task(rt, number, "triage").id
    assert api("POST", f"/tasks/{triage}/complete", json=TRIAGE).status_code == 200
    done = next(e for e in audit(rt, number) if e.action == "task_completed")
    local = done.at.replace(tzinfo=done.at.tzinfo or UTC).astimezone(ZoneInfo(rt.settings.timezone)).strftime(
        "%Y-%m-%d %H:%M")  # the reader's local time, not UTC
    before = len(audit(rt, number))
    again = api("POST", f"/tasks/{triage}/complete", lang=lang, json=TRIAGE)
    assert again.status_code == 409
    assert again.get_json()["error"] == {"code": "conflict", "message": expected.format(at=local)}
    assert len(audit(rt, number)) == before  # nothing written


def test_the_api_speaks_english_without_accept_language_and_chinese_when_asked(site, api):
    assert api("GET", "/complaints/NOPE-0001").get_json()["error"] == {
        "code": "instance_not_found", "message": "There is no complaint NOPE-0001."}
    assert api("GET", "/complaints/NOPE-0001", lang="zh-Hans").get_json()["error"] == {
        "code": "instance_not_found", "message": "没有编号为 NOPE-0001 的投诉。"}


BAD_INTAKE = {"customer_phone": "abc", "description": "x", "channel": "pigeon", "economic_loss": "-5",
              "received_at": "next tuesday", "external_ref": "R" * 81}
FIELD_MESSAGES = {
    "zh_Hans": ["联系电话：格式不正确，请检查所填内容。", "事件经过（简明扼要）：请至少填写 2 个字符。",
                "投诉渠道：请从列出的选项中选择。", "经济损失（元）：请填写不小于 0 的数值。",
                "收到投诉时间（留空为现在）：请填写日期和时间，例如 2026-03-01 14:30。",
                "外部工单号（如12345热线工单号）：最多 80 个字符。"],
    "en": ["Phone: this has the wrong format; check what you entered.",  # the labels too (processes/texts.en.toml)
           "What happened (briefly): enter at least 2 characters.", "Channel: choose one of the listed options.",
           "Financial loss (yuan): enter 0 or more.",
           "Received at (empty: now): enter a date and time such as 2026-03-01 14:30.",
           "External ticket number (e.g. a 12345 hotline ticket): at most 80 characters."]}


@pytest.mark.parametrize("lang", ["zh_Hans", "en"])
def test_a_wrong_form_value_is_named_by_its_label_and_said_in_the_readers_language(rt, site, lang):
    client = signed_in(_in(site[0], lang), "wang")
    before = count(rt, ProcessInstance)
    token = csrf(client, "/complaints/new")
    answer = client.post("/complaints/new", data={**INTAKE, **BAD_INTAKE, "csrf_token": token})
    page = _text(answer)
    assert answer.status_code == 400
    for sentence in FIELD_MESSAGES[lang]:
        assert sentence in page
    assert "does not match" not in page and "is not one of" not in page and "is too short" not in page
    assert "less than the minimum" not in page and "is too long" not in page
    assert count(rt, ProcessInstance) == before  # nothing was accepted


@pytest.mark.parametrize(("lang", "expected"), [("zh_Hans", "责任部门：此项为必填。"),
                                                ("en", "Responsible department: this field is required.")])
def test_a_task_form_names_a_field_its_rules_require_in_the_readers_language(rt, site, lang, expected):
    client, number = site
    triage = _task(rt, number, "triage")
    signed_in(_in(client, lang), "wang")
    answer = client.post(f"/tasks/{triage.id}", data={"validity": "valid", "csrf_token": csrf(client, "/")})
    page = _text(answer)  # a valid complaint needs its department (the form's if/then)
    assert answer.status_code == 400 and expected in page
    assert "is a required property" not in page
    assert _task(rt, number, "triage").version == triage.version  # still waiting, unchanged


@pytest.mark.parametrize(("lang", "expected", "foreign"), [
    ("zh_Hans", "用户名或密码错误", "Wrong user name"), ("en", "Wrong user name or password.", "用户名或密码错误")])
def test_a_failed_sign_in_is_said_in_the_readers_language(site, lang, expected, foreign):
    client = _in(site[0], lang)
    answer = client.post("/login", data={"username": "wang", "password": "not-it", "csrf_token": csrf(client)},
                         follow_redirects=True)
    assert expected in _text(answer) and foreign not in _text(answer)
    assert "wang ·" not in _text(answer)  # not signed in


@pytest.mark.parametrize(("lang", "expected", "foreign"), [
    ("zh_Hans", "此页面不存在。", "not found on the server"), ("en", "This page does not exist.", "此页面")])
def test_an_unknown_address_is_said_in_the_readers_language(site, lang, expected, foreign):
    answer = signed_in(_in(site[0], lang), "wang").get("/no/such/page")
    assert answer.status_code == 404 and expected in _text(answer) and foreign not in _text(answer)
