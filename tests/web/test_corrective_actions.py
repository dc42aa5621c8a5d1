"""Corrective and preventive actions from the closing review (000, 003, 004: 分析原因、制订纠正和预防
措施), as staff and an integration meet them: a valid complaint driven through the JSON API on a frozen
clock to the site manager's 确认关闭, its root cause and actions recorded there, listed for their
owners on 整改措施 and in the case file, marked done by their owner only once, and an overdue one
shown as overdue with exactly one notice to its owner however often the worker sweeps."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from runtime.bootstrap import bootstrap
from runtime.services.users import create_user
from tests.helpers import PASSWORD, deploy_processes, signed_in
from tests.web.test_procedure_fidelity import PEOPLE, Hotline, at, error
from web import create_app

CHECKS = {"record_checked": True, "handling_checked": True, "callback_checked": True}
FIX = {"kind": "corrective", "description": "更换3栋电梯门机皮带", "owner": "li", "due_on": "2025-10-15"}
PREVENT = {"kind": "preventive", "description": "装修施工夜间巡查纳入保安排班", "owner": "qian", "due_on": "2025-10-20"}
REVIEW = {**CHECKS, "cause_type": "internal", "cause_review": "夜间巡查缺位，装修管理未落实",
          "actions": [FIX, PREVENT]}


@pytest.fixture
def desk(rt, web):
    return Hotline(rt, web(PEOPLE))


def at_review(desk) -> str:
    """A valid complaint handled and called back (the customer satisfied): the site manager's step waits."""
    at(2025, 10, 9, 9, 0)
    number = desk.accept()
    desk.handled(number)
    desk.done(number, "callback", "wang", satisfaction="satisfied", callback_channel="phone")
    assert desk.steps(number) == ["confirm"]
    return number


def actions(desk, who, scope="mine") -> list[dict]:
    response = desk.call("GET", f"/actions?scope={scope}", who)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["actions"]


def test_the_review_records_the_root_cause_and_actions_listed_for_their_owners_and_in_the_case_file(desk):
    number = at_review(desk)
    desk.done(number, "confirm", "sun", **REVIEW)
    assert desk.complaint(number)["status"] == "completed"
    mine = actions(desk, "li")
    assert [(a["complaint"], a["description"], a["owner"], a["due_on"], a["status"], a["overdue"]) for a in mine] == [
        (number, FIX["description"], "li", "2025-10-15", "open", False)]
    assert [a["description"] for a in actions(desk, "qian")] == [PREVENT["description"]]
    assert [a["kind"] for a in actions(desk, "quan", "all")] == ["corrective", "preventive"]  # quality sees all
    assert actions(desk, "wang") == []  # nothing of the front desk's own
    filed = desk.call("GET", f"/complaints/{number}/case-file", "sun").get_json()
    assert [(a["owner"], a["root_cause"], a["status"]) for a in filed["actions"]] == [
        ("li", "internal", "open"), ("qian", "internal", "open")]
    page = desk.page(number, "sun")
    assert "内生性（质量、服务、违约等）" in page and "夜间巡查缺位，装修管理未落实" in page
    section = page[page.index('id="corrective-actions"'):page.index('id="corrective-actions"') + 3000]
    assert FIX["description"] in section and PREVENT["description"] in section and "2025-10-20" in section


@pytest.mark.parametrize("change, field", [
    ({"actions": [FIX, {**PREVENT, "owner": "nobody"}]}, "actions.1.owner"),
    ({"actions": [{**FIX, "due_on": "2025-10-08"}, PREVENT]}, "actions.0.due_on"),
    ({"cause_type": None}, "cause_type"),
    ({"actions": []}, "actions"),
    ({"actions": [{**FIX, "description": ""}]}, "actions.0.description"),
])
def test_a_bad_review_is_refused_naming_the_field_and_nothing_is_kept(desk, change, field):
    number = at_review(desk)
    review = {k: v for k, v in {**REVIEW, **change}.items() if v is not None}
    response = desk.complete(number, "confirm", "sun", **review)
    status, code, message = error(response)
    assert (status, code) == (400, "invalid_input") and field in response.get_json()["error"]["fields"], message
    assert actions(desk, "sun", "all") == [] and desk.steps(number) == ["confirm"]


def test_an_unknown_owner_is_named_in_the_chinese_form_and_the_rows_are_kept(desk, rt):
    number = at_review(desk)
    client = signed_in(create_app(runtime=rt).test_client(), "sun")
    task = desk.task(number, "confirm")["id"]
    page = client.get(f"/tasks/{task}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "record_checked": "on", "handling_checked": "on", "callback_checked": "on",
            "cause_type": "internal", "cause_review": "巡查缺位",
            "actions.kind": ["corrective", "preventive"], "actions.description": ["更换皮带", "加强巡查"],
            "actions.owner": ["li", "ghost"], "actions.due_on": ["2025-10-15", "2025-10-20"]}
    body = client.post(f"/tasks/{task}", data=form).get_data(as_text=True)
    assert "no active user &#39;ghost&#39;" in body or "no active user 'ghost'" in body
    assert 'value="加强巡查"' in body and 'value="ghost"' in body  # what was typed stays on the form
    assert actions(desk, "sun", "all") == [] and desk.steps(number) == ["confirm"]


def test_only_the_owner_or_a_closer_marks_an_action_done_and_only_once(desk):
    number = at_review(desk)
    desk.done(number, "confirm", "sun", **REVIEW)
    fix = actions(desk, "li")[0]["id"]
    status, code, message = error(desk.call("POST", f"/actions/{fix}/done", "qian", json={"note": "已更换"}))
    assert (status, code) == (403, "permission_denied") and "li" in message
    assert error(desk.call("POST", f"/actions/{fix}/done", "li", json={"note": "  "}))[:2] == (400, "invalid_input")
    assert error(desk.call("POST", f"/actions/{fix}/done", "li", json={"note": "x", "by": "y"}))[:2] == (
        400, "invalid_input")
    assert error(desk.call("POST", "/actions/999999/done", "li", json={"note": "x"}))[0] == 404
    at(2025, 10, 13, 10, 0)
    response = desk.call("POST", f"/actions/{fix}/done", "li", json={"note": "已更换门机皮带并试运行"})
    assert response.status_code == 200 and response.get_json()["done_by"] == "li"
    status, code, message = error(desk.call("POST", f"/actions/{fix}/done", "sun", json={"note": "再次"}))
    assert (status, code) == (409, "conflict") and "already marked done by li" in message
    assert actions(desk, "li") == [] and [a["owner"] for a in actions(desk, "sun", "all")] == ["qian"]
    filed = desk.call("GET", f"/complaints/{number}/case-file", "sun").get_json()
    assert [(a["status"], a["done_note"]) for a in filed["actions"]][0] == ("done", "已更换门机皮带并试运行")
    assert [e["text"] for e in filed["entries"] if e["kind"] == "action_done"] == ["已更换门机皮带并试运行"]
    assert PREVENT["description"] in actions(desk, "sun", "all")[0]["description"]  # the site manager may close it
    assert desk.call("POST", f"/actions/{actions(desk, 'sun', 'all')[0]['id']}/done", "sun",
                     json={"note": "已纳入排班"}).status_code == 200


def test_an_overdue_action_is_shown_overdue_and_its_owner_told_exactly_once(desk, rt):
    number = at_review(desk)
    desk.done(number, "confirm", "sun", **REVIEW)
    desk.advance_to(2025, 10, 15, 23, 50)  # still its due day
    assert actions(desk, "li", "overdue") == [] and not actions(desk, "li")[0]["overdue"]
    li = signed_in(create_app(runtime=rt).test_client(), "li")
    assert FIX["description"] not in li.get("/notifications/").get_data(as_text=True)
    desk.advance_to(2025, 10, 16, 0, 5)
    assert [a["description"] for a in actions(desk, "li", "overdue")] == [FIX["description"]]
    assert actions(desk, "li")[0]["overdue"] is True
    desk.advance_to(2025, 10, 16, 9, 0)
    desk.advance_to(2025, 10, 17, 9, 0)
    assert li.get("/notifications/").get_data(as_text=True).count(FIX["description"]) == 1
    qian = signed_in(create_app(runtime=rt).test_client(), "qian")
    assert PREVENT["description"] not in qian.get("/notifications/").get_data(as_text=True)  # not yet due
    page = li.get("/actions/?scope=overdue").get_data(as_text=True)
    assert FIX["description"] in page and 'class="overdue"' in page and number in page


def test_the_actions_page_lists_mine_and_marks_one_done(desk, rt):
    number = at_review(desk)
    desk.done(number, "confirm", "sun", **REVIEW)
    li = signed_in(create_app(runtime=rt).test_client(), "li")
    page = li.get("/actions/").get_data(as_text=True)
    assert FIX["description"] in page and PREVENT["description"] not in page and number in page
    fix = actions(desk, "li")[0]["id"]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    done = li.post(f"/actions/{fix}/done", data={"csrf_token": token, "note": "已更换", "scope": "mine"},
                   follow_redirects=True).get_data(as_text=True)
    assert FIX["description"] not in done
    again = li.post(f"/actions/{fix}/done", data={"csrf_token": token, "note": "再次", "scope": "mine"},
                    follow_redirects=True).get_data(as_text=True)
    assert "此整改措施已由 li 于" in again
    assert li.get("/actions/?scope=bogus").status_code == 200


def test_the_overdue_owner_is_mailed_once_in_their_language(settings, smtp_server):
    """Through the real SMTP server: one e-mail to the owner, none to the other action's owner."""
    rt = bootstrap(replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_server.port,
                           base_url="https://cf.example.test"))
    try:
        deploy_processes(rt)
        for name, spec in PEOPLE.items():
            roles, department = spec if isinstance(spec, tuple) else (spec, None)
            create_user(rt, name, PASSWORD, list(roles), department=department, email=f"{name}@example.test")
        desk = Hotline(rt, create_app(runtime=rt).test_client())
        number = at_review(desk)
        desk.done(number, "confirm", "sun", **REVIEW)
        for day in (16, 17, 20):
            desk.advance_to(2025, 10, day, 9, 30)  # working hours: the notice is mailed in the same sweep
        [mail] = [m for m in smtp_server.to("li@example.test") if "整改措施" in m["Subject"]]
        assert mail["Subject"] == f"[{number}] 整改措施已到期未完成：{FIX['description']}"
        assert not [m for m in smtp_server.to("qian@example.test") if "整改措施" in m["Subject"]]
    finally:
        rt.close()
