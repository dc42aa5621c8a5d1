"""The monthly report in a real browser: the quality manager finds it in the menu, picks the month, and sees its
rates drawn by ECharts beside the table of the same numbers (no script blocked by the page's CSP)."""
from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import expect

from runtime import clock, services, worker
from runtime.services.users import create_user, get_actor
from tests.browser.conftest import downloaded_pdf, screenshot, sign_in
from tests.helpers import INTAKE, task
from tests.process.conftest import SH


def test_the_quality_manager_reads_the_month_with_its_charts(rt, live, new_page, tmp_path):
    for name, roles in (("wang", ["front_desk"]), ("qian", ["quality"])):
        create_user(rt, name, "password-123", roles)
    clock.freeze(datetime(2026, 10, 12, 10, 0, tzinfo=SH))
    for key in ("CF-B-1", "CF-B-2"):
        services.start_instance(rt, get_actor(rt, "wang"), "complaint", dict(INTAKE), business_key=key)
    services.complete_task(rt, get_actor(rt, "wang"), task(rt, "CF-B-1", "triage").id,
                           {"validity": "valid", "department": "engineering"})
    clock.advance(timedelta(minutes=25))
    worker.run_once(rt)
    clock.freeze(datetime(2026, 11, 3, 10, 0, tzinfo=SH))
    page = new_page()
    sign_in(page, live, "qian")
    page.get_by_role("link", name="统计报告").click()
    page.fill("input[name=period]", "2026-10")
    page.locator("form.filters button").first.click()
    expect(page.locator("h1")).to_contain_text("2026")
    expect(page.locator("#chart-rates canvas")).to_have_count(1)
    expect(page.locator("#chart-rates")).to_have_attribute("data-drawn", "1")
    expect(page.locator('tr[data-rate="dispatched_20min"] td').nth(3)).to_have_text("50.0%")
    expect(page.locator("#breaches")).to_contain_text("CF-B-2")
    screenshot(page, "monthly-report")
    saved = downloaded_pdf(page, "下载 PDF", tmp_path, "monthly-report-pdf")
    assert saved.name == "2026年10月客户投诉处理报告.pdf"
