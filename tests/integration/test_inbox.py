"""The inbox tabs, counts, filters, pages and the time-left colours, on both databases."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from runtime import clock, services
from runtime.read import inbox
from runtime.actors import Actor
from tests.helpers import INTAKE, deploy_processes, task

SH = ZoneInfo("Asia/Shanghai")
WANG = Actor("wang", frozenset({"front_desk"}))
ZHOU = Actor("zhou", frozenset({"front_desk"}))
LI = Actor("li", frozenset({"department"}), "engineering")
ZHAO = Actor("zhao", frozenset({"department"}), "security")
CHEN = Actor("chen", frozenset({"cs_manager"}))


@pytest.fixture
def complaints(rt):
    """Three complaints accepted Monday 13 Oct 2025 10:00: two noise (wang), one parking (zhou), dispatched."""
    deploy_processes(rt)
    clock.freeze(datetime(2025, 10, 13, 10, 0, tzinfo=SH))
    keys = []
    for who, category, department in ((WANG, "noise", "engineering"), (WANG, "noise", "security"),
                                      (ZHOU, "parking", "engineering")):
        key = services.start_instance(rt, who, "complaint", {**INTAKE, "category": category}).business_key
        services.complete_task(rt, who, task(rt, key, "triage").id, {"validity": "valid", "department": department})
        keys.append(key)
    return keys


def names(page) -> list[tuple[str, str]]:
    return sorted((row.number, row.task_name) for row in page.rows)


def test_each_tab_shows_what_it_says_with_counts(rt, complaints):
    noise1, noise2, parking = complaints
    page = inbox.page(rt, LI, inbox.InboxFilter("available"))
    assert names(page) == sorted([(noise1, "handle"), (parking, "handle")])  # not security's noise2
    assert page.counts == {"available": 2, "mine": 0, "owned": 0, "overdue": 0}
    services.claim_task(rt, LI, task(rt, noise1, "handle").id)
    assert names(inbox.page(rt, LI, inbox.InboxFilter("mine"))) == [(noise1, "handle")]
    owned = inbox.page(rt, WANG, inbox.InboxFilter("owned"))
    assert {row.number for row in owned.rows} == {noise1, noise2}  # the first receiver follows both
    assert "team" not in inbox.page(rt, LI, inbox.InboxFilter("team")).counts
    team = inbox.page(rt, CHEN, inbox.InboxFilter("team"))
    assert (noise1, "handle") in names(team) and all(row.assignee for row in team.rows)


def test_filters_narrow_every_tab(rt, complaints):
    noise1, _, parking = complaints
    page = inbox.page(rt, LI, inbox.InboxFilter("available", category="parking"))
    assert names(page) == [(parking, "handle")] and page.counts["available"] == 1
    assert inbox.page(rt, LI, inbox.InboxFilter("available", severity="crisis")).rows == []
    assert inbox.page(rt, LI, inbox.InboxFilter("available", department="security")).rows == []
    assert inbox.page(rt, LI, inbox.InboxFilter("available", channel="phone", site="3栋")).total == 2


def test_deadlines_colour_and_the_overdue_tab(rt, complaints):
    noise1 = complaints[0]
    [row] = [r for r in inbox.page(rt, LI, inbox.InboxFilter("available")).rows if r.number == noise1]
    assert (row.working_days_left, row.urgency) == (3.0, "ok")  # handle: 3 working days
    clock.freeze(datetime(2025, 10, 15, 10, 0, tzinfo=SH))  # two of three working days gone
    [row] = [r for r in inbox.page(rt, LI, inbox.InboxFilter("available")).rows if r.number == noise1]
    assert (row.working_days_left, row.urgency) == (1.0, "half")
    clock.freeze(datetime(2025, 10, 16, 11, 0, tzinfo=SH))
    overdue = inbox.page(rt, LI, inbox.InboxFilter("overdue"))
    assert (noise1, "handle") in names(overdue)
    assert {r.urgency for r in overdue.rows if r.task_name == "handle"} == {"breach"}
    assert all(r.number != complaints[1] for r in overdue.rows)  # security's task is not li's business
    assert inbox.page(rt, CHEN, inbox.InboxFilter("overdue")).counts["overdue"] >= 3  # managers see all


def test_pages_hold_the_next_deadlines_and_clamp_to_what_exists(rt, complaints, monkeypatch):
    monkeypatch.setattr(inbox, "PAGE_SIZE", 1)
    first = inbox.page(rt, LI, inbox.InboxFilter("available", page=1))
    second = inbox.page(rt, LI, inbox.InboxFilter("available", page=2))
    beyond = inbox.page(rt, LI, inbox.InboxFilter("available", page=99))
    assert (first.pages, len(first.rows), len(second.rows)) == (2, 1, 1)
    assert first.rows[0].id != second.rows[0].id and beyond.page == 2
    assert first.rows[0].due_at <= second.rows[0].due_at  # earliest deadline first

