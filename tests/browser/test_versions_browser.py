"""Versions in a real browser: a process owner brings back version 1 after a bad version 2 (with a reason),
the console marks which version new complaints start on, and the next complaint runs on version 1."""
from __future__ import annotations

from datetime import UTC, datetime

from playwright.sync_api import expect

from runtime import clock, services
from runtime.services.deployment import deploy
from runtime.services.users import create_user, get_actor
from runtime.store.packages import read_directory
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import ROOT_DIR
from tests.helpers import INTAKE


def test_a_process_owner_brings_back_version_1_and_new_complaints_start_on_it(rt, live, new_page):
    clock.freeze(datetime(2025, 9, 16, 2, 0, tzinfo=UTC))
    create_user(rt, "po", "password-123", ["process_owner"])
    create_user(rt, "wang", "password-123", ["front_desk"])
    files = read_directory(ROOT_DIR / "processes")
    files["complaint_normal.bpmn"] = files["complaint_normal.bpmn"].replace("24小时未答复".encode(),
                                                                            "24小时未答复（错）".encode())
    deploy(rt, files, "cli", "processes/")  # version 2, the bad one
    page = new_page()
    sign_in(page, live, "po")
    page.goto(f"{live}/processes/complaint/v1")
    page.get_by_role("button", name="恢复第 1 版").click()  # no reason: the browser asks for one first
    expect(page.locator("textarea[name=reason]")).to_be_focused()
    page.locator("textarea[name=reason]").fill("第2版计时名称有误")
    page.get_by_role("button", name="恢复第 1 版").click()
    expect(page.locator(".flash")).to_contain_text("新投诉从现在起从第 1 版开始")
    expect(page.locator("p.badge.current")).to_have_text("新投诉从此版本开始。")
    screenshot(page, "version-rollback")
    services.start_instance(rt, get_actor(rt, "wang"), "complaint", INTAKE)
    page.goto(f"{live}/processes/")
    rows = page.locator("table.processes tbody tr", has=page.locator(".badge.current"))
    expect(rows).to_have_count(7)  # every process of version 1's package
    assert all(row.locator("a").first.inner_text() == "v1" for row in rows.all())
    page.goto(f"{live}/processes/complaint/v1")
    expect(page.locator("body")).to_contain_text(": 1 / 1")  # the new complaint runs on version 1
