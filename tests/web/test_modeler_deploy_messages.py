"""A refused deploy from the modeler tells the process owner each common problem in Chinese, beside its
element (web/deploy_messages.py rewords the runtime's English checks pattern by pattern)."""
from __future__ import annotations

import re

import pytest

from runtime.config import PROJECT_ROOT
from tests.helpers import csrf, signed_in

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def owner(web):
    return signed_in(web({"po": ["process_owner"]}), "po")


def refused(client, xml: str) -> dict[str | None, str]:
    token = csrf(client, "/processes/complaint_normal/edit")
    answer = client.post("/processes/complaint_normal/deploy", json={"file": "complaint_normal.bpmn", "xml": xml,
                         "package_id": 1}, headers={"X-CSRFToken": token})
    assert answer.status_code == 400, answer.json
    return {p["element_id"]: p["message"] for p in answer.json["problems"]}


def test_the_common_deploy_problems_are_told_in_chinese_at_their_element(owner):
    xml = (PROJECT_ROOT / "processes" / "complaint_normal.bpmn").read_text()
    broken = (xml.replace("<bpmn:conditionExpression>coordination_needed", "<bpmn:conditionExpression>guess(x)")
              .replace('name="客服前台"', 'name="客服"')
              .replace('value="coordinate.schema.json"', 'value="missing.schema.json"')
              .replace("hours_after(accepted_at, 24)", "PT24H")
              .replace("<bpmn:flowNodeRef>first_reply</bpmn:flowNodeRef>", ""))
    problems = refused(owner, broken)
    assert problems["f_multi"] == "条件调用了“guess”，这不是流程图允许使用的函数。"
    assert problems["lane_front_desk"].startswith("泳道“客服”不是已知角色")
    assert problems["coordinate"] == "表单文件“missing.schema.json”不在本次部署中。"
    assert problems["reply_late"].startswith("定时器表达式 PT24H 必须加引号")
    assert problems["first_reply"] == "此用户任务不在任何泳道中，没有角色能认领它。"
    assert all(CJK.search(message) for message in problems.values()), problems


def test_a_diagram_that_is_not_well_formed_xml_is_told_in_chinese(owner):
    [message] = refused(owner, "<bpmn:definitions>").values()
    assert message.startswith("文件不是格式正确的 XML：")
