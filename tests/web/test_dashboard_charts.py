"""The dashboard's charts on a moved clock: complaints received over two days, some dispatched and
replied to in time and some not, the worker firing the missed deadlines; the figures (read from the
charts' tables, which carry the same numbers as the chart data) equal what happened, each bar's list
names exactly the complaints behind it, other roles are refused, and junk parameters are a 400 naming
the parameter."""
from __future__ import annotations

import itertools

import json
import re
from html import unescape
from datetime import datetime, timedelta, UTC

import pytest

from runtime import clock, services, worker
from runtime.services.users import get_actor
from tests.helpers import INTAKE, closing_review, login, task

TUESDAY = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PEOPLE = {"wang": ["front_desk"], "li": (["department"], "engineering"), "sun": ["site_manager"],
          "root": ["admin"], "qa": ["quality"]}
RANGE = "from=2026-11-09&to=2026-11-11"


@pytest.fixture
def admin(web):
    clock.freeze(TUESDAY)
    client = web(PEOPLE)
    login(client, "root")
    return client


def step(rt, who: str, number: str, name: str, **data) -> None:
    services.complete_task(rt, get_actor(rt, who), task(rt, number, name).id, data)


def receive(rt, location: str) -> str:
    """A complaint from a customer of its own (the same caller again would be a repeat, and major)."""
    wang = get_actor(rt, "wang")
    customer = next(CUSTOMERS)
    data = {**INTAKE, "location": location, "customer_phone": f"1390000{customer:04d}",
            "customer_unit": f"{customer}室"}
    return services.start_instance(rt, wang, "complaint", data).business_key


CUSTOMERS = itertools.count(1)


def close(rt, number: str) -> None:
    step(rt, "li", number, "handle", investigation="楼上住户夜间装修，已现场核实", handling_result="已责令施工方停工",
         root_cause="装修管理规定未告知到位")
    step(rt, "wang", number, "callback", satisfaction="satisfied", callback_channel="phone",
         callback_note="客户表示满意")
    step(rt, "sun", number, "confirm", **closing_review())


@pytest.fixture
def story(rt, admin):
    """Tuesday 10:00: A, B (both at 3栋) and C (5栋) received; A dispatched and replied to at once.
    10:30: the 20-minute dispatch deadline of B and C has passed; the worker fires it; both are
    dispatched. Wednesday 11:00: the 24-hour reply deadline of B and C has passed (fired); A is
    handled, called back and closed."""
    a, b, c = receive(rt, "3栋"), receive(rt, "3栋"), receive(rt, "5栋")
    step(rt, "wang", a, "triage", validity="valid", department="engineering")
    step(rt, "wang", a, "first_reply", reply_summary="已电话答复客户，明日上门查看")
    clock.advance(timedelta(minutes=30))
    worker.run_once(rt)
    for number in (b, c):
        step(rt, "wang", number, "triage", validity="valid", department="engineering")
    clock.advance(timedelta(hours=24, minutes=30))
    worker.run_once(rt)
    close(rt, a)
    return a, b, c


def table(html: str, name: str) -> list[list[str]]:
    body = re.search(rf'<table class="figures" id="table-{name}">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return [[re.sub(r"<[^>]+>|\s+", "", cell) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def numbers(html: str) -> list[str]:
    return re.findall(r'href="/admin/instances/([^"]+)"', html)


def chart_data(html: str) -> dict:
    block = re.search(r'<div id="chart-data" hidden data-charts="([^"]*)"', html).group(1)
    return {chart["id"]: chart for chart in json.loads(unescape(block))["charts"]}


def listed(client, link: str) -> tuple[int, list[str]]:
    """The total a drill-down list states and the complaint numbers it lists."""
    response = client.get(link)
    assert response.status_code == 200, link
    html = response.get_data(as_text=True)
    return int(re.search(r'class="drill-total">\D*(\d+)', html).group(1)), numbers(html)


def link_of(chart: dict, series: int, category: int) -> str:
    return chart["series"][series]["links"][category]


def test_the_charts_count_what_happened_and_each_bar_lists_its_complaints(rt, admin, story):
    a, b, c = story
    page = admin.get(f"/admin/?{RANGE}").get_data(as_text=True)
    assert table(page, "over-time") == [["2026-11-09", "0", "0"], ["2026-11-10", "3", "2"], ["2026-11-11", "2", "2"]]
    assert table(page, "by-department") == [["工程维修", "2", "2"]]  # the form's name, never the code
    assert table(page, "by-site") == [["3栋", "1", "2"], ["5栋", "1", "2"]]
    rates = [row[1:] for row in table(page, "rates")]  # entered, dispatched, replied, handled, contacted, called back
    assert rates == [["0", "0", "—"], ["1", "2", "33.3%"], ["1", "2", "33.3%"], ["1", "0", "100%"], ["0", "0", "—"],
                     ["1", "0", "100%"]]
    charts = chart_data(page)
    over_time = charts["over-time"]
    assert over_time["categories"] == ["2026-11-09", "2026-11-10", "2026-11-11"]
    assert [s["data"] for s in over_time["series"]] == [[0, 3, 2], [0, 2, 2]]  # the chart draws the table's numbers
    total, missed = listed(admin, link_of(over_time, 1, 1))
    assert total == 2 and sorted(missed) == sorted([b, c])  # their dispatch deadlines, on Tuesday
    assert sorted(listed(admin, link_of(over_time, 0, 1))[1]) == sorted([a, b, c])
    assert sorted(listed(admin, link_of(over_time, 0, 2))[1]) == sorted([b, c])  # A was closed on Wednesday
    assert listed(admin, link_of(over_time, 0, 0)) == (0, [])
    department = charts["by-department"]
    assert department["categories"] == ["工程维修"]
    assert sorted(listed(admin, link_of(department, 1, 0))[1]) == sorted([b, c])
    site = charts["by-site"]
    assert listed(admin, link_of(site, 0, 0)) == (1, [b])
    assert listed(admin, link_of(site, 1, 0)) == (2, [b, b])  # one row per missed deadline: dispatch and reply
    standards = charts["rates"]
    assert listed(admin, link_of(standards, 0, 1)) == (1, [a])
    assert sorted(listed(admin, link_of(standards, 1, 1))[1]) == sorted([b, c])


def test_a_range_picked_before_anything_happened_shows_nothing_open(rt, admin, story):
    page = admin.get("/admin/?from=2026-10-01&to=2026-10-31").get_data(as_text=True)
    days = table(page, "over-time")
    assert len(days) == 31 and {tuple(row[1:]) for row in days} == {("0", "0")}
    assert table(page, "by-site") == [["3栋", "1", "0"], ["5栋", "1", "0"]]  # open now, none missed in October


@pytest.mark.parametrize("who", ["wang", "qa", "sun"])
def test_other_roles_are_refused_the_charts_and_their_lists(rt, admin, story, who):
    login(admin, who)
    assert admin.get(f"/admin/?{RANGE}").status_code == 403
    assert admin.get(f"/admin/charts/list?kind=open_on&key=2026-11-10&{RANGE}").status_code == 403


@pytest.mark.parametrize("query, parameter", [
    ("from=2026-13-01", "from"), ("to=yesterday", "to"), ("from=2026-11-10&to=2026-11-01", "to"),
    ("from=2025-01-01&to=2026-11-10", "to"), ("from=0001-01-01&to=0001-01-02", "from"),
    ("from=9999-12-30&to=9999-12-31", "from")])
def test_junk_ranges_are_a_400_naming_the_parameter(rt, admin, query, parameter):
    for path in ("/admin/?", "/admin/charts/list?kind=open_on&key=2026-11-10&"):
        response = admin.get(path + query)
        assert response.status_code == 400, (path, query)
        assert parameter in response.get_data(as_text=True)


@pytest.mark.parametrize("query, parameter", [
    ("kind=everything&key=2026-11-10", "kind"), ("kind=open_on&key=yesterday", "key"),
    ("kind=breached_on&key=2026-02-30", "key"), ("kind=standard_met&key=politeness", "key"), ("key=x", "kind"),
    ("kind=open_on&key=0001-01-01", "key"), ("kind=breached_on&key=9999-12-31", "key")])
def test_junk_drill_downs_are_a_400_naming_the_parameter(rt, admin, query, parameter):
    response = admin.get(f"/admin/charts/list?{query}")
    assert response.status_code == 400 and parameter in response.get_data(as_text=True)
