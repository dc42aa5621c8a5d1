"""Repeat and collective complaints in a real browser: the site manager opens a complaint that repeats
an earlier one and belongs to a collective case, sees why it is linked, follows the link to the
earlier complaint (which names the repeat the other way), then opens the case and reads its members."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from runtime import services
from runtime.services.users import create_user, get_actor
from tests.browser.conftest import screenshot, sign_in
from tests.helpers import INTAKE

SITE = {**INTAKE, "location": "5栋", "category": "facilities", "demand": "尽快维修"}
LEAKS = [("13900000001", "5栋301", "楼上漏水，天花板一直在滴水"),
         ("13900000002", "5栋201", "我家天花板渗水，怀疑是楼上漏水"),
         ("13900000003", "5栋101", "卫生间天花板渗水严重，楼上住户不在家")]


@pytest.fixture
def numbers(rt, live) -> list[str]:
    """Three customers of 5栋 report one leak (a collective case); the first calls again (a repeat)."""
    for name, roles in (("wang", ["front_desk"]), ("sun", ["site_manager"])):
        create_user(rt, name, "password-123", roles)
    wang = get_actor(rt, "wang")
    made = [services.start_instance(rt, wang, "complaint", {**SITE, "customer_phone": phone, "customer_unit": unit,
                                                           "description": text}).business_key
            for phone, unit, text in LEAKS]
    again = {**SITE, "customer_phone": "139 0000 0001", "customer_unit": "5栋301", "description": "还在漏水"}
    return [*made, services.start_instance(rt, wang, "complaint", again).business_key]


def test_the_repeat_link_and_the_collective_case_are_shown_on_the_complaint_page(live, numbers, new_page):
    first, second, third, repeat = numbers
    page = new_page()
    sign_in(page, live, "sun")
    page.goto(f"{live}/complaints/{repeat}")
    link = page.locator("li.repeat")
    expect(link).to_contain_text(first)
    expect(link).to_contain_text("同一来电人、同一类别")  # why it is linked: the same phone, the same category
    expect(page.locator("h1 .severity-reason")).to_contain_text("重复投诉")
    expect(page.locator("p.collective")).to_be_visible()
    for other in (first, second, third):
        expect(page.get_by_role("link", name=other, exact=True).first).to_be_visible()
    screenshot(page, "complaint-repeat-collective")
    link.get_by_role("link", name=first).click()
    expect(page.locator("li.repeat")).to_contain_text(repeat)  # the earlier one names its repeat
    page.locator("p.collective a").click()
    rows = page.locator("table.members tbody tr")
    expect(rows).to_have_count(4)
    expect(page.locator("table.members")).to_contain_text(repeat)
    screenshot(page, "collective-case")
