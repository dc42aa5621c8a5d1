"""The process owners' modeler in a real browser: it opens readable (zoom 1, the lane labels clear of
the palette, the properties panel beside the canvas or below it on a narrow screen) and in Chinese; the
properties panel changes a task's form and a lane's name, and the deployed file has them; a rejected
deploy shows its problem in Chinese at the element, which stays editable, and the fixed diagram deploys
without reloading the page."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from runtime.config import PROJECT_ROOT
from runtime.services.deployment import deploy as deploy_files
from runtime.services.users import create_user
from runtime.store.packages import read_directory
from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_console_browser import find_in_modeler


@pytest.fixture
def owner(rt, live):
    create_user(rt, "po", "password-123", ["process_owner"])
    return live


def open_modeler(page, base: str, process_id: str = "complaint_normal"):
    sign_in(page, base, "po")
    page.goto(f"{base}/processes/{process_id}/edit")
    page.locator('#modeler[data-ready="1"]').wait_for()
    return page


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not drawn"
    return found


def overlaps(a: dict, b: dict) -> bool:
    return a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"] and \
        a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


def inside(inner: dict, outer: dict) -> bool:
    return outer["x"] <= inner["x"] and inner["x"] + inner["width"] <= outer["x"] + outer["width"] and \
        outer["y"] <= inner["y"] and inner["y"] + inner["height"] <= outer["y"] + outer["height"]


def zoom(page) -> float:
    """The canvas's scale, read from the transform bpmn-js puts on its viewport layer."""
    transform = page.locator("#canvas svg g.viewport").first.get_attribute("transform") or ""
    found = re.match(r"matrix\(([-\d.e]+)", transform)
    return float(found.group(1)) if found else 1.0


def label(page, element_id: str):
    return page.locator(f'.djs-element[data-element-id="{element_id}"] .djs-visual text').first


def deploy(page, expected: str):
    page.locator("#save").click()
    expect(page.locator("#save-status")).to_contain_text(expected)


def test_the_modeler_opens_readable_at_the_start_with_the_lane_labels_clear_and_its_texts_in_chinese(owner, new_page):
    page = new_page(1280, 860)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.location["url"]
            else None)  # the site has no icon: the browser's own request for one is not the modeler's
    open_modeler(page, owner)
    screenshot(page, "modeler-open")
    assert errors == []
    assert zoom(page) >= 0.75
    canvas, palette = box(page.locator("#canvas")), box(page.locator(".djs-palette"))
    for lane in ("lane_front_desk", "lane_department"):
        lane_label = box(label(page, lane))
        assert inside(lane_label, canvas) and not overlaps(lane_label, palette), lane
    start = box(page.locator('.djs-element[data-element-id="start"]').first)
    assert inside(start, canvas) and not overlaps(start, palette)
    assert box(label(page, "first_reply"))["height"] >= 10  # a task's name at a readable size
    panel = box(page.locator("#properties"))
    assert panel["x"] >= canvas["x"] + canvas["width"]  # beside the canvas, not over it
    expect(page.locator("#version-number")).to_have_text("1")
    expect(page.locator("#version")).to_contain_text("complaint_normal")
    expect(page.locator("#version-by")).not_to_be_empty()
    expect(page.locator(".djs-palette").get_by_label("创建任务", exact=True)).to_have_count(1)
    find_in_modeler(page, "first_reply")
    titles = page.locator(".bio-properties-panel-group-header-title")
    expect(titles.filter(has_text="常规")).to_have_count(1)
    expect(titles.filter(has_text="投诉处理")).to_have_count(1)
    expect(page.locator(".bio-properties-panel-header-type")).to_have_text("用户任务")
    find_in_modeler(page, "handle_late")
    expect(page.locator("#bio-properties-panel-cf-slaRule")).to_have_value("handle_3_working_days")
    expect(page.locator("#bio-properties-panel-timerEventDefinitionType")).to_have_value("timeDuration")


def test_in_english_the_modeler_and_its_deploy_problems_are_english(owner, new_page):
    page = open_modeler(new_page(1280, 860), owner)
    page.select_option("#lang-select", "en")
    page.locator("form.lang button[type=submit]").click()
    page.locator('html[lang="en"] #modeler[data-ready="1"]').wait_for()
    expect(page.locator(".djs-palette").get_by_label("Create task", exact=True)).to_have_count(1)
    find_in_modeler(page, "f_multi")
    expect(page.locator(".bio-properties-panel-group-header-title", has_text="General")).to_have_count(1)
    page.locator("#bio-properties-panel-cf-conditionExpression").fill("guess(x)")
    page.locator("#save").click()
    expect(page.locator(".cf-problem")).to_have_text("The condition calls “guess”, which is not a function diagrams "
                                                     "may use.")


def test_on_a_narrow_screen_the_properties_panel_goes_below_the_canvas(owner, new_page):
    page = open_modeler(new_page(700, 900), owner)
    canvas, panel = box(page.locator("#canvas")), box(page.locator("#properties"))
    assert panel["y"] >= canvas["y"] + canvas["height"]


def test_the_properties_panel_changes_a_form_and_a_lane_and_the_new_version_has_them(owner, new_page, tmp_path):
    page = open_modeler(new_page(1280, 860), owner)
    find_in_modeler(page, "first_reply")
    form = page.locator("#bio-properties-panel-cf-form")
    expect(form).to_have_value("first_reply.schema.json")
    assert "ack.schema.json" in form.locator("option").all_inner_texts()
    form.select_option("ack.schema.json")
    expect(page.locator("#bio-properties-panel-cf-assigneeVariable")).to_have_value("owner")
    find_in_modeler(page, "lane_front_desk")
    page.locator("#bio-properties-panel-name").fill("Front desk")
    deploy(page, "complaint_normal v2")
    expect(page.locator("#version-number")).to_have_text("2")
    versions = page.context.new_page()
    versions.goto(f"{owner}/processes/complaint_normal/v2")
    with versions.expect_download() as download:
        versions.get_by_role("link", name="complaint_normal.bpmn", exact=True).click()
    saved = tmp_path / "complaint_normal.bpmn"
    download.value.save_as(saved)
    xml = saved.read_text(encoding="utf-8")
    assert re.search(r'<bpmn:userTask id="first_reply"[^>]*>\s*<bpmn:extensionElements>\s*<spiffworkflow:properties>'
                     r'\s*<spiffworkflow:property name="formJsonSchemaFilename" value="ack.schema.json" />', xml)
    assert '<bpmn:lane id="lane_front_desk" name="Front desk">' in xml
    assert 'name="slaRule" value="handle_3_working_days"' in xml  # the properties the panel did not touch stay


def open_file(page, base: str, name: str) -> str:
    package = page.locator("#modeler").get_attribute("data-package")
    return page.request.get(f"{base}/admin/packages/{package}/files/{name}").text()


def test_a_rejected_deploy_shows_the_problem_in_chinese_at_its_element_and_the_fix_deploys_without_reload(
        owner, new_page):
    page = open_modeler(new_page(1280, 860), owner)
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    find_in_modeler(page, "f_multi")
    condition = page.locator("#bio-properties-panel-cf-conditionExpression")
    expect(condition).to_have_value("coordination_needed")
    condition.fill("needs_coordination(department)")
    page.locator("#save").click()
    note = page.locator('.djs-overlays[data-container-id="f_multi"] .cf-problem')
    expect(note).to_have_text("条件调用了“needs_coordination”，这不是流程图允许使用的函数。")
    expect(page.locator("#problems")).to_contain_text("f_multi")
    expect(page.locator("#save-status")).to_contain_text("未部署")
    expect(page.locator("#version-number")).to_have_text("1")
    screenshot(page, "modeler-rejected")
    find_in_modeler(page, "start")  # away and back: the element can be chosen again, by its note or the list
    note.click()
    expect(page.locator("#bio-properties-panel-id")).to_have_value("f_multi")
    find_in_modeler(page, "start")
    page.locator("#problems button", has_text="f_multi").click()
    expect(page.locator("#bio-properties-panel-id")).to_have_value("f_multi")
    condition.fill("coordination_needed and department != ''")
    deploy(page, "complaint_normal v2")
    expect(page.locator(".cf-problem")).to_have_count(0)
    expect(page.locator("#version-number")).to_have_text("2")
    assert loads == []
    assert "coordination_needed and department != &apos;&apos;" in open_file(page, owner, "complaint_normal.bpmn") \
        or "coordination_needed and department != ''" in open_file(page, owner, "complaint_normal.bpmn")


def test_what_the_panel_does_not_edit_survives_a_deploy_from_the_modeler(owner, new_page):
    page = new_page(1280, 860)
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if "diagram import" in m.text else None)
    open_modeler(page, owner, "complaint")
    deploy(page, "complaint v2")  # refused if a service task had lost its handler on the way
    xml = open_file(page, owner, "complaint.bpmn")
    assert warnings == []
    assert "<spiffworkflow:calledDecisionId>complaint_urgency</spiffworkflow:calledDecisionId>" in xml
    assert '<spiffworkflow:parameter id="customer_phone" type="any" value="customer_phone" />' in xml
    assert "<spiffworkflow:messagePayload>dict(channel=channel" in xml


def test_a_deploy_over_a_version_made_since_the_page_opened_asks_first(rt, owner, new_page):
    page = open_modeler(new_page(1280, 860), owner)
    bundled = read_directory(PROJECT_ROOT / "processes")
    meanwhile = {**bundled, "complaint_normal.bpmn": bundled["complaint_normal.bpmn"].replace(
        "24小时未答复".encode(), "24小时未答复（改）".encode())}
    deploy_files(rt, meanwhile, "cli", "processes/")
    asked: list[str] = []

    def answer(dialog):
        asked.append(dialog.message)
        dialog.accept()
    page.on("dialog", answer)
    find_in_modeler(page, "start")
    page.locator("#bio-properties-panel-name").fill("开始处理（模型器）")
    deploy(page, "complaint_normal v3")
    assert len(asked) == 1 and "cli" in asked[0] and "complaint_normal.bpmn" in asked[0]
    expect(page.locator("#version-number")).to_have_text("3")
