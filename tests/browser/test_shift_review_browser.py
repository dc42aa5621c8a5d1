"""The shift review in a real browser: the duty manager opens the morning review from the inbox, reads
the old open complaints (the missed deadline marked), writes a note beside one and completes it; the
front desk then reads the note in that complaint's case file."""
from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import expect

from runtime import clock, services, worker
from runtime.services.users import create_user, get_actor
from tests.browser.conftest import screenshot, sign_in
from tests.helpers import INTAKE, task


def at(text: str) -> None:
    clock.freeze(datetime.fromisoformat(text + "+08:00").astimezone(UTC))


def test_the_duty_manager_reviews_the_shift_and_the_note_reaches_the_complaint(rt, live, new_page):
    create_user(rt, "wang", "password-123", ["front_desk"])
    create_user(rt, "liu", "password-123", ["duty_manager"])
    at("2026-11-28T10:00")
    services.start_instance(rt, get_actor(rt, "wang"), "complaint", {**INTAKE, "subject": "电梯异响"},
                            business_key="OLD-1")
    at("2026-12-03T08:00")
    worker.run_once(rt)

    page = new_page()
    sign_in(page, live, "liu")
    page.goto(f"{live}/tasks/{task(rt, 'SR-20261203-0800', 'review').id}")
    row = page.locator("tr[data-complaint='OLD-1']")
    expect(row).to_contain_text("电梯异响")
    expect(row.locator(".due .breach")).to_contain_text("2026-11-28 10:20")
    row.locator("textarea").fill("派单已超时4天，已电话催前台今天派单")
    screenshot(page, "shift-review")
    page.get_by_role("button", name="完成").click()
    expect(page.locator(".flash.ok")).to_be_visible()

    desk = new_page()
    sign_in(desk, live, "wang")
    desk.goto(f"{live}/complaints/OLD-1")
    expect(desk.locator(".entry-shift_review")).to_contain_text("派单已超时4天，已电话催前台今天派单")
    expect(desk.locator(".entry-shift_review")).to_contain_text("早班 2026-12-03")
