"""The monthly report made by the worker on the last working day before the 1st (001: 每月1日前), kept, and
mailed to the quality department and leadership with its spreadsheet and PDF attached: across a month end
on a weekend (31 Oct 2026 is a Saturday: made on Friday 30th), a month ending on a make-up working day (Saturday
28 Feb 2026 is one: made that Saturday), and a worker that was down on the day."""
from __future__ import annotations

import io
import re
import shutil
from dataclasses import replace
from datetime import time

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from runtime.actors import Actor
from runtime.bootstrap import bootstrap
from runtime.errors import ConfigurationError
from runtime import report_policy
from runtime.reporting import schedule
from runtime.services import reports
from runtime.services.users import create_user
from runtime.store.models import MonthlyReport
from tests.process.conftest import SH, Scenario

QUALITY = Actor("qian", frozenset({"quality"}))


@pytest.fixture
def sc(settings, smtp_server, tmp_path):
    processes = tmp_path / "processes"
    shutil.copytree(settings.processes_dir, processes)
    rt = bootstrap(replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_server.port, processes_dir=processes,
                           base_url="https://cf.example.test"))
    scenario = Scenario(rt)
    scenario.register_users()
    create_user(rt, "qian", "password-123", ["quality"], email="qian@example.test")
    yield scenario
    rt.close()


def kept(sc, period: str | None = None) -> list[MonthlyReport]:
    """The kept reports (of one period): a worker started in a month also makes the month before's, once."""
    with sc.rt.db.reader() as s:
        query = select(MonthlyReport).order_by(MonthlyReport.id)
        return list(s.scalars(query.where(MonthlyReport.period == period) if period else query))


def test_a_month_ending_on_a_saturday_is_reported_on_the_friday_and_mailed_with_its_files(sc, smtp_server):
    sc.advance_to(2026, 10, 1, 9, 0)  # the worker's first sweep in October makes September's, due the day before
    sc.at(2026, 10, 12, 10, 0)  # Monday
    sc.start("CF-OCT-1")
    sc.advance(minutes=1)
    sc.advance_to(2026, 10, 29, 16, 30)
    sc.advance_to(2026, 10, 30, 15, 59)
    assert kept(sc, "2026-10") == []  # not the day before, not before the time of day
    assert [r.period for r in kept(sc)] == ["2026-09"]
    sc.advance(seconds=1)
    smtp_server.messages.clear()
    sc.advance_to(2026, 10, 30, 16, 0, 1)
    [report] = kept(sc, "2026-10")
    assert report.period == "2026-10" and report.figures["counts"]["total"] == 1
    assert report.figures["as_of"].startswith("2026-10-30T08:00")  # 16:00 in Shanghai, whenever the sweep ran
    [september] = kept(sc, "2026-09")  # October compares with it as it was reported
    previous = report.figures["compare"]["previous"]
    assert previous["kept"] is True and previous["rates"] == september.figures["rates"]
    assert "kept" not in report.figures["compare"]["last_year"]  # October 2025 was never kept: computed
    sc.advance(seconds=1)
    for address in ("qian@example.test", "zhou_gm@example.test"):  # the quality department and leadership
        [mail] = [m for m in smtp_server.to(address) if "投诉处理报告" in str(m["Subject"])]
        assert str(mail["Subject"]) == "客户投诉处理报告（2026-10）已生成，表格和 PDF 见附件"
        files = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
        assert set(files) == {"2026年10月客户投诉处理报告.xlsx", "2026年10月客户投诉处理报告.pdf"}
        assert files["2026年10月客户投诉处理报告.pdf"].startswith(b"%PDF")
        book = load_workbook(io.BytesIO(files["2026年10月客户投诉处理报告.xlsx"]))
        assert book.sheetnames[:2] == ["概览", "时效指标"] and book["概览"]["B3"].value == 1
        assert "https://cf.example.test/reports/2026-10" in mail.get_body(("plain",)).get_content()
    assert not [m for m in smtp_server.to("wang@example.test") if "投诉处理报告" in str(m["Subject"])]
    sc.advance(minutes=5)
    sc.advance_to(2026, 11, 2, 9, 0)
    assert len(kept(sc, "2026-10")) == 1  # made once, mailed once
    assert len([m for m in smtp_server.messages if "（2026-10）" in str(m["Subject"])]) == 2


def test_a_month_ending_on_a_make_up_saturday_is_reported_that_saturday(sc):
    sc.at(2026, 2, 27, 16, 30)  # Friday
    sc.advance(seconds=1)
    assert kept(sc, "2026-02") == []
    sc.advance_to(2026, 2, 28, 16, 0, 1)  # Saturday 28 Feb 2026 is a working day (调休)
    assert [r.period for r in kept(sc)] == ["2026-02"]  # January's moment (Friday 30th) is over a week ago


def test_a_worker_down_on_the_day_makes_the_same_report_when_it_comes_back(sc):
    sc.at(2026, 10, 30, 15, 0)
    sc.start("CF-OCT-2")
    sc.at(2026, 10, 30, 17, 0)
    sc.start("CF-OCT-3")  # after the report's moment: next time's news, not in this report
    sc.advance_to(2026, 11, 2, 9, 0)  # the first sweep after the weekend
    [report] = kept(sc, "2026-10")
    assert report.figures["as_of"].startswith("2026-10-30T08:00") and report.figures["counts"]["total"] == 1
    sc.complete("CF-OCT-2", "triage", validity="valid", department="engineering")
    again, figures = reports.regenerate(sc.rt, QUALITY, reports.month(2026, 10))
    assert figures == again.figures  # regenerating the month gives the very same figures


def test_the_schedule_is_the_process_owners_setting_and_a_bad_one_is_named(sc):
    policy = sc.rt.settings.processes_dir / schedule.POLICY_FILE
    text = re.sub(r"\n\[schedule\]\n(?:[a-z]+ = .*\n)*", "\n", policy.read_text(encoding="utf-8"))
    assert "\n[schedule]\n" not in text
    policy.write_text(text + '\n[schedule]\ntime = "09:30"\nrecipients = ["quality"]\n', encoding="utf-8")
    assert report_policy.load(sc.rt.settings.processes_dir).schedule == schedule.Schedule(time(9, 30), ("quality",))
    for bad, named in (('time = "25:00"', "time"), ('recipients = ["boss"]', "recipients"),
                       ('when = "09:00"', "when")):
        policy.write_text(text + f"\n[schedule]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigurationError, match=named):
            report_policy.load(sc.rt.settings.processes_dir)
    sc.at(2026, 10, 30, 16, 30)
    sc.start("CF-OCT-4")
    sc.advance(minutes=21)  # the sweep goes on: timers are not held up by a broken report setting
    assert kept(sc) == [] and "dispatch_20_minutes" in [rule for rule, _ in sc.breaches("CF-OCT-4")]


def test_the_production_day_follows_the_business_calendar():
    from runtime import business_calendar
    cal = business_calendar.current()
    days = {m: schedule.production_day(cal, y, m).isoformat() for y, m in ((2026, 2), (2026, 5), (2026, 10),
                                                                             (2026, 12))}
    assert days == {2: "2026-02-28", 5: "2026-05-29", 10: "2026-10-30", 12: "2026-12-31"}
    assert SH.key == "Asia/Shanghai"


def test_a_report_mail_that_cannot_be_written_fails_alone_and_the_sweep_goes_on(sc, smtp_server):
    sc.advance_to(2026, 10, 30, 16, 0, 1)  # the report is kept; its mail goes with the next sweep
    with sc.rt.db.transaction() as s:  # its figures damaged: the spreadsheet and the PDF cannot be made
        s.execute(update(MonthlyReport).values(figures={"as_of": "2026-10-30T08:00:00+00:00"}))
    sc.start("CF-OCT-5")
    sc.advance(seconds=1)
    assert [m["Subject"] for m in smtp_server.to("wang@example.test")] == ["[CF-OCT-5] 新任务：确认有效性并派单"]
    failed = [n for n in sc.notices(kind="monthly_report") if n.recipient == "qian"]
    assert failed and failed[0].email_status in ("pending", "failed") and "KeyError" in failed[0].email_error
    assert not [m for m in smtp_server.messages if "投诉处理报告" in str(m["Subject"])]
