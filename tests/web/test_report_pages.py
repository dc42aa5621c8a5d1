"""The monthly report in the console, as a spreadsheet and as a PDF: the figures a quality manager reads, the
same in all three; who may read and keep it; junk in the address refused in the reader's language."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook

from runtime import clock, services, worker
from runtime.actors import Actor
from tests.helpers import INTAKE, csrf, signed_in, task
from tests.process.conftest import SH

WANG = Actor("wang", frozenset({"front_desk"}))
PEOPLE = {"wang": ["front_desk"], "qian": ["quality"], "sun": ["site_manager"], "zhou_gm": ["general_manager"]}


@pytest.fixture
def site(rt, web):
    """October 2026: two complaints, one dispatched in 5 minutes, one left 25 minutes (the 20-minute rule missed)."""
    client = web(PEOPLE)
    clock.freeze(datetime(2026, 10, 12, 10, 0, tzinfo=SH))
    for key in ("CF-R-1", "CF-R-2"):
        services.start_instance(rt, WANG, "complaint", dict(INTAKE), business_key=key)
    clock.advance(timedelta(minutes=5))
    services.complete_task(rt, WANG, task(rt, "CF-R-1", "triage").id,
                           {"validity": "valid", "department": "engineering"})
    clock.advance(timedelta(minutes=20))
    worker.run_once(rt)
    return client


def rate_cells(html: str, key: str) -> list[str]:
    row = re.search(rf'<tr data-rate="{key}">(.*?)</tr>', html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]


def test_the_month_in_the_console_shows_each_rate_with_its_numerator_and_denominator(site):
    client = signed_in(site, "qian")
    html = client.get("/reports/2026-10").get_data(as_text=True)
    assert "2026年10月" in html or "2026-10" in html
    assert rate_cells(html, "dispatched_20min")[1:4] == ["1", "2", "50.0%"]
    assert 'id="chart-rates"' in html and "vendor/echarts.min.js" in html and "report_charts.js" in html
    assert 'href="/reports/"' in client.get("/").get_data(as_text=True)  # the quality department finds it


def test_the_spreadsheet_and_the_pdf_say_the_same(site, tmp_path):
    client = signed_in(site, "qian")
    sheet = client.get("/reports/2026-10/xlsx")
    assert sheet.status_code == 200 and sheet.headers["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(sheet.data))
    rows = {r[0]: r for r in book["时效指标"].iter_rows(min_row=3, values_only=True)}
    assert rows["20分钟内派单率"][1:4] == (1, 2, 0.5)
    assert book["时效指标"]["D3"].number_format == "0.0%"
    assert [r[0] for r in book["超时明细"].iter_rows(min_row=3, values_only=True)].count("CF-R-2") >= 1
    pdf = client.get("/reports/2026-10/pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    assert "2026年10月客户投诉处理报告" in text and "20分钟内派单率" in text and "CF-R-2" in text
    assert "50.0%（1/2）" in text.replace(" ", "")
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")],
                   check=True)
    [page] = tmp_path.glob("page*.png")
    assert page.stat().st_size > 5000  # a drawn page, not a blank one


def test_who_may_read_and_keep_the_report(site, rt):
    front = signed_in(site, "wang")
    assert 'href="/reports/"' not in front.get("/").get_data(as_text=True)
    for path in ("/reports/", "/reports/2026-10", "/reports/2026-10/xlsx", "/reports/2026-10/pdf"):
        assert front.get(path).status_code == 403, path
    manager = signed_in(site.application.test_client(), "sun")
    assert manager.get("/reports/2026-10").status_code == 200  # reads it
    refused = manager.post("/reports/2026-10/keep", data={"csrf_token": csrf(manager, "/reports/2026-10")})
    assert refused.status_code == 403
    quality = signed_in(site.application.test_client(), "qian")
    early = quality.post("/reports/2026-10/keep", data={"csrf_token": csrf(quality, "/reports/2026-10")})
    assert early.status_code == 302  # on Oct 12 the month is not over: kept now, it would stand in for the worker's
    assert "统计期间结束后才能保存" in quality.get(early.headers["Location"]).get_data(as_text=True)
    assert not kept_periods(rt)
    clock.freeze(datetime(2026, 11, 3, 10, 0, tzinfo=SH))
    assert "保存并发送此报告" in quality.get("/reports/2026-09").get_data(as_text=True)  # over, not kept
    kept = quality.post("/reports/2026-09/keep", data={"csrf_token": csrf(quality, "/reports/2026-09")})
    assert kept.status_code == 302 and kept_periods(rt) == ["2026-09"]
    html = quality.get("/reports/2026-09").get_data(as_text=True)
    assert "保存并发送此报告" not in html  # kept once: no second button
    assert 'href="/reports/2026-09"' in quality.get("/reports/").get_data(as_text=True)


def kept_periods(rt) -> list[str]:
    from sqlalchemy import select

    from runtime.store.models import MonthlyReport
    with rt.db.reader() as session:
        return list(session.scalars(select(MonthlyReport.period).order_by(MonthlyReport.id)))


@pytest.mark.parametrize("path", ["/reports/2026-13", "/reports/9999-12", "/reports/2101-01-01..2101-01-02",
                                  "/reports/junk", "/reports/2026-10-05..2026-10-01",
                                  "/reports/2020-01-01..2026-01-01", "/reports/2026-10/exe",
                                  "/reports/2026-11-01..2026-11-15/docx", "/reports/?period=x"])
def test_a_bad_period_is_refused_in_the_readers_language(site, path):
    client = signed_in(site, "qian")
    answer = client.get(path)
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400, path
    assert "Traceback" not in body and re.search(r"[\u4e00-\u9fff]", body)
    assert "must be" not in body  # not the runtime's English


def test_the_english_page_speaks_english_and_the_chinese_one_no_codes(site):
    client = signed_in(site, "qian")
    chinese = client.get("/reports/2026-10").get_data(as_text=True)
    for code in (">dispatch_20_minutes<", ">dispatched_20min<", ">serious<", ">engineering<", ">none<"):
        assert code not in chinese, code
    client.post("/language", data={"lang": "en", "next": "/reports/2026-10", "csrf_token": csrf(client, "/")})
    english = client.get("/reports/2026-10").get_data(as_text=True)
    assert "Dispatched within 20 minutes" in english and "Complaint report 2026-10" in english
    chrome = re.sub(r"<td>[^<]*</td>|<script[^>]*>.*?</script>", "", english, flags=re.S)  # the rows: user data
    shown = re.sub(r"<[^>]+>", " ", chrome)
    shown = shown.replace("3栋", "").replace("中文", "")  # the site (user data); the language switch says its own name
    assert not re.findall(r"[\u4e00-\u9fff]+", shown), re.findall(r"[\u4e00-\u9fff]+", shown)
