"""Staff at work in a real browser: a department user claims and completes its task, two people
race for one task, the language switch, and the phone-width layout."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from runtime import services
from runtime.services.users import create_user, get_actor
from tests.browser.conftest import screenshot, sign_in
from tests.helpers import INTAKE, task, tasks

SH = ZoneInfo("Asia/Shanghai")



@pytest.fixture
def dispatched(rt, live):
    """A noise complaint accepted by the front desk and dispatched to engineering."""
    for name, roles, department in (("wang", ["front_desk"], None), ("li", ["department"], "engineering"),
                                    ("li2", ["department"], "engineering")):
        create_user(rt, name, "password-123", roles, department=department)
    started = services.start_instance(rt, get_actor(rt, "wang"), "complaint", INTAKE)
    services.complete_task(rt, get_actor(rt, "wang"), task(rt, started.business_key, "triage").id,
                           {"validity": "valid", "department": "engineering"})
    return started.business_key


def claim_button(page, number):
    return page.locator("tr", has_text=number).filter(has_text="部门调查处理").get_by_role("button", name="认领")


def test_a_department_user_claims_and_completes_its_task(rt, live, dispatched, new_page):
    page = new_page()
    sign_in(page, live, "li")
    assert page.locator("h1", has_text="可认领的任务").is_visible()
    screenshot(page, "inbox")
    page.evaluate("window.notReloaded = true")
    claim_button(page, dispatched).click()
    row = page.locator("tr", has_text=dispatched)
    row.locator(".flash.ok", has_text="已认领").wait_for()
    assert row.get_by_role("button", name="退回").is_visible() and "li" in row.inner_text()
    assert page.evaluate("window.notReloaded") is True  # the row was swapped in place, no page load
    page.get_by_role("link", name="我认领的任务").click()
    assert page.locator("nav.tabs a.current .count").inner_text() == "1"
    page.locator("tr", has_text=dispatched).get_by_role("link", name="部门调查处理").click()
    page.locator("textarea[name=handling_result], input[name=handling_result]").fill("已协调施工方停止夜间施工")
    screenshot(page, "task-form")
    page.get_by_role("button", name="完成").click()
    assert "已完成" in page.locator(".flash.ok").inner_text()
    assert "handle" not in [t.task_name for t in tasks(rt, dispatched)]


def test_two_people_click_claim_at_once_and_exactly_one_gets_it(rt, live, dispatched, new_page):
    first, second = new_page(), new_page()
    sign_in(first, live, "li")
    sign_in(second, live, "li2")
    claim_button(first, dispatched).click(no_wait_after=True)
    claim_button(second, dispatched).click(no_wait_after=True)
    first.locator(".flash").wait_for()
    second.locator(".flash").wait_for()
    outcomes = sorted([first.locator(".flash").inner_text(), second.locator(".flash").inner_text()])
    winner = task(rt, dispatched, "handle").assignee
    assert winner in ("li", "li2")
    assert outcomes[1] == "已认领" and winner in outcomes[0]  # the other is told who has it


def test_the_language_switch_turns_the_interface_english(rt, live, dispatched, new_page):
    page = new_page()
    sign_in(page, live, "li")
    page.select_option("#lang-select", "en")
    page.get_by_role("button", name="切换").click()
    assert page.locator("h1", has_text="Available to my roles").is_visible()
    assert page.get_attribute("html", "lang") == "en"


def test_the_inbox_fits_a_phone_screen(rt, live, dispatched, new_page):
    page = new_page(width=390, height=844)
    sign_in(page, live, "li")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    screenshot(page, "inbox-phone")


def test_the_front_desk_records_a_complaint_and_lands_on_its_page(rt, live, new_page):
    create_user(rt, "wang", "password-123", ["front_desk"])
    page = new_page()
    sign_in(page, live, "wang")
    page.get_by_role("link", name="受理投诉").click()
    page.select_option("select[name=channel]", "phone")
    page.select_option("select[name=category]", "noise")
    for name, value in (("description", "楼上装修噪音，晚上十点后仍在施工"), ("demand", "停止夜间施工"),
                        ("customer_name", "张先生"), ("customer_phone", "13812341234"), ("location", "3栋")):
        page.locator(f"[name={name}]").fill(value)
    page.get_by_role("button", name="受理", exact=True).click()
    banner = page.locator(".flash.ok").inner_text()
    number = page.locator("h1").inner_text().split()[0]
    assert number.startswith("CF-") and number in banner and "首问负责制" in banner
    assert page.get_by_role("link", name="确认有效性并派单").is_visible()
    screenshot(page, "complaint-page")


def test_a_manager_sees_the_overdue_tab_after_a_deadline_passes_and_its_reminder_fired(rt, live, dispatched,
                                                                                      new_page):
    from datetime import timedelta

    from runtime import clock, worker
    create_user(rt, "chen", "password-123", ["cs_manager"])
    due = task(rt, dispatched, "handle").due_at
    page = new_page()
    sign_in(page, live, "chen")
    page.get_by_role("link", name="已超时").click()
    assert page.locator("tr", has_text=dispatched).count() == 0
    clock.freeze(clock.now() + timedelta(days=8))  # the live server shares this clock
    worker.run_once(rt)  # the deadlines' reminders fire: the supervision task appears
    assert "supervise" in [t.task_name for t in tasks(rt, dispatched)]
    page.reload()
    row = page.locator("tr", has_text=dispatched).filter(has_text="部门调查处理")
    assert "已超时" in row.locator("td.due").inner_text() and "urgency-breach" in row.get_attribute("class")
    assert due.astimezone(SH).strftime("%m/%d %H:%M") in row.locator("td.due").inner_text()  # the original due time
    screenshot(page, "overdue")


def test_sign_in_and_claim_with_the_keyboard_alone(rt, live, dispatched, new_page):
    page = new_page()
    page.goto(f"{live}/login")
    # the user name field has the focus on arrival (waited for: under load it lands after the load event)
    expect(page.locator("input[name=username]")).to_be_focused(timeout=5000)
    page.keyboard.type("li")
    page.keyboard.press("Tab")
    page.keyboard.type("password-123")
    page.keyboard.press("Enter")
    page.locator("nav.tabs").wait_for()
    for _ in range(60):  # move through the page in tab order until the claim button has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "认领":
            break
    else:
        raise AssertionError("the claim button is not reachable with the Tab key")
    page.keyboard.press("Enter")
    page.locator("tr", has_text=dispatched).locator(".flash.ok", has_text="已认领").wait_for()
    assert task(rt, dispatched, "handle").assignee == "li"
