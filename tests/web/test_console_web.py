"""The console through the web app: who may open which page, the instance page's diagram data and
repairs, the dashboard, the processes pages and the modeler's deploy endpoint with its problems."""
from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from runtime import services
from runtime.config import PROJECT_ROOT
from runtime.read import dashboard
from runtime.services.deployment import deploy
from runtime.services.users import get_actor
from runtime.store.packages import read_directory
from tests.helpers import INTAKE, audit, instance, task
from tests.helpers import csrf, signed_in


@pytest.fixture
def site(rt, web):
    client = web({"root": ["admin"], "po": ["process_owner"], "wang": ["front_desk"]})
    return client, services.start_instance(rt, get_actor(rt, "wang"), "complaint", INTAKE).business_key


def test_each_console_page_is_for_its_roles_only(site):
    client, key = site
    signed_in(client, "wang")
    for path in ("/admin/", f"/admin/instances/{key}", "/processes/", "/processes/complaint/v1",
                 "/processes/complaint/edit", "/processes/complaint/v1.zip", "/admin/packages/1/files/complaint.bpmn"):
        assert client.get(path).status_code == 403, path
    token = csrf(client, "/")
    assert client.post(f"/admin/instances/{key}/suspend", data={"reason": "x", "csrf_token": token}).status_code == 302
    assert instance(site[0].application.extensions["complaintflow"], key).status != "suspended"
    signed_in(client, "po")
    assert client.get("/processes/").status_code == 200 and client.get("/admin/").status_code == 403
    signed_in(client, "root")
    assert client.get("/admin/").status_code == 200 and client.get("/processes/").status_code == 200


def test_the_instance_page_marks_the_active_task_and_repairs_need_a_reason(site, rt):
    client, key = signed_in(site[0], "root"), site[1]
    page = client.get(f"/admin/instances/{key}").get_data(as_text=True)
    states = json.loads(re.search(r'data-states="([^"]+)"', page).group(1).replace("&#34;", '"'))
    assert states["triage"] == "active" and states["accept"] == "completed"
    assert "138****1234" in page and "13812341234" not in page  # admins see contact data masked
    token = csrf(client, f"/admin/instances/{key}")
    client.post(f"/admin/instances/{key}/suspend", data={"reason": " ", "csrf_token": token})
    assert instance(rt, key).status == "running"
    followed = client.post(f"/admin/instances/{key}/suspend", data={"reason": "customer asked to wait",
                                                                   "csrf_token": token}, follow_redirects=True)
    assert instance(rt, key).status == "suspended" and followed.status_code == 200
    assert [e.details["reason"] for e in audit(rt, key) if e.action == "suspended"] == ["customer asked to wait"]
    bad = client.post(f"/admin/instances/{key}/move", data={"reason": "x", "target": "handle", "data": "{not json",
                                                             "csrf_token": token}, follow_redirects=True)
    assert "数据不是有效的 JSON" in bad.get_data(as_text=True)


def test_the_dashboard_counts_open_complaints_and_draws_where_they_wait(site, rt):
    client = signed_in(site[0], "root")
    page = client.get("/admin/").get_data(as_text=True)
    heat = [json.loads(m.replace("&#34;", '"')) for m in re.findall(r'data-heat="([^"]+)"', page)]
    assert {"triage": 1} in heat
    assert re.search(r"<span>[^<]+</span><strong>1</strong>", page)  # one open complaint


def test_process_owners_see_versions_download_and_diff(site, rt):
    client = signed_in(site[0], "po")
    listing = client.get("/processes/").get_data(as_text=True)
    assert "complaint_normal" in listing and "v1" in listing
    zipped = zipfile.ZipFile(io.BytesIO(client.get("/processes/complaint/v1.zip").data))
    assert "complaint.bpmn" in zipped.namelist() and "forms/" not in "".join(zipped.namelist())
    xml = (PROJECT_ROOT / "processes" / "complaint_normal.bpmn").read_text().replace("working_days(3)",
                                                                                     "working_days(5)")
    token = csrf(client, "/processes/complaint/edit")
    answer = client.post("/processes/complaint_normal/deploy", json={"file": "complaint_normal.bpmn", "xml": xml,
                         "package_id": 1}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and answer.json["versions"]["complaint_normal"] == 2
    diff = client.get("/processes/complaint_normal/diff?from=1&to=2").get_data(as_text=True)
    assert "handle_late" in diff and "working_days(3)" in diff and "working_days(5)" in diff
    assert "reply_late" not in diff


def test_a_broken_diagram_from_the_modeler_is_refused_with_each_problem_at_its_element(site, rt):
    client = signed_in(site[0], "po")
    xml = (PROJECT_ROOT / "processes" / "complaint_normal.bpmn").read_text()
    broken = xml.replace("working_days(3)", "__import__('os').system('id')").replace(
        "<bpmn:conditionExpression>coordination_needed", "<bpmn:conditionExpression>coordination_needed ==")
    token = csrf(client, "/processes/complaint/edit")
    answer = client.post("/processes/complaint_normal/deploy", json={"file": "complaint_normal.bpmn", "xml": broken,
                         "package_id": 1}, headers={"X-CSRFToken": token})
    assert answer.status_code == 400
    where = {p["element_id"] for p in answer.json["problems"]}
    assert where == {"handle_late", "f_multi"}, answer.json  # the escaping timer and the broken condition
    assert all(p["file"] == "complaint_normal.bpmn" and p["message"] for p in answer.json["problems"])
    assert "complaint_normal v2" not in client.get("/processes/").get_data(as_text=True)
    assert client.post("/processes/complaint_normal/deploy", json={"file": "x.bpmn", "xml": xml, "package_id": 1}
                       ).status_code == 400  # no CSRF token
    hostile = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    refused = client.post("/processes/complaint_normal/deploy", json={"file": "complaint_normal.bpmn", "xml": hostile,
                          "package_id": 1}, headers={"X-CSRFToken": token})
    assert refused.status_code == 400 and "DOCTYPE" in refused.json["problems"][0]["message"]


def test_an_upload_with_a_bad_file_lists_its_problems_and_deploys_nothing(site, rt):
    client = signed_in(site[0], "po")
    token = csrf(client, "/processes/")
    bad = client.post("/processes/upload", data={"csrf_token": token, "process_id": "complaint",
                                                  "files": (io.BytesIO(b"<bpmn:definitions"), "complaint.bpmn")},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "not well-formed XML" in bad.get_data(as_text=True)
    listing = client.get("/processes/").get_data(as_text=True)
    assert 'href="/processes/complaint/v1"' in listing  # the version link, not any "v2" (a CSRF token may hold one)
    assert 'href="/processes/complaint/v2"' not in listing


def test_a_batch_from_the_instance_list_acts_on_what_the_filter_shows(site, rt):
    client, key = signed_in(site[0], "root"), site[1]
    other = services.start_instance(rt, get_actor(rt, "wang"), "complaint", {**INTAKE,
                                                                             "category": "parking"}).business_key
    token = csrf(client, "/admin/instances")
    page = client.post("/admin/instances/batch?text=parking", data={"csrf_token": token, "action": "suspend",
                       "reason": "parking contractor on strike"}, follow_redirects=True).get_data(as_text=True)
    assert instance(rt, other).status == "suspended" and instance(rt, key).status == "running"
    assert "1 个完成，0 个无法执行" in page  # the outcome of the batch, as the admin reads it
    refused = client.post("/admin/instances/batch", data={"csrf_token": token, "action": "suspend", "reason": ""})
    assert refused.status_code == 400 and instance(rt, key).status == "running"


def test_the_open_steps_data_is_a_table_of_the_forms_labels_and_choice_names(site):
    client, key = signed_in(site[0], "root"), site[1]
    page = client.get(f"/admin/instances/{key}").get_data(as_text=True)
    steps = page[page.index('class="card steps"'):page.index("</section>", page.index('class="card steps"'))]
    assert '<dl class="record step-data">' in steps and "<pre>" not in steps and "\\u" not in steps
    assert "<dt>投诉类别</dt>" in steps
    assert "噪音" in steps and "noise" not in steps and "customer_phone" not in steps
    assert "138****1234" in steps and "楼上装修噪音" in steps


def test_the_heatmap_counts_the_instances_of_every_running_version(site, rt):
    client = signed_in(site[0], "root")
    files = read_directory(PROJECT_ROOT / "processes")
    files["complaint.bpmn"] = files["complaint.bpmn"].replace('name="投诉处理"'.encode(), 'name="投诉受理"'.encode())
    assert deploy(rt, files, "tester", "processes/ (renamed)").definitions["complaint"] == 2
    newer = services.start_instance(rt, get_actor(rt, "wang"), "complaint", INTAKE).business_key
    assert instance(rt, newer).definition_id != instance(rt, site[1]).definition_id
    page = client.get("/admin/?process=complaint").get_data(as_text=True)
    heat = [json.loads(m.replace("&#34;", '"')) for m in re.findall(r'data-heat="([^"]+)"', page)]
    assert {"triage": 2} in heat  # the v1 complaint and the v2 one, both drawn on the newest diagram


def test_a_complaint_migrated_from_the_console_counts_on_its_new_version(site, rt):
    """The process owner moves a v1 complaint to v2 on the migrate page: the dashboard still draws both
    complaints at triage, and each version's heat counts the complaints now on it."""
    client, key = site
    v1 = deploy(rt, read_directory(PROJECT_ROOT / "processes"), "tester", "processes/").package_id
    files = read_directory(PROJECT_ROOT / "processes")
    files["complaint.bpmn"] = files["complaint.bpmn"].replace('name="投诉处理"'.encode(), 'name="投诉受理"'.encode())
    v2 = deploy(rt, files, "tester", "processes/ (renamed)").package_id
    services.start_instance(rt, get_actor(rt, "wang"), "complaint", INTAKE)
    admin = get_actor(rt, "root")
    assert (dashboard.heat(rt, admin, v1).waiting, dashboard.heat(rt, admin, v2).waiting) == ({"triage": 1},
                                                                                              {"triage": 1})
    signed_in(client, "po")
    path = "/processes/complaint/migrate?from=1&to=2"
    assert key in client.get(path).get_data(as_text=True)
    moved = client.post(path, data={"number": key, "reason": "新的名称", "csrf_token": csrf(client, path)},
                        follow_redirects=True)
    assert moved.status_code == 200 and "已将 1 个实例迁移到版本 2" in moved.get_data(as_text=True)
    assert (dashboard.heat(rt, admin, v1).waiting, dashboard.heat(rt, admin, v2).waiting) == ({}, {"triage": 2})
    page = signed_in(client, "root").get("/admin/?process=complaint").get_data(as_text=True)
    heat = [json.loads(m.replace("&#34;", '"')) for m in re.findall(r'data-heat="([^"]+)"', page)]
    assert {"triage": 2} in heat


def test_the_move_targets_are_grouped_by_the_instances_own_diagrams(site, rt):
    client, key = signed_in(site[0], "root"), site[1]
    wang = get_actor(rt, "wang")
    services.complete_task(rt, wang, task(rt, key, "triage").id, {"validity": "valid", "department": "engineering"})
    page = client.get(f"/admin/instances/{key}").get_data(as_text=True)
    select = page[page.index('<select name="target">'):page.index("</select>", page.index('<select name="target">'))]
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups[0] == "投诉处理" and "一般投诉处理" in groups and "危机事件处理" not in groups
    assert '<option value="triage">确认有效性并派单</option>' in select and 'value="form_team"' not in select
    assert "(triage)" not in select  # names, not ids


def test_the_audit_log_and_the_timers_read_in_words(site, rt):
    client, key = signed_in(site[0], "root"), site[1]
    page = client.get(f"/admin/instances/{key}").get_data(as_text=True)
    log = re.sub(r"<[^>]+>", " ", page[page.index('class="timeline"'):])
    assert "wang · 受理投诉" in log  # who accepted it, in words
    for code in ("task_completed", "started", "accept", "timers_fired"):
        assert f" {code}" not in log, code
    timers = re.findall(r"<li>([^<]*\((?:[^)]*)\)):", page)
    assert not any(re.search(r"[a-z]+_[a-z]+|duration|cycle", t) for t in timers), timers
