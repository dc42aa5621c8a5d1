"""The administrators' instance list: filters, sorting, pages, CSV export, and who may see it."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from runtime import clock, services
from runtime.read import monitoring
from runtime.actors import Actor
from runtime.errors import PermissionDenied
from tests.conftest import ADMIN
from tests.helpers import INTAKE, deploy_processes, task

SH = ZoneInfo("Asia/Shanghai")
WANG = Actor("wang", frozenset({"front_desk"}))
ZHOU = Actor("zhou", frozenset({"front_desk"}))


@pytest.fixture
def three(rt):
    """Accepted on three days: noise by wang (dispatched to engineering), parking by zhou, lift by wang."""
    deploy_processes(rt)
    keys = []
    for day, who, category in ((13, WANG, "noise"), (14, ZHOU, "parking"), (15, WANG, "lift")):
        clock.freeze(datetime(2025, 10, day, 10, 0, tzinfo=SH))
        keys.append(services.start_instance(rt, who, "complaint", {**INTAKE, "category": category}).business_key)
        if category == "noise":
            services.complete_task(rt, WANG, task(rt, keys[0], "triage").id,
                                   {"validity": "valid", "department": "engineering"})
    return keys


def numbers(page) -> list[str]:
    return [row.number for row in page.rows]


def test_filters_sorting_and_paging(rt, three, monkeypatch):
    noise, parking, lift = three
    f = monitoring.InstanceFilter
    assert numbers(monitoring.instances(rt, ADMIN, f())) == [lift, parking, noise]  # newest first
    assert numbers(monitoring.instances(rt, ADMIN, f(descending=False))) == [noise, parking, lift]
    assert numbers(monitoring.instances(rt, ADMIN, f(owner="wang"))) == [lift, noise]
    assert numbers(monitoring.instances(rt, ADMIN, f(department="engineering"))) == [noise]
    assert numbers(monitoring.instances(rt, ADMIN, f(text="park"))) == [parking]
    assert numbers(monitoring.instances(rt, ADMIN, f(number=noise))) == [noise]
    assert numbers(monitoring.instances(rt, ADMIN, f(number="CF-20251014"))) == [parking]  # by prefix
    day = datetime(2025, 10, 14, tzinfo=SH)
    assert numbers(monitoring.instances(rt, ADMIN, f(started_from=day,
                                                     started_to=day + timedelta(days=1)))) == [parking]
    assert numbers(monitoring.instances(rt, ADMIN, f(process="complaint", version=1, status="running"))) == \
        [lift, parking, noise]
    assert monitoring.instances(rt, ADMIN, f(status="completed")).rows == []
    # now (15 Oct 10:00): parking's dispatch (20 min) and noise's reply (24 h) are late; lift was just accepted
    assert numbers(monitoring.instances(rt, ADMIN, f(overdue=True))) == [parking, noise]
    clock.freeze(datetime(2025, 10, 15, 10, 21, tzinfo=SH))
    assert numbers(monitoring.instances(rt, ADMIN, f(overdue=True))) == [lift, parking, noise]
    monkeypatch.setattr(monitoring, "PAGE_SIZE", 2)
    second = monitoring.instances(rt, ADMIN, f(page=2))
    assert (second.total, second.pages, numbers(second)) == (3, 2, [noise])


def test_csv_export_has_every_matching_instance(rt, three):
    text = "".join(monitoring.export_csv(rt, ADMIN, monitoring.InstanceFilter(owner="wang")))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["number"] for r in rows] == [three[2], three[0]]
    assert rows[0]["category"] == "lift" and rows[0]["ended_at"] == ""
    assert rows[0]["started_at"].startswith("2025-10-15")


def test_only_administrators_monitor(rt, three):
    with pytest.raises(PermissionDenied):
        monitoring.instances(rt, WANG, monitoring.InstanceFilter())
    with pytest.raises(PermissionDenied):
        list(monitoring.export_csv(rt, WANG, monitoring.InstanceFilter()))
