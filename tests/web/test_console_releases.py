"""The console's side of versions: a version brought back from its page (with a reason, owners only),
and a modeler save over a version deployed since it was opened shows what differs and waits for a yes."""
from __future__ import annotations

from runtime.actors import Actor
from runtime.read import definitions
from runtime.services.deployment import deploy
from runtime.store.packages import read_directory
from tests.conftest import ROOT_DIR
from tests.helpers import csrf, login

OWNER = Actor("gu", frozenset({"process_owner"}))


def _current(rt, process_id: str) -> int:
    [process] = [p for p in definitions.catalogue(rt, OWNER) if p.process_id == process_id]
    return process.current.version


def test_the_console_brings_a_version_back_and_asks_before_replacing_a_newer_one(rt, web):
    client = web({"gu": ["process_owner"], "wang": ["front_desk"]})
    login(client, "gu")
    opened = definitions.version(rt, OWNER, "complaint")  # the modeler opened on this version
    bundled = read_directory(ROOT_DIR / "processes")
    edited = dict(bundled)
    edited["complaint_normal.bpmn"] = bundled["complaint_normal.bpmn"].replace("24小时未答复".encode(),
                                                                               "24小时未答复（改）".encode())
    deploy(rt, edited, "cli", "processes/")  # meanwhile, from the folder
    xml = bundled["complaint_normal.bpmn"].replace("开始处理".encode(), "开始处理（模型器）".encode()).decode()
    body = {"file": "complaint_normal.bpmn", "package_id": opened.package_id, "xml": xml}
    headers = {"X-CSRFToken": csrf(client, "/processes/")}
    asked = client.post("/processes/complaint/deploy", json=body, headers=headers)
    drift = asked.get_json()["drift"]
    assert asked.status_code == 409 and drift["files"] == ["complaint_normal.bpmn"]
    assert "cli" in drift["message"] and "complaint v2" in drift["message"] and "仍要部署" in drift["message"]
    assert _current(rt, "complaint") == 2  # nothing deployed
    confirmed = client.post("/processes/complaint/deploy", json={**body, "force": True}, headers=headers)
    assert confirmed.status_code == 200 and confirmed.get_json()["versions"]["complaint"] == 3

    page = client.get("/processes/complaint/v1").get_data(as_text=True)
    assert "让新投诉重新从此版本开始" in page
    token = csrf(client, "/processes/complaint/v1")
    assert "请说明" in client.post("/processes/complaint/v1/release", data={"csrf_token": token, "reason": ""},
                                   follow_redirects=True).get_data(as_text=True)
    done = client.post("/processes/complaint/v1/release", data={"csrf_token": token, "reason": "第2、3版有误"},
                       follow_redirects=True).get_data(as_text=True)
    assert "新投诉从现在起从第 1 版开始" in done and _current(rt, "complaint") == 1
    listing = client.get("/processes/").get_data(as_text=True)
    assert listing.count("新投诉从此开始") == 7  # each process's version 1 (one package)
    login(other := web({}, processes=False), "wang")
    refused = other.post("/processes/complaint/v2/release", data={"csrf_token": csrf(other, "/"), "reason": "x"})
    assert refused.status_code == 403 and _current(rt, "complaint") == 1
