"""The closing review and 整改措施 in a real browser: the site manager fills the confirm-close form
with the root cause and two action rows (the second added with the form's button), the complaint
closes; the owner of one action finds it on 整改措施 and marks it done with a note, and the
complaint's page then shows it done beside the other, still open."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from runtime import services
from runtime.read.actions import today
from runtime.services.users import create_user, get_actor
from tests.browser.conftest import fill_closing_review, screenshot, sign_in
from tests.helpers import INTAKE, task


@pytest.fixture
def called_back(rt, live):
    """A valid complaint handled and called back: the site manager's 确认关闭 waits."""
    for name, roles, department in (("wang", ["front_desk"], None), ("li", ["department"], "engineering"),
                                    ("qian", ["department"], "cleaning"), ("sun", ["site_manager"], None)):
        create_user(rt, name, "password-123", roles, department=department)
    number = services.start_instance(rt, get_actor(rt, "wang"), "complaint", INTAKE).business_key
    for who, name, data in (("wang", "triage", {"validity": "valid", "department": "engineering"}),
                            ("wang", "first_reply", {"reply_summary": "已电话答复"}),
                            ("li", "handle", {"handling_result": "已要求施工方夜间停工"}),
                            ("wang", "callback", {"satisfaction": "satisfied", "callback_channel": "phone"})):
        services.complete_task(rt, get_actor(rt, who), task(rt, number, name).id, data)
    return number


def test_the_review_form_takes_two_actions_and_the_owner_marks_one_done(rt, live, called_back, new_page):
    due = today().isoformat()
    manager = new_page()
    sign_in(manager, live, "sun")
    manager.goto(f"{live}/tasks/{task(rt, called_back, 'confirm').id}")
    fill_closing_review(manager, [
        {"kind": "corrective", "description": "夜间施工现场加装警示与巡查", "owner": "li", "due_on": due},
        {"kind": "preventive", "description": "装修管理规定纳入业主入住告知", "owner": "qian", "due_on": due}],
        analysis="装修管理规定未告知到位")
    expect(manager.locator("#rows-actions .row-item")).to_have_count(2)
    screenshot(manager, "closing-review")
    manager.get_by_role("button", name="完成").click()
    expect(manager.locator(".flash.ok")).to_contain_text("已完成")

    owner = new_page()
    sign_in(owner, live, "li")
    owner.goto(f"{live}/")
    owner.locator("nav.main-nav a[href='/actions/']").click()
    row = owner.locator("table.actions tbody tr", has_text="夜间施工现场加装警示与巡查")
    expect(row).to_contain_text(called_back)
    expect(owner.locator("table.actions")).not_to_contain_text("装修管理规定纳入业主入住告知")  # qian's
    row.locator("input[name=note]").fill("已加装警示牌，保安每晚巡查")
    row.locator("button[type=submit]").click()
    expect(owner.locator(".flash.ok")).to_be_visible()
    expect(owner.locator("table.actions")).not_to_contain_text("夜间施工现场加装警示与巡查")

    owner.goto(f"{live}/complaints/{called_back}")
    section = owner.locator("#corrective-actions")
    expect(owner.locator(".case-file")).to_contain_text("内生性（质量、服务、违约等）")  # the review's step
    expect(section.locator("tr", has_text="夜间施工现场加装警示与巡查").locator(".badge.ok")).to_have_count(1)
    expect(section.locator("tr", has_text="装修管理规定纳入业主入住告知").locator(".badge.ok")).to_have_count(0)
    expect(owner.locator(".case-file")).to_contain_text("已加装警示牌，保安每晚巡查")
    screenshot(owner, "corrective-actions")
