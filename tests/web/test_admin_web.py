"""The administrators' instance list in the browser's terms: filters in the query string, sortable
columns, CSV export, and refusals for everyone else and for malformed filters."""
from __future__ import annotations

import csv
import io

import pytest

from runtime import services
from runtime.services.users import get_actor
from tests.helpers import login
from tests.helpers import INTAKE



@pytest.fixture
def setup(rt, web):
    client = web({"root": ["admin"], "wang": ["front_desk"]})
    keys = [services.start_instance(rt, get_actor(rt, "wang"), "complaint", {**INTAKE, "category": c}).business_key
            for c in ("noise", "parking")]
    return client, keys


def test_an_admin_filters_sorts_and_exports(setup):
    client, (noise, parking) = setup
    login(client, "root", "password-123")
    page = client.get("/admin/instances").get_data(as_text=True)
    assert noise in page and parking in page and "流程实例 (2)" in page
    filtered = client.get("/admin/instances?text=park").get_data(as_text=True)
    assert parking in filtered and noise not in filtered
    ascending = client.get("/admin/instances?sort=number&order=asc").get_data(as_text=True)
    assert ascending.index(min(noise, parking)) < ascending.index(max(noise, parking))
    export = client.get("/admin/instances.csv?owner=wang")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data().decode("utf-8-sig"))))
    assert sorted(r["投诉编号"] for r in rows) == sorted([noise, parking]) and rows[0]["流程"] == "投诉处理"


def test_only_admins_and_only_well_formed_filters(setup):
    client, _ = setup
    login(client, "wang", "password-123")
    assert client.get("/admin/instances").status_code == 403
    assert client.get("/admin/instances.csv").status_code == 403
    admin = setup[0]
    login(admin, "root", "password-123")
    bad = admin.get("/admin/instances?started_from=yesterday")
    assert bad.status_code == 400 and "started_from 必须是日期" in bad.get_data(as_text=True)
    assert admin.get("/admin/instances?version=two").status_code == 400
