"""The event-log export for process mining: complaints driven end to end through the API on a moved
clock, exported as XES, read back with pm4py (the tool a quality analyst would use); its traces,
events and discovered main path are what happened. Hostile names and comments still give valid XML;
bad ranges are a 400 naming the parameter; only administrators and the quality department export."""
from __future__ import annotations

import itertools

from datetime import datetime, timedelta, UTC

import warnings

import pytest
from lxml import etree

from runtime import clock
from runtime.services.api_tokens import create_token
from runtime.services.users import create_user
from tests.conftest import ADMIN
from tests.helpers import INTAKE, closing_review, login

MONDAY = datetime(2026, 11, 9, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
PEOPLE = {"wang": ["front_desk"], "li": (["department"], "engineering"), "sun": ["site_manager"],
          "root": ["admin"], "qa": ["quality"]}
HOSTILE = 'bad<&">\x01\x0b\x1f name'
MAIN_PATH = ["确认有效性并派单", "24小时内答复客户", "部门调查处理", "回访客户", "确认关闭"]


@pytest.fixture
def api(rt, web):
    clock.freeze(MONDAY)
    client = web(PEOPLE)
    create_user(rt, HOSTILE, None, ["front_desk"])
    tokens = {name: create_token(rt, ADMIN, name, "tests") for name in [*PEOPLE, HOSTILE]}

    def call(method, path, who="wang", **kwargs):
        return client.open(f"/api/v1{path}", method=method, headers={"Authorization": f"Bearer {tokens[who]}"},
                           **kwargs)
    call.client = client
    return call


def complete(api, number: str, name: str, who: str, **data) -> None:
    tasks = api("GET", f"/complaints/{number}", who).get_json()["tasks"]
    found = next(t["id"] for t in tasks if t["name"] == name)
    response = api("POST", f"/tasks/{found}/complete", who, json=data)
    assert response.status_code == 200, response.get_json()


CUSTOMERS = itertools.count(1)


def closed_complaint(api, who: str = "wang") -> str:
    """A normal complaint accepted, dispatched, replied to, handled, called back and closed, an hour a step;
    each from a customer of its own (the same caller again would be a repeat, and major)."""
    customer = next(CUSTOMERS)
    intake = {**INTAKE, "customer_phone": f"1390000{customer:04d}", "customer_unit": f"{customer}室",
              "location": f"{customer}栋"}  # three at one site would open a collective case
    number = api("POST", "/complaints", who, json=intake).get_json()["number"]
    steps = [("triage", who, {"validity": "valid", "department": "engineering"}),
             ("first_reply", who, {"reply_summary": "已电话答复客户，明日上门查看"}),
             ("handle", "li", {"investigation": "楼上住户夜间装修，已现场核实", "handling_result": "已责令施工方停工",
                               "root_cause": "装修管理规定未告知到位"}),
             ("callback", who, {"satisfaction": "satisfied", "callback_channel": "phone", "callback_note": "客户满意"}),
             ("confirm", "sun", None)]
    for name, by, data in steps:
        clock.advance(timedelta(hours=1))
        complete(api, number, name, by, **(data if data is not None else closing_review()))  # due today, then
    return number


def export(api, who: str = "qa", query: str = "from=2026-11-09&to=2026-11-10"):
    return api("GET", f"/event-log?{query}", who)


def read_xes(tmp_path, body: bytes):
    import pm4py  # slow to import, and prints a banner: only here
    path = tmp_path / "log.xes"
    path.write_bytes(body)
    with warnings.catch_warnings():  # pm4py suggests an optional faster reader; its plain one is the one meant
        warnings.filterwarnings("ignore", "Install the optional requirement", UserWarning)
        return pm4py, pm4py.read_xes(str(path))


def test_the_export_reads_back_as_one_trace_per_complaint_with_the_main_path_in_order(rt, api, tmp_path):
    numbers = [closed_complaint(api) for _ in range(3)]
    response = export(api)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=complaintflow-2026-11-09-2026-11-10.xes"
    pm4py, log = read_xes(tmp_path, response.get_data())
    assert sorted(log["case:concept:name"].unique()) == sorted(numbers)
    done = log[log["lifecycle:transition"] == "complete"]
    for number in numbers:
        steps = list(done[done["case:concept:name"] == number]["concept:name"])
        assert steps == ["受理投诉", *MAIN_PATH]  # accepted, then each step by its title (not its code)
    first = log[log["case:concept:name"] == numbers[0]].iloc[1]
    assert (first["org:resource"], first["org:role"], first["time:timestamp"]) == (
        "wang", "front_desk", MONDAY + timedelta(hours=1))  # dispatched an hour after it was accepted
    assert b'value="2026-11-09T10:00:00.000+08:00"' in response.get_data()  # written with the Shanghai offset
    dfg, starts, ends = pm4py.discover_dfg(done)
    assert starts == {"受理投诉": 3} and ends == {"确认关闭": 3}
    path = ["受理投诉", *MAIN_PATH]
    assert all(dfg[(a, b)] == 3 for a, b in zip(path, path[1:], strict=False))


def test_hostile_names_and_comments_still_give_valid_xml(rt, api, tmp_path):
    number = closed_complaint(api, who=HOSTILE)
    comment = 'see <script>alert("x")</script> & ]]> \x00\x07\x1b\ud7ff end'
    assert api("POST", f"/complaints/{number}/comments", HOSTILE, json={"text": comment}).status_code == 201
    body = export(api).get_data()
    tree = etree.fromstring(body)  # well-formed, or this raises
    values = [e.get("value") for e in tree.iter("{http://www.xes-standard.org/}string")]
    assert HOSTILE.replace("\x01", "\ufffd").replace("\x0b", "\ufffd").replace("\x1f", "\ufffd") in values
    assert any(v.startswith("see <script>alert(\"x\")</script> & ]]>") for v in values if v)
    pm4py, log = read_xes(tmp_path, body)
    assert "备注" in set(log["concept:name"]) and len(log["case:concept:name"].unique()) == 1


def test_only_the_quality_department_and_administrators_export(rt, api):
    closed_complaint(api)
    assert export(api, "root").status_code == 200
    for who, query in (("wang", "from=2026-11-09&to=2026-11-10"), ("li", "from=junk"), ("sun", "")):
        response = export(api, who, query)  # refused before its parameters are looked at
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "permission_denied"
    login(api.client, "qa")
    page = api.client.get("/admin/event-log.xes?from=2026-11-09&to=2026-11-09")
    assert page.status_code == 200 and b"<trace>" in page.get_data()
    login(api.client, "wang")
    assert api.client.get("/admin/event-log.xes?from=2026-11-09&to=2026-11-09").status_code == 403


@pytest.mark.parametrize("query, parameter", [
    ("to=2026-11-10", "from"), ("from=2026-11-09", "to"), ("from=09.11.2026&to=2026-11-10", "from"),
    ("from=2026-11-09&to=2026-11-31", "to"), ("from=2026-11-10&to=2026-11-09", "to"),
    ("from=2025-01-01&to=2026-11-10", "to"), ("from=0001-01-01&to=0001-01-01", "from"),
    ("from=9999-12-31&to=9999-12-31", "from")])
def test_bad_ranges_are_a_400_naming_the_parameter(rt, api, query, parameter):
    response = export(api, "root", query)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"].keys() == {parameter}


def test_a_range_without_events_is_an_empty_log(rt, api, tmp_path):
    closed_complaint(api)
    body = export(api, query="from=2026-10-01&to=2026-10-31").get_data()
    assert etree.fromstring(body).find("{http://www.xes-standard.org/}trace") is None
