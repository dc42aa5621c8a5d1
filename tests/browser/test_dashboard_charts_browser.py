"""The dashboard's charts in a real browser under the page's Content-Security-Policy: ECharts (served
from /static/vendor) draws every chart on a canvas, and clicking a bar opens the list of the
complaints behind it, as many as the bar says."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, UTC

import pytest
from PIL import Image
from playwright.sync_api import expect

from runtime import clock, services, worker
from runtime.services.users import create_user, get_actor
from tests.browser.conftest import screenshot, sign_in
from tests.helpers import INTAKE, task

TUESDAY = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def site(rt, live):
    """Two complaints dispatched to engineering 30 minutes late (the worker fired both deadlines)."""
    clock.freeze(TUESDAY)
    for name, roles, department in (("wang", ["front_desk"], None), ("root", ["admin"], None)):
        create_user(rt, name, "password-123", roles, department=department)
    wang = get_actor(rt, "wang")
    numbers = [services.start_instance(rt, wang, "complaint", INTAKE).business_key for _ in range(2)]
    clock.advance(timedelta(minutes=30))
    worker.run_once(rt)
    for number in numbers:
        services.complete_task(rt, wang, task(rt, number, "triage").id, {"validity": "valid",
                                                                        "department": "engineering"})
    return live, numbers


def colours(png: bytes) -> int:
    return len(Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 20) or [])


def test_the_charts_draw_and_a_bar_opens_the_list_behind_it(site, new_page):
    base, numbers = site
    page = new_page(1400, 1000)
    sign_in(page, base, "root")
    page.goto(f"{base}/admin/?from=2026-11-01&to=2026-11-10")
    for name in ("over-time", "by-department", "by-site", "rates"):
        expect(page.locator(f"#chart-{name}[data-ready='1'] canvas")).to_have_count(1)
    chart = page.locator("#chart-by-department")
    assert colours(chart.screenshot()) > 20  # bars, axes and labels drawn, not an empty box
    screenshot(page, "dashboard-charts")
    box = chart.bounding_box()
    # One category (engineering), two bars side by side: "open complaints" is the left one.
    page.mouse.click(box["x"] + box["width"] * 0.38, box["y"] + box["height"] * 0.55)
    page.wait_for_url("**/admin/charts/list?**")
    assert "kind=department_open" in page.url and "key=engineering" in page.url
    expect(page.locator(".drill-total")).to_contain_text("2")
    assert sorted(page.locator("table.drill tbody td:first-child a").all_inner_texts()) == sorted(numbers)
    expect(page.locator("h1")).to_contain_text("工程维修")
