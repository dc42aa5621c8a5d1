"""The complaint as a case file: what staff entered in each finished step is shown on the complaint
page and beside the form of the next step, with the forms' labels and choice names; the site
manager's confirmation shows the handling result and the callback record it confirms; list fields
(the major investigation's evidence list) take rows; contact data stays masked by role."""
from __future__ import annotations

import re

import pytest

from runtime import services
from runtime.services.users import get_actor
from tests.helpers import INTAKE, csrf, login, task


PEOPLE = {"wang": ["front_desk"], "li": (["department"], "engineering"), "sun": ["site_manager"],
          "zheng": ["legal"], "zhao": (["department"], "security"), "chen": ["cs_manager"],
          "gm": ["general_manager"]}


@pytest.fixture
def client(web):
    return web(PEOPLE)


def handled_and_called_back(rt, **intake) -> str:
    """A normal complaint, dispatched, replied to, handled and called back: waiting for confirmation."""
    started = services.start_instance(rt, get_actor(rt, "wang"), "complaint", {**INTAKE, **intake})
    number = started.business_key
    step(rt, "wang", number, "triage", validity="valid", department="engineering")
    step(rt, "wang", number, "first_reply", reply_summary="已电话答复客户，明日上门查看")
    step(rt, "li", number, "handle", investigation="楼上住户夜间装修，已现场核实",
         handling_result="已责令施工方晚十点后停工，并张贴告示", root_cause="装修管理规定未告知到位")
    step(rt, "wang", number, "callback", satisfaction="satisfied", callback_channel="phone",
         callback_note="客户表示夜间已安静，满意")
    return number


def at_investigation(rt) -> str:
    """A major complaint (a large loss) assessed and with its legal opinion: waiting for the investigation."""
    number = services.start_instance(rt, get_actor(rt, "wang"), "complaint",
                                     {**INTAKE, "category": "facilities", "description": "水管爆裂淹车",
                                      "economic_loss": 80000}).business_key
    step(rt, "wang", number, "triage", validity="valid", department="engineering")
    step(rt, "li", number, "assessment", assessment="管道老化")
    step(rt, "zheng", number, "legal_opinion", legal_opinion="应予赔偿")
    return number


def step(rt, who: str, number: str, name: str, **data) -> None:
    services.complete_task(rt, get_actor(rt, who), task(rt, number, name).id, data)


def text_of(html: str) -> str:
    """What a reader sees: tags and scripts dropped, whitespace folded."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_site_manager_reads_the_handling_result_and_the_callback_record_before_confirming(rt, client):
    number = handled_and_called_back(rt)
    login(client, "sun")
    page = text_of(client.get(f"/tasks/{task(rt, number, 'confirm').id}").get_data(as_text=True))
    confirm = page[page.index("您要确认的内容"):page.index("已检查投诉记录完整")]
    assert "部门调查处理" in confirm and "处理结果 已责令施工方晚十点后停工，并张贴告示" in confirm
    assert "原因分析 装修管理规定未告知到位" in confirm
    assert "回访客户" in confirm and "回访记录 客户表示夜间已安静，满意" in confirm
    assert "客户意见 满意" in confirm and "回访方式 电话" in confirm  # choice names, not codes
    assert "satisfied" not in page and "handling_result" not in page and "{" not in confirm
    assert "楼上装修噪音" in page  # the record beside the form


def test_the_complaint_page_shows_every_finished_step_with_who_and_what(rt, client):
    number = handled_and_called_back(rt)
    login(client, "wang")
    page = text_of(client.get(f"/complaints/{number}").get_data(as_text=True))
    case = page[page.index("案卷"):]
    for title, shown in (("确认有效性并派单", "有效性"), ("24小时内答复客户", "已电话答复客户，明日上门查看"),
                         ("部门调查处理", "已现场核实"), ("回访客户", "客户表示夜间已安静")):
        assert title in case and shown in case, title
    assert case.index("确认有效性并派单") < case.index("部门调查处理") < case.index("回访客户")  # in order
    assert "task_completed" not in case and "责任部门 工程维修" in case  # the department by its name


def test_a_later_step_shows_the_earlier_ones_beside_its_form(rt, client):
    number = handled_and_called_back(rt)
    login(client, "sun")
    body = client.get(f"/tasks/{task(rt, number, 'confirm').id}").get_data(as_text=True)
    aside = text_of(body[body.index('class="case"'):])
    assert "已责令施工方晚十点后停工" in aside and "已电话答复客户" in aside


def test_step_data_keeps_contact_masked_for_the_department(rt, client):
    number = handled_and_called_back(rt)
    login(client, "li")
    page = client.get(f"/complaints/{number}").get_data(as_text=True)
    assert "13812341234" not in page and "138****1234" in page


def test_the_evidence_list_takes_rows_added_in_the_form_and_shows_them(rt, client):
    number = at_investigation(rt)
    login(client, "li")
    investigate = task(rt, number, "investigate")
    form = client.get(f"/tasks/{investigate.id}").get_data(as_text=True)
    assert 'data-add-row="rows-evidence"' in form  # rows can be added (and removed) in the page
    rows = ["购房合同第12条", "", "现场照片三张", "维修记录"]  # an empty row is dropped, not an error
    response = client.post(f"/tasks/{investigate.id}", data={
        "csrf_token": csrf(client, f"/tasks/{investigate.id}"), "version": investigate.version,
        "report": "现场调查报告：管道老化导致爆裂", "evidence": rows})
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:400]
    page = text_of(client.get(f"/complaints/{number}").get_data(as_text=True))
    assert "证据清单" in page and "购房合同第12条" in page and "现场照片三张" in page and "维修记录" in page


def test_a_too_long_evidence_row_is_refused_naming_the_row_and_nothing_changes(rt, client):
    number = at_investigation(rt)
    login(client, "li")
    investigate = task(rt, number, "investigate")
    response = client.post(f"/tasks/{investigate.id}", data={
        "csrf_token": csrf(client, f"/tasks/{investigate.id}"), "version": investigate.version,
        "report": "现场调查报告：管道老化导致爆裂", "evidence": ["合同", "长" * 501]})
    body = text_of(response.get_data(as_text=True))
    assert response.status_code == 400 and "第 2 行" in body and "最多 500 个字符" in body
    assert f'value="{"长" * 501}"' in response.get_data(as_text=True)  # what was typed is kept, in its field
    assert task(rt, number, "investigate").id == investigate.id  # still waiting


def test_nobody_outside_the_complaint_reads_its_steps(rt, client):
    number = handled_and_called_back(rt)
    login(client, "zheng")
    assert client.get(f"/complaints/{number}").status_code == 403
    assert client.get(f"/tasks/{task(rt, number, 'confirm').id}").status_code == 403
    login(client, "zhao")  # another department
    assert client.get(f"/complaints/{number}").status_code == 403


def test_steps_completed_before_the_audit_carried_their_form_still_read_with_labels(rt, client):
    """An older complaint: its completion events name only the task (as before this release). The
    case file finds the step's name and form in the diagrams: labels and choice names, not codes."""
    from runtime.store.instance_store import audit, lock
    number = handled_and_called_back(rt)
    with rt.db.transaction() as session:  # appended the way the previous release wrote it
        audit(session, lock(session, business_key=number), "wang", "task_completed", task_id="older-step",
              task_name="callback", data={"satisfaction": "understands", "callback_channel": "visit",
                                          "callback_note": "旧版本记录的回访"})
    login(client, "wang")
    page = text_of(client.get(f"/complaints/{number}").get_data(as_text=True))
    older = page[page.index("旧版本记录的回访") - 200:page.index("旧版本记录的回访")]
    assert "回访客户" in older and "客户意见 理解" in older and "回访方式 上门" in older
    assert "understands" not in page and "callback_channel" not in page


def test_a_missed_deadline_stays_in_the_case_file_after_its_reminder_fired(rt, client):
    """On a moved clock: the handling deadline passes, the worker fires its reminder, and the complaint
    page's case file says the time limit was missed, with the time it was due."""
    from datetime import timedelta
    from runtime import clock, worker
    number = services.start_instance(rt, get_actor(rt, "wang"), "complaint", INTAKE).business_key
    step(rt, "wang", number, "triage", validity="valid", department="engineering")
    step(rt, "wang", number, "first_reply", reply_summary="已答复")
    clock.freeze(clock.now() + timedelta(days=30))
    worker.run_once(rt)
    login(client, "wang")
    page = text_of(client.get(f"/complaints/{number}").get_data(as_text=True))
    case = page[page.index("案卷"):]
    assert "时限已超时" in case and "应于" in case and "时限已达成" in case  # the reply was in time, handling not
    assert "deadline_missed" not in case


def test_roles_and_departments_are_shown_by_their_names_never_by_their_codes(rt, client):
    started = services.start_instance(rt, get_actor(rt, "wang"), "complaint", INTAKE)
    step(rt, "wang", started.business_key, "triage", validity="valid", department="engineering")
    login(client, "li")
    inbox = text_of(client.get("/?tab=available").get_data(as_text=True))
    assert "li · 责任部门" in inbox  # the header: who is signed in, in which role
    assert "责任部门 / 工程维修" in inbox  # the row of the step waiting for the department
    complaint = text_of(client.get(f"/complaints/{started.business_key}").get_data(as_text=True))
    assert "责任部门 / 工程维修" in complaint
    timers = [re.sub(r"\s+", " ", t) for t in re.findall(r'<li class="timer">(.*?)</li>',
              client.get(f"/complaints/{started.business_key}").get_data(as_text=True), flags=re.S)]
    assert timers and any(t.startswith("计时 3个工作日未处理完") for t in timers), timers  # the diagram's name
    assert not any(re.search(r"[a-z]+_[a-z]+", t) for t in timers), timers  # never the timer's id
    for page in (inbox, complaint):
        assert "engineering" not in page and "department /" not in page
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": csrf(client, "/")})
    english = text_of(client.get("/?tab=available").get_data(as_text=True))
    assert "li · Responsible department" in english and "Responsible department / Engineering" in english
