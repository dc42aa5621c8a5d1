"""Every main screen, as the roles that use it, at a desktop width (1280 px) and a phone's (390 px): the
page never scrolls sideways and nothing sticks out of the window (a wide table scrolls inside its own box,
long text wraps). Each screen is photographed at both widths; ``make screenshots`` keeps them in docs/."""
from __future__ import annotations

from datetime import datetime, UTC

import pytest

from runtime import clock, services
from runtime.services.users import create_user, get_actor
from tests.browser.conftest import screenshot, sign_in
from tests.helpers import INTAKE, task

TUESDAY = datetime(2025, 9, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PEOPLE = (("wang", ["front_desk"], None), ("li", ["department"], "engineering"), ("zhao", ["cs_manager"], None),
          ("qian", ["quality"], None), ("po", ["process_owner"], None), ("root", ["admin"], None))
LONG_WORD = "https://example.com/" + "photo-of-the-stairwell-" * 12  # one unbroken word: it must wrap
# Screens whose desktop picture the README already shows under another test's name: only the phone's is new.
DESKTOP_ELSEWHERE = {"inbox", "task-form", "complaint-page", "search", "corrective-actions", "dashboard",
                     "instance-diagram", "monthly-report", "modeler"}
PHONE_ELSEWHERE = {"inbox"}  # and the inbox's phone picture (test_inbox_browser)

# Elements whose right edge is past the window, unless a box that clips or scrolls sideways holds them.
STICKING_OUT = """() => {
  const width = window.innerWidth, out = [];
  const held = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(up).overflowX)) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && box.height && (box.right > width + 1 || box.left < -1) && !held(el)) {
      out.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? '.' + el.className : '')
               + ' ' + Math.round(box.left) + '..' + Math.round(box.right));
    }
  }
  return out.slice(0, 5);
}"""


@pytest.fixture
def screens(rt, live):
    """People of every role and one complaint at each kind of screen: one waiting for triage, one at the
    department; returns the screens as (user, path, screenshot name)."""
    clock.freeze(TUESDAY)
    for name, roles, department in PEOPLE:
        create_user(rt, name, "password-123", roles, department=department)
    wang = get_actor(rt, "wang")
    waiting = services.start_instance(rt, wang, "complaint", dict(INTAKE)).business_key
    dispatched = services.start_instance(rt, wang, "complaint", {**INTAKE, "customer_phone": "13900001111",
                                                                  "category": "hygiene",
                                                                  "demand": LONG_WORD}).business_key
    services.complete_task(rt, wang, task(rt, dispatched, "triage").id,
                           {"validity": "valid", "department": "engineering"})
    handle = task(rt, dispatched, "handle").id
    return [
        ("wang", "/", "inbox"), ("wang", "/?tab=mine", "inbox-mine"),
        ("wang", f"/tasks/{task(rt, waiting, 'triage').id}", "task-triage"),
        ("wang", "/complaints/new", "complaint-new"), ("wang", f"/complaints/{dispatched}", "complaint-page"),
        ("wang", "/search?q=13812341234", "search"), ("wang", "/notifications/", "notifications"),
        ("wang", "/account/", "account"),
        ("li", f"/tasks/{handle}", "task-form"), ("li", "/actions/", "corrective-actions"),
        ("zhao", "/?tab=overdue", "inbox-overdue"), ("zhao", "/?tab=team", "inbox-team"),
        ("qian", "/reports/", "reports"), ("qian", "/reports/2025-09", "monthly-report"),
        ("root", "/admin/", "dashboard"), ("root", "/admin/instances", "admin-instances"),
        ("root", f"/admin/instances/{dispatched}", "instance-diagram"), ("root", "/admin/users/", "admin-users"),
        ("root", "/admin/calendar/", "calendar"),
        ("po", "/processes/", "processes"), ("po", "/processes/complaint/v1", "process-version"),
        ("po", "/processes/complaint/edit", "modeler"),
    ]


def misfits(page, where: str) -> list[str]:
    """What does not fit: the page wider than the window, elements sticking out of it."""
    page.wait_for_load_state("networkidle")
    scroll, window = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    found = [f"{where}: the page is {scroll} px wide in a {window} px window"] if scroll > window else []
    return found + [f"{where}: {element} sticks out" for element in page.evaluate(STICKING_OUT)]


def in_english(page) -> None:
    page.select_option("#lang-select", "en")
    page.locator("form.lang button").click()
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"


@pytest.mark.parametrize(("width", "lang"), [(1280, "zh"), (390, "zh"), (390, "en")])
def test_every_screen_fits_the_window_at_desktop_and_phone_width(rt, live, screens, new_page, width, lang):
    """English words are longer than Chinese ones: the phone width is checked in both languages (the pictures
    are of the Chinese interface)."""
    phone, pictures = width < 640, lang == "zh"
    pages, problems = {}, []
    login = new_page(width, 860)
    login.goto(f"{live}/login")
    if not pictures:
        in_english(login)
    problems += misfits(login, "login")
    if pictures:
        screenshot(login, "login-phone" if phone else "login")
    for user, path, name in screens:
        if user not in pages:
            pages[user] = new_page(width, 860)
            sign_in(pages[user], live, user)
            pages[user].wait_for_url(f"{live}/**")
            if not pictures:
                in_english(pages[user])
        page = pages[user]
        response = page.goto(f"{live}{path}")
        assert response is not None and response.ok, f"{user} {path}: {response and response.status}"
        problems += misfits(page, f"{user} {path}")
        if pictures and phone and name not in PHONE_ELSEWHERE:
            screenshot(page, f"{name}-phone")
        elif pictures and not phone and name not in DESKTOP_ELSEWHERE:
            screenshot(page, name)
    assert problems == [], f"at {width} px ({lang}):\n" + "\n".join(problems)
