"""The console in a real browser: a running instance's diagram with its active task highlighted,
an administrator retrying an incident, and a process owner changing a timer in the modeler so
that new complaints run on the new version while an older one stays on its own."""
from __future__ import annotations

from datetime import datetime, UTC

import pytest
from playwright.sync_api import expect

from runtime import clock, services
from runtime.services.deployment import deploy
from runtime.store.packages import read_directory
from runtime.errors import IncidentRaised
from runtime.services.users import create_user, get_actor
from tests.browser.conftest import screenshot, sign_in
from tests.conftest import FIXTURES
from tests.helpers import INTAKE, incidents, task, timers
from tests.integration.test_migration import version_of

TUESDAY = datetime(2025, 9, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def people(rt, live):
    clock.freeze(TUESDAY)
    for name, roles, department in (("wang", ["front_desk"], None), ("root", ["admin"], None),
                                    ("po", ["process_owner"], None), ("li", ["department"], "engineering")):
        create_user(rt, name, "password-123", roles, department=department)
    return live


def dispatched(rt, **intake) -> str:
    """A normal complaint dispatched to engineering (another customer's when ``intake`` says so: the same
    caller again in the same category would be a repeat, which is major)."""
    key = services.start_instance(rt, get_actor(rt, "wang"), "complaint", {**INTAKE, **intake}).business_key
    services.complete_task(rt, get_actor(rt, "wang"), task(rt, key, "triage").id,
                           {"validity": "valid", "department": "engineering"})
    return key


def confirming(page):
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def drawn(page) -> None:
    """Wait until every diagram on the page is drawn and marked (polled from here: a string predicate
    polled in the page is an eval, which the page's CSP refuses when the first check is not yet true)."""
    expect(page.locator('.bpmn[data-src]:not([data-ready="1"])')).to_have_count(0)


def element(page, element_id: str):
    return page.locator(f'.djs-element[data-element-id="{element_id}"]').first


def find_in_modeler(page, element_id: str) -> None:
    """Select an element the way a process owner finds one off screen: the modeler's search (Ctrl+F), which
    also scrolls to it; the properties panel then shows its id."""
    page.locator("#canvas").click(position={"x": 5, "y": 400})
    page.keyboard.press("Control+f")
    page.locator(".djs-search-input input").press_sequentially(element_id)  # the pad searches on keyup
    page.locator(".djs-search-result-selected, .djs-search-result").first.wait_for()
    page.keyboard.press("Enter")
    expect(page.locator("#bio-properties-panel-id")).to_have_value(element_id)


def test_the_diagram_of_a_running_complaint_shows_where_it_stands(rt, people, new_page):
    key = dispatched(rt)
    page = new_page(1400, 1000)
    sign_in(page, people, "root")
    page.goto(f"{people}/admin/instances/{key}")
    drawn(page)
    assert "cf-completed" in element(page, "triage").get_attribute("class")
    assert "cf-active" in element(page, "normal").get_attribute("class")  # the call activity runs
    assert "cf-active" in element(page, "handle").get_attribute("class")
    assert "cf-waiting" in element(page, "handle_late").get_attribute("class")
    assert page.locator(".cf-badge-info").count() >= 1  # waiting timers carry their due time
    screenshot(page, "instance-diagram")
    page.goto(f"{people}/admin/")
    drawn(page)
    assert page.locator(".cf-badge-heat").count() >= 1
    screenshot(page, "dashboard")


def test_an_admin_retries_an_incident_once_the_partner_system_is_back(rt, people, new_page, partner):
    deploy(rt, read_directory(FIXTURES / "partner"), "tester", "fixtures/partner")
    services.start_instance(rt, get_actor(rt, "wang"), "partner_call", {}, business_key="INC-1")
    partner.down = True
    with pytest.raises(IncidentRaised):
        services.complete_task(rt, get_actor(rt, "wang"), task(rt, "INC-1", "register").id,
                               {"department": "engineering"})
    partner.down = False
    page = confirming(new_page(1400, 1000))
    sign_in(page, people, "root")
    page.goto(f"{people}/admin/instances/INC-1")
    drawn(page)
    assert "cf-failed" in element(page, "notify").get_attribute("class")
    card = page.locator("section.incident")
    assert "partner system unreachable" in card.inner_text()
    screenshot(page, "incident")
    card.locator("input[name=reason]").fill("partner system is back")
    card.get_by_role("button").click()
    page.locator(".flash.ok").wait_for()
    assert not incidents(rt, "INC-1") and page.locator("section.incident").count() == 0


def test_a_process_owner_changes_a_timer_in_the_modeler_and_new_complaints_follow_it(rt, people, new_page):
    old = dispatched(rt)
    page = confirming(new_page(1400, 1000))
    sign_in(page, people, "po")
    page.goto(f"{people}/processes/complaint_normal/edit")
    page.locator('#modeler[data-ready="1"]').wait_for()
    find_in_modeler(page, "handle_late")
    timer = page.locator("#bio-properties-panel-timerEventDefinitionValue")
    assert timer.input_value() == "working_days(7) if coordination_needed or leadership_needed else working_days(3)"
    timer.fill("working_days(7) if coordination_needed or leadership_needed else working_days(5)")
    page.locator("#save").click()
    page.locator("#save-status", has_text="✓").wait_for()
    assert "complaint_normal v2" in page.locator("#save-status").inner_text()
    screenshot(page, "modeler")
    new = dispatched(rt, customer_phone="13900001111", customer_unit="6栋101")
    handle_late = lambda key: next(t.due_at for t in timers(rt, key) if t.task_name == "handle_late")  # noqa: E731
    assert handle_late(old) == datetime(2025, 9, 19, 2, 0, tzinfo=UTC)  # 3 working days, version 1
    assert handle_late(new) == datetime(2025, 9, 23, 2, 0, tzinfo=UTC)  # 5 working days, version 2
    assert (version_of(rt, old), version_of(rt, new)) == (1, 2)
    # a broken expression is refused and shown beside its element (the timer is still selected)
    assert page.locator("#bio-properties-panel-id").input_value() == "handle_late"
    timer.fill("__import__('os')")
    page.locator("#save").click()
    page.locator(".cf-problem").first.wait_for()
    assert "handle_late" in page.locator("#problems").inner_text()
