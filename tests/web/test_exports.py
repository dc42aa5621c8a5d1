"""The console's instance list as files a person opens in Excel: a CSV with a UTF-8 BOM, headers in the
reader's language, names instead of codes and local times; the same list as an XLSX workbook."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from runtime import clock, services
from runtime.services.users import get_actor
from tests.helpers import INTAKE, csrf, login

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def admin(rt, web):
    clock.freeze(datetime(2025, 10, 15, 9, 30, tzinfo=SH))
    client = web({"root": ["admin"], "wang": ["front_desk"]})
    number = services.start_instance(rt, get_actor(rt, "wang"), "complaint",
                                     {**INTAKE, "category": "parking", "location": "=SUM(A1)"}).business_key
    login(client, "root")
    return client, number


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_csv_opens_in_excel_with_chinese_headers_names_and_local_times(admin):
    client, number = admin
    response = client.get("/admin/instances.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data().startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads the file as UTF-8
    header, row = _csv_rows(response)
    assert header == ["投诉编号", "流程", "版本", "状态", "严重程度", "负责人", "类别", "地点", "受理时间",
                      "最近变更", "关闭时间"]
    shown = dict(zip(header, row, strict=True))
    assert shown["投诉编号"] == number and shown["状态"] in ("处理中", "等待中") and shown["负责人"] == "wang"
    assert "投诉处理" in row and "停车" in row and "parking" not in row and "complaint" not in row
    assert "2025-10-15 09:30" in row  # Shanghai time, minutes, no ISO "T" or "+00:00"
    assert "'=SUM(A1)" in row and "=SUM(A1)" not in row


def test_the_csv_speaks_english_to_an_english_reader(admin):
    client, number = admin
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": csrf(client, "/")})
    header, row = _csv_rows(client.get("/admin/instances.csv"))
    assert header[:4] == ["Complaint no.", "Process", "Version", "Status"] and row[0] == number
    assert "in progress" in row or "waiting" in row


def test_the_xlsx_has_the_same_list_with_real_times(admin):
    client, number = admin
    response = client.get("/admin/instances.xlsx?status=")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    header, row = rows
    csv_header, _ = _csv_rows(client.get("/admin/instances.csv"))
    assert header == csv_header and row[0] == number and "投诉处理" in row and "停车" in row
    assert datetime(2025, 10, 15, 9, 30) in row  # a date-time cell in local time, not text
    assert "'=SUM(A1)" in row and not any(isinstance(v, str) and v.startswith("=") for v in row)


def test_exports_follow_the_filter_and_refuse_other_roles(admin, rt):
    client, _ = admin
    header, *rows = _csv_rows(client.get("/admin/instances.csv?status=completed"))
    assert header[0] == "投诉编号" and rows == []
    sheet = load_workbook(io.BytesIO(client.get("/admin/instances.xlsx?status=completed").get_data())).active
    assert sheet.max_row == 1
    assert client.get("/admin/instances.xlsx?version=two").status_code == 400
    login(client, "wang")
    assert client.get("/admin/instances.xlsx").status_code == 403
    assert client.get("/admin/instances.csv").status_code == 403
