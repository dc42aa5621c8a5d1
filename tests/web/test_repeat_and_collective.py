"""Repeat complaints (同人同事) and collective complaints (群诉), through intake on the page and the API
on a controlled clock: the link both ways and its effect on the severity, the collective case with its
alerts (in the app and by e-mail), its plan and reply tasks, the reply in each member's case file,
members that still close on their own, and the owner's settings refused when wrong."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from runtime import clock
from runtime.errors import ConfigurationError
from runtime.prevention_policy import load, load_error, parse
from runtime.services.api_tokens import create_token
from runtime.services.users import get_actor
from runtime.store.links import CollectiveCase
from runtime.store.models import Notification
from runtime.worker import sweep
from tests.helpers import INTAKE, csrf, instance, login, tasks
from tests.web.test_archive import close
from tests.web.test_case_file import step, text_of

MONDAY = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, a working day
PEOPLE = {"wang": ["front_desk"], "zhang": ["front_desk"], "sun": ["site_manager"], "zhou": ["general_manager"],
          "admin": ["admin"],
          "li": (["department"], "engineering")}
LEAKS = [  # three customers of one building, one problem written three ways, in three categories
    {"customer_phone": "13900000001", "customer_unit": "5栋301", "category": "facilities",
     "description": "楼上漏水，天花板一直在滴水"},
    {"customer_phone": "13900000002", "customer_unit": "5栋201", "category": "hygiene",
     "description": "我家天花板渗水，怀疑是楼上漏水"},
    {"customer_phone": "13900000003", "customer_unit": "5栋101", "category": "noise",
     "description": "卫生间天花板渗水严重，楼上住户不在家"},
]
SITE = {"location": "5栋", "demand": "尽快维修"}


@pytest.fixture
def settings(settings, smtp_server):
    return replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_server.port)


@pytest.fixture
def client(rt, web):
    clock.freeze(MONDAY)
    made = web(PEOPLE)
    with rt.db.transaction() as session:  # the managers get their alerts by e-mail too
        for name in ("sun", "zhou"):
            from runtime.store.models import User
            session.execute(select(User).where(User.username == name)).scalar_one().email = f"{name}@example.test"
    login(made, "wang")
    return made


def accept(client, **extra) -> str:
    data = {**INTAKE, **extra, "confirm_duplicate": "yes", "csrf_token": csrf(client, "/complaints/new")}
    response = client.post("/complaints/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return re.search(r"/complaints/(CF-[\w-]+)", response.headers["Location"]).group(1)


def page(client, number: str) -> str:
    response = client.get(f"/complaints/{number}")
    assert response.status_code == 200
    return text_of(response.get_data(as_text=True))


def linked(client, number: str) -> str:
    """The page's linked-complaints part."""
    html = client.get(f"/complaints/{number}").get_data(as_text=True)
    return "".join(re.findall(r'<li class="repeat">.*?</li>', html, flags=re.S))


def cases(rt) -> list[CollectiveCase]:
    with rt.db.reader() as session:
        return list(session.scalars(select(CollectiveCase)))


def notified(rt, who: str) -> list[Notification]:
    with rt.db.reader() as session:
        return list(session.scalars(select(Notification).where(Notification.recipient == who,
                                                               Notification.kind == "collective")))


def test_the_same_phone_and_category_inside_the_window_is_a_linked_major_repeat(rt, client):
    first = accept(client)
    clock.advance(timedelta(days=29))
    second = accept(client, customer_phone="+86 138-1234-1234", description="又在施工了")  # the same number
    assert instance(rt, second).severity == "major" and instance(rt, first).severity == "normal"
    assert "重复投诉" in page(client, second)  # the severity's reason, from the severity table
    assert f"/complaints/{first}" in linked(client, second) and "同一来电人、同一类别" in linked(client, second)
    assert f"/complaints/{second}" in linked(client, first)  # and the other way
    token = create_token(rt, get_actor(rt, "admin"), "wang", "tests")
    view = client.get(f"/api/v1/complaints/{second}", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert view["severity"] == "major" and view["severity_reason"] == "重复投诉"
    assert view["repeats"] == [{"number": first, "direction": "repeats", "by": ["phone", "unit"]}]


def test_outside_the_window_or_in_another_category_it_is_no_repeat_but_the_same_unit_is(rt, client):
    first = accept(client)
    clock.advance(timedelta(days=31))
    late = accept(client, description="又在施工")
    other = accept(client, category="parking", description="车位被占")
    assert linked(client, late) == "" and instance(rt, late).severity == "normal"
    assert linked(client, other) == "" and instance(rt, other).severity == "normal"
    assert f"/complaints/{late}" not in linked(client, first)
    family = accept(client, customer_phone="13700001111", customer_name="张太太", description="楼上还在装修")
    assert instance(rt, family).severity == "major" and f"/complaints/{late}" in linked(client, family)
    assert "同一房号、同一类别" in linked(client, family) or "Same unit, same category" in linked(client, family)


def test_a_client_cannot_force_the_repeat_flag(rt, client):
    token = create_token(rt, get_actor(rt, "admin"), "wang", "tests")
    response = client.post("/api/v1/complaints", json={**INTAKE, "repeat_complaint": True},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and "repeat_complaint" in response.get_json()["error"]["fields"]
    spec = client.get("/api/v1/openapi.json", headers={"Authorization": f"Bearer {token}"}).get_json()
    intake = spec["components"]["schemas"]["Intake"]
    assert "repeat_complaint" not in intake["properties"]
    assert "repeat_complaint" in intake["propertyNames"]["not"]["enum"]
    form = client.get("/complaints/new").get_data(as_text=True)
    assert 'name="repeat_complaint"' not in form  # the checkbox is gone: the server decides


def test_three_customers_with_one_problem_open_a_collective_case_handled_once(rt, client, smtp_server):
    numbers = [accept(client, **SITE, **leak) for leak in LEAKS[:2]]
    assert cases(rt) == []  # two customers are not yet a collective complaint
    clock.advance(timedelta(hours=5))
    numbers.append(accept(client, **SITE, **LEAKS[2]))
    [case] = cases(rt)
    assert case.reason == {"by": "text", "customers": 3}
    assert [len(notified(rt, who)) for who in ("sun", "zhou", "wang")] == [1, 1, 0]
    sweep.run_once(rt)
    for who in ("sun", "zhou"):  # at once (the site manager is also told of the plan task)
        assert [s for s in smtp_server.subjects(f"{who}@example.test") if "群诉，请立即处理：5栋" in s]
    shown = page(client, numbers[0])
    assert f"/complaints/{numbers[1]}" in client.get(f"/complaints/{numbers[0]}").get_data(as_text=True)
    assert "13900000002" not in shown and "5栋201" not in shown  # another customer's contact data never
    key = instance_of_case(rt, case)
    [plan] = tasks(rt, key)
    assert plan.task_name == "plan" and plan.role == "site_manager"
    login(client, "sun")
    task_page = client.get(f"/tasks/{plan.id}")
    shown = text_of(task_page.get_data(as_text=True))
    assert task_page.status_code == 200 and "制定统一处理方案" in shown and "群诉编号 1" in shown
    assert "collective_id" not in shown
    login(client, "wang")
    step(rt, "sun", key, "plan", collective_plan="关闭6楼进水阀，今日更换破裂水管并逐户检查")
    [reply] = tasks(rt, key)
    assert reply.task_name == "reply" and reply.role == "general_manager"
    step(rt, "zhou", key, "reply", collective_reply="漏水系6楼水管破裂，今日修复，受损天花板由物业负责修补")
    for number in numbers:  # each member's case file holds the plan and the reply
        assert "今日修复，受损天花板由物业负责修补" in page(client, number)
        assert instance(rt, number).ended_at is None  # the case closes no member
    login(client, "sun")
    case_page = text_of(client.get(f"/collective/{case.id}").get_data(as_text=True))
    assert all(n in case_page for n in numbers) and "关闭6楼进水阀" in case_page
    step(rt, "wang", numbers[0], "triage", validity="valid", department="engineering")
    step(rt, "wang", numbers[0], "first_reply", reply_summary="已答复")
    close(rt, numbers[0])
    assert instance(rt, numbers[0]).ended_at is not None and instance(rt, numbers[1]).ended_at is None
    login(client, "wang")
    later = accept(client, **SITE, customer_phone="13900000004", category="facilities",
                   description="天花板渗水，墙面发霉")
    assert "今日修复，受损天花板由物业负责修补" in page(client, later)  # joins, and sees the reply given
    assert len(cases(rt)) == 1


def instance_of_case(rt, case: CollectiveCase) -> str:
    from runtime.store.models import ProcessInstance
    with rt.db.reader() as session:
        return session.scalar(select(ProcessInstance.business_key).where(ProcessInstance.id == case.instance_id))


def test_the_case_page_is_for_the_roles_that_oversee(rt, client):
    for leak in LEAKS:
        accept(client, **SITE, **leak)
    [case] = cases(rt)
    assert client.get(f"/collective/{case.id}").status_code == 403  # the front desk
    login(client, "zhou")
    assert client.get(f"/collective/{case.id}").status_code == 200
    assert client.get("/collective/999").status_code == 404


def test_two_complaints_of_one_customer_make_no_collective_case(rt, client):
    accept(client, **SITE, **LEAKS[0])
    accept(client, **SITE, **{**LEAKS[1], "customer_phone": "139-0000-0001", "customer_unit": "5栋301"})
    accept(client, **SITE, **LEAKS[2])
    assert cases(rt) == []  # three complaints, two customers


def test_the_same_category_groups_different_texts_but_another_site_does_not_count(rt, client):
    for i, text in enumerate(["电梯故障，被困十分钟", "电梯又坏了，一直停在5楼", "停水一整天没有通知"]):
        accept(client, location="7栋", category="facilities", customer_phone=f"1360000000{i}",
               customer_unit=f"7栋{i}01", description=text)
    [case] = cases(rt)
    assert case.reason["by"] == "category" and case.site == "7栋"
    accept(client, location="8栋", category="facilities", customer_phone="13600000009", customer_unit="8栋101",
           description="电梯故障")
    assert len(cases(rt)) == 1


@pytest.mark.parametrize("text, named", [
    ("[repeat]\nwindow_days = 0\n[collective]\nwindow_hours = 48\nmin_customers = 3\nsimilarity = 50\n"
     "max_compared = 200\n", "[repeat] window_days"),
    ("[repeat]\nwindow_days = 30\n[collective]\nwindow_hours = 48\nmin_customers = \"three\"\nsimilarity = 50\n"
     "max_compared = 200\n", "[collective] min_customers"),
    ("[repeat]\nwindow_days = 30\n[collective]\nwindow_hours = 48\nmin_customers = 3\nsimilarity = 150\n"
     "max_compared = 200\n", "[collective] similarity"),
    ("[repeat]\nwindow_days = 30\n", "[collective] window_hours is missing"),
    ("[repeat\n", "not valid TOML"),
])
def test_a_settings_file_with_bad_values_is_refused_naming_the_key(text, named):
    with pytest.raises(ConfigurationError) as refused:
        parse(text, "prevention.toml")
    assert named in str(refused.value) and "prevention.toml" in str(refused.value)


def owned_processes(rt, tmp_path, prevention: str | None = None):
    """The bundled processes in a folder of the test's own, the runtime reading its settings there."""
    import shutil
    from runtime.config import PROJECT_ROOT
    owned = tmp_path / "processes"
    shutil.copytree(PROJECT_ROOT / "processes", owned)
    if prevention is not None:
        (owned / "prevention.toml").write_text(prevention, encoding="utf-8")
    rt.settings = replace(rt.settings, processes_dir=owned)
    return owned


def test_intake_refuses_clearly_while_the_settings_never_were_right_and_keeps_nothing(rt, client, tmp_path):
    owned_processes(rt, tmp_path, "[repeat]\nwindow_days = -1\n")
    response = client.post("/complaints/new", data={**INTAKE, "csrf_token": csrf(client, "/complaints/new")})
    assert response.status_code == 503 and "[repeat] window_days must be a whole number" in response.get_data(
        as_text=True)
    with rt.db.reader() as session:
        from runtime.store.models import ProcessInstance
        assert session.scalar(select(ProcessInstance.id)) is None  # refused whole: no complaint half kept


def test_a_file_that_turns_bad_keeps_the_last_good_settings_and_says_what_is_wrong(rt, client, tmp_path):
    owned = owned_processes(rt, tmp_path)
    bundled = (owned / "prevention.toml").read_text(encoding="utf-8")
    (owned / "prevention.toml").write_text(bundled.replace("window_days = 30", "window_days = 2"), encoding="utf-8")
    first = accept(client)
    assert load(owned).repeat_window_days == 2  # an edit takes effect at the next intake
    (owned / "prevention.toml").write_text(bundled.replace("window_days = 30", "window_days = 30天"),
                                           encoding="utf-8")
    clock.advance(timedelta(days=3))
    later = accept(client, description="又在施工")  # accepted all the same (100% acceptance)
    assert linked(client, later) == "" and f"/complaints/{first}" not in linked(client, later)  # 2 days still
    assert "not valid TOML" in (load_error(owned) or "")


def test_the_receiver_of_the_third_complaint_is_not_recorded_as_acting_on_the_others(rt, client):
    """Opening the case writes to the earlier complaints' case files, but as the system (naming whose intake
    found them): an entry of the receiver's own would count as acting on other customers' complaints, which
    keeps them readable to the receiver after the front desk's steps on them are done (visibility rule)."""
    first = [accept(client, **SITE, **leak) for leak in LEAKS[:2]]
    login(client, "zhang")
    accept(client, **SITE, **LEAKS[2])
    assert len(cases(rt)) == 1
    from runtime.store.models import AuditEvent
    with rt.db.reader() as session:
        joined = session.execute(select(AuditEvent.business_key, AuditEvent.actor, AuditEvent.details)
                                 .where(AuditEvent.action == "collective_joined")).all()
        acted = session.scalars(select(AuditEvent.business_key).where(AuditEvent.actor == "zhang")).all()
    assert sorted(key for key, _, _ in joined if key in first) == sorted(first)
    assert {(actor, details["by"]) for key, actor, details in joined} == {("system", "zhang")}
    assert not set(first) & set(acted)


def test_without_the_case_process_deployed_the_case_is_kept_and_every_complaint_accepted(rt, web, tmp_path):
    """A package deployed without complaint_collective.bpmn: the third customer's complaint is still accepted
    (100% acceptance), the case is kept with its alerts, only its plan-and-reply process is missing."""
    import shutil
    from runtime.config import PROJECT_ROOT
    from runtime.services.deployment import deploy
    from runtime.store.packages import read_directory
    from runtime.store.models import ProcessInstance
    clock.freeze(MONDAY)
    client = web(PEOPLE, processes=False)
    package = tmp_path / "processes"
    shutil.copytree(PROJECT_ROOT / "processes", package)
    (package / "complaint_collective.bpmn").unlink()
    deploy(rt, read_directory(package), "tester", "processes/")
    login(client, "wang")
    numbers = [accept(client, **SITE, **leak) for leak in LEAKS]
    [case] = cases(rt)
    assert case.instance_id is None and [len(notified(rt, who)) for who in ("sun", "zhou")] == [1, 1]
    with rt.db.reader() as session:
        statuses = dict(session.execute(select(ProcessInstance.business_key, ProcessInstance.status)).all())
    assert [statuses[n] for n in numbers] == ["running"] * 3
