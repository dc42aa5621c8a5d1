"""Staff at work in a real browser: a department user claims and completes its task, two people
race for one task, the language switch, and the phone-width layout; the list and its counts refresh
after a claim and when a new task arrives, the focus after a claim, the way back after completing,
and the inbox's keyboard shortcuts with their help dialog."""
from __future__ import annotations

import re
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from runtime import services
from runtime.services.users import create_user, get_actor
from tests.browser.conftest import screenshot, sign_in
from tests.helpers import INTAKE, task, tasks

SH = ZoneInfo("Asia/Shanghai")


def quick_poll(test):
    """The inbox of this test asks for changes every second (not every 15 s), so a test need not wait long."""
    test.quick_poll = True
    return test


@pytest.fixture
def settings(settings, request):
    return replace(settings, inbox_poll_seconds=1.0) if getattr(request.function, "quick_poll", False) else settings


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


def dispatch(rt, **intake) -> str:
    """One more complaint accepted by the front desk and dispatched to engineering (another customer)."""
    started = services.start_instance(rt, get_actor(rt, "wang"), "complaint", {**INTAKE, **intake})
    services.complete_task(rt, get_actor(rt, "wang"), task(rt, started.business_key, "triage").id,
                           {"validity": "valid", "department": "engineering"})
    return started.business_key


def count(page, tab: str) -> str:
    return page.locator("nav.tabs a", has_text=tab).locator(".count").inner_text()


def test_counts_and_rows_refresh_after_a_claim_and_a_release(rt, live, dispatched, new_page):
    page = new_page()
    sign_in(page, live, "li")
    page.evaluate("window.notReloaded = true")
    assert (count(page, "可认领的任务"), count(page, "我认领的任务")) == ("1", "0")
    claim_button(page, dispatched).click()
    expect(page.locator("nav.tabs a", has_text="我认领的任务").locator(".count")).to_have_text("1")
    expect(page.locator("nav.tabs a", has_text="可认领的任务").locator(".count")).to_have_text("0")
    expect(page.locator("h1")).to_have_text("可认领的任务 (0)")
    row = page.locator("tr", has_text=dispatched)
    row.get_by_role("button", name="退回").click()
    expect(page.locator("nav.tabs a", has_text="可认领的任务").locator(".count")).to_have_text("1")
    expect(page.locator("nav.tabs a", has_text="我认领的任务").locator(".count")).to_have_text("0")
    assert page.evaluate("window.notReloaded") is True


@quick_poll
def test_a_new_task_appears_without_a_reload(rt, live, dispatched, new_page):
    page = new_page()
    sign_in(page, live, "li")
    page.evaluate("window.notReloaded = true")
    second = dispatch(rt, customer_phone="13900001111", customer_unit="5栋2单元301")
    expect(page.locator("tr", has_text=second)).to_be_visible(timeout=10000)
    expect(page.locator("nav.tabs a", has_text="可认领的任务").locator(".count")).to_have_text("2")
    assert page.locator("h1", has_text="(2)").is_visible()
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "inbox-new-task")


def test_after_a_claim_the_focus_is_on_the_task_and_its_page_opens_in_its_first_field(rt, live, dispatched,
                                                                                    new_page):
    page = new_page()
    sign_in(page, live, "li")
    claim_button(page, dispatched).click()
    link = page.locator("tr", has_text=dispatched).get_by_role("link", name="部门调查处理")
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/tasks/"))
    first = page.locator("form.task-form textarea, form.task-form select, form.task-form input:not([type=hidden])")
    expect(first.first).to_be_focused()  # the form's first field: 调查情况
    assert first.first.get_attribute("name") == "investigation"


def test_completing_returns_to_the_view_the_user_came_from(rt, live, dispatched, new_page):
    page = new_page()
    sign_in(page, live, "li")
    services.claim_task(rt, get_actor(rt, "li"), task(rt, dispatched, "handle").id)
    page.goto(f"{live}/?tab=mine&severity=normal")
    page.locator("tr", has_text=dispatched).get_by_role("link", name="部门调查处理").click()
    page.locator("[name=handling_result]").fill("已协调施工方停止夜间施工")
    page.get_by_role("button", name="完成").click()
    assert "已完成" in page.locator(".flash.ok").inner_text()
    assert re.search(r"/\?tab=mine&(page=1&)?severity=normal", page.url)
    assert page.locator("select[name=severity]").input_value() == "normal"


def test_the_inbox_keyboard_shortcuts_and_their_help(rt, live, dispatched, new_page):
    second = dispatch(rt, customer_phone="13900001111", customer_unit="5栋2单元301")
    page = new_page()
    sign_in(page, live, "li")
    page.wait_for_load_state()
    rows = page.locator("#inbox-live tbody tr")
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bselected\b"))
    expect(rows.nth(0).locator("a.task-link")).to_be_focused()
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class(re.compile(r"\bselected\b"))
    first = rows.nth(0).locator("td").first.inner_text()
    page.keyboard.press("c")
    page.locator("tr", has_text=first).locator(".flash.ok", has_text="已认领").wait_for()
    assert {task(rt, k, "handle").assignee for k in (dispatched, second)} == {"li", None}

    expect(page.locator("tr", has_text=first).locator("a.task-link")).to_be_focused()  # on the claimed task

    page.keyboard.press("/")
    expect(page.locator("#header-search")).to_be_focused()
    page.keyboard.type("jk")  # typing in a field: the letters go into it, nothing moves
    assert page.locator("#header-search").input_value() == "jk"
    expect(rows.nth(0)).to_have_class(re.compile(r"\bselected\b"))

    page.locator("#header-search").blur()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="键盘快捷键")
    expect(dialog).to_be_visible()
    assert "认领选中的任务" in dialog.inner_text() and "下一个任务" in dialog.inner_text()
    screenshot(page, "inbox-shortcuts")
    for _ in range(3):  # the focus stays inside the dialog
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('dialog')")
    page.keyboard.press("j")  # keys behind the dialog do nothing while it is open
    expect(rows.nth(0)).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("o")
    page.wait_for_url(re.compile(r"/tasks/"))
    assert page.locator("h1", has_text="部门调查处理").is_visible()


def test_the_notifications_and_the_shortcut_help_fit_a_phone_screen(rt, live, dispatched, new_page):
    page = new_page(width=390, height=844)
    sign_in(page, live, "wang")
    page.get_by_role("link", name="通知").click()
    page.get_by_role("heading", name="通知", exact=True).wait_for()
    assert page.locator("input[name=daily_digest]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    screenshot(page, "notifications-phone")
    page.goto(live)
    page.get_by_role("button", name="键盘快捷键").click()
    expect(page.get_by_role("dialog", name="键盘快捷键")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="键盘快捷键")).to_be_hidden()
