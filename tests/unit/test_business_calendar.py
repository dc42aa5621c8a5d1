"""Chinese working days, company closures, working hours, and the diagram time functions."""
from __future__ import annotations

import json
import os
import time
from datetime import date, datetime, timedelta, UTC
from zoneinfo import ZoneInfo

import holidays
import pytest

from runtime import business_calendar as bc
from runtime import calendar_data, clock
from runtime.errors import ConfigurationError

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cal():
    return bc.load(None)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def test_the_required_example_crosses_national_day_to_the_makeup_saturday(cal):
    assert cal.add_working_days(at(2025, 9, 30, 10, 0), 3) == at(2025, 10, 11, 10, 0)
    assert date(2025, 10, 11).weekday() == 5 and cal.is_working_day(date(2025, 10, 11))


@pytest.mark.parametrize("day, working", [
    (date(2025, 10, 1), False), (date(2025, 10, 8), False),   # National Day + Mid-Autumn
    (date(2025, 9, 28), True),                                # makeup Sunday
    (date(2025, 10, 9), True), (date(2025, 10, 12), False),   # ordinary Thursday / Sunday
    (date(2026, 2, 16), False), (date(2026, 2, 14), True),    # Spring Festival 2026 and its makeup Saturday
])
def test_working_days_follow_the_official_schedule(cal, day, working):
    assert cal.is_working_day(day) is working


def test_started_on_a_day_off_the_deadline_is_end_of_the_nth_working_day(cal):
    assert cal.add_working_days(at(2025, 10, 4, 15, 0), 1) == at(2025, 10, 9, 18, 0)
    assert cal.add_working_days(at(2025, 10, 4, 15, 0), 0) == at(2025, 10, 4, 15, 0)


def test_business_hours_skip_lunch_nights_and_holidays(cal):
    assert cal.add_business_hours(at(2025, 9, 30, 11, 0), 2) == at(2025, 9, 30, 14, 30)  # 11-12, 13:30-14:30
    assert cal.add_business_hours(at(2025, 9, 30, 17, 0), 2) == at(2025, 10, 9, 10,
                                                                   0)  # 1 h today, 1 h after the holiday
    assert cal.add_business_hours(at(2025, 10, 3, 20, 0), 1) == at(2025, 10, 9, 10, 0)


def test_working_days_between_counts_only_working_time(cal):
    start = at(2025, 9, 30, 9, 0)
    assert cal.working_days_between(start, at(2025, 10, 9, 13, 30)) == pytest.approx(1.0 + 3 / 7.5)
    assert cal.working_days_between(at(2025, 10, 9, 13, 30), start) < 0


# The law's list (全国年节及纪念日放假办法, as amended in 2024) for 2027, worked out by hand from the lunar
# calendar: New Year; Spring Festival eve and days 1-3 (Feb 5-8); Qingming (Apr 5); 1-2 May; Dragon
# Boat (Jun 9); Mid-Autumn (Sep 15); 1-3 October.
LAW_2027 = ["2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-04-05", "2027-05-01",
            "2027-05-02", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02", "2027-10-03"]


def test_a_year_without_an_official_schedule_is_provisional_by_the_law_never_refused(cal):
    rules = holidays.China(years=2027, observed=False)
    assert sorted(d.isoformat() for d in rules) == LAW_2027
    off = [d for d in map(date.fromisoformat, LAW_2027) if d.weekday() < 5]
    assert all(not cal.is_working_day(d) for d in off)
    assert cal.is_working_day(date(2027, 1, 4)) and cal.is_working_day(date(2027, 2, 9))  # no bridge day guessed
    assert not cal.is_working_day(date(2027, 2, 20))  # no make-up Saturday guessed either
    assert not cal.is_exact(date(2027, 1, 4)) and cal.is_exact(date(2026, 12, 31))
    assert cal.schedule(2027).source.startswith("provisional")
    assert cal.add_working_days(at(2026, 12, 30, 10, 0), 3) == at(2027, 1, 5, 10, 0)
    assert cal.next_working_time(at(2026, 12, 31, 18, 30)) == at(2027, 1, 4, 9, 0)
    assert cal.add_working_days(at(2099, 12, 30, 10, 0), 5) > at(2100, 1, 1, 0, 0)


def entered_2027(tmp_path, table: str) -> bc.Path:
    path = tmp_path / "business_calendar.toml"
    path.write_text(f"[national.2027]\n{table}\n")
    return path


def test_the_official_schedule_entered_for_a_new_year_is_exact_with_its_make_up_days(tmp_path):
    cal = bc.load(entered_2027(tmp_path, 'holidays = ["2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", '
                                         '"2027-02-10", "2027-02-11"]\nworkdays = ["2027-02-13"]'))
    assert cal.is_exact(date(2027, 6, 1)) and cal.schedule(2027).source.endswith("[national.2027]")
    assert cal.is_working_day(date(2027, 2, 13)) and not cal.is_working_day(date(2027, 2, 9))
    assert cal.is_working_day(date(2027, 6, 9))  # entered: only what the table lists is off, no rule
    assert cal.exact_until == date(2027, 12, 31)
    assert cal.add_working_days(at(2027, 2, 4, 10, 0), 2) == at(2027, 2, 13, 10, 0)  # Fri 12th, then Sat 13th


@pytest.mark.parametrize("table, message", [
    ('workdays = ["2027-02-22"]', "2027-02-22 is a Monday; make-up working days are weekend days"),
    ('holidays = ["2027-02-06"]', "2027-02-06 is a Saturday, already a day off"),
    ('holidays = ["2028-01-03"]', "2028-01-03 is not in 2027"),
    ('holidays = ["5 Feb"]', "'5 Feb' is not a date written as YYYY-MM-DD"),
    ('days = ["2027-02-05"]', "write only holidays"),
])
def test_a_wrong_entered_schedule_names_the_table_and_the_date(tmp_path, table, message):
    with pytest.raises(ConfigurationError, match=r"\[national\.2027\].*" + message):
        bc.load(entered_2027(tmp_path, table))


def test_a_year_entered_and_later_shipped_must_agree_with_the_shipped_schedule(tmp_path, cal):
    path = tmp_path / "cal.toml"
    shipped = cal.schedule(2026)
    same = (f"[national.2026]\nholidays = {sorted(d.isoformat() for d in shipped.days_off)}\n"
            f"workdays = {sorted(d.isoformat() for d in shipped.workdays)}\n")
    path.write_text(same)
    assert bc.load(path).schedule(2026) == shipped
    path.write_text('[national.2026]\nholidays = ["2026-01-05"]\n')
    with pytest.raises(ConfigurationError, match="differs from the official schedule of 2026 shipped with "
                                                 "chinesecalendar 1.11.0 on 2026-01-01, 2026-01-02"):
        bc.load(path)


def test_from_60_days_before_the_last_known_day_the_next_year_is_asked_for(cal):
    assert cal.exact_until == date(2026, 12, 31)
    assert cal.needs_next_year(date(2026, 11, 1)) == date(2026, 12, 31)
    assert cal.needs_next_year(date(2026, 10, 31)) is None


def test_an_edit_of_the_watched_file_takes_effect_and_a_bad_edit_is_refused(tmp_path):
    path = tmp_path / "cal.toml"
    path.write_text("[company]\nclosures = []\n")
    try:
        assert bc.watch(path).is_working_day(date(2027, 2, 22))
        path.write_text('[national.2027]\nholidays = ["2027-02-22"]\n')
        assert bc.refresh() is None and not bc.current().is_working_day(date(2027, 2, 22))
        path.write_text('[national.2027]\nworkdays = ["2027-02-22"]\n')
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
        assert "make-up working days are weekend days" in bc.refresh()
        assert not bc.current().is_working_day(date(2027, 2, 22)) and bc.load_error() == bc.refresh()
    finally:
        bc.configure(bc.load(None))


def test_company_closures_and_extra_workdays_apply_on_top(tmp_path):
    company = tmp_path / "cal.toml"
    company.write_text('[company]\nclosures = ["2025-09-30"]\nextra_workdays = ["2025-10-08"]\n'
                       '[working_hours]\nstart = "08:30"\nend = "17:30"\n')
    cal = bc.load(company)
    assert not cal.is_working_day(date(2025, 9, 30)) and cal.is_working_day(date(2025, 10, 8))
    assert cal.add_working_days(at(2025, 9, 29, 10, 0), 1) == at(2025, 10, 8, 10, 0)
    assert cal.add_business_hours(at(2025, 10, 8, 17, 0), 1) == at(2025, 10, 9, 9, 0)


@pytest.mark.parametrize("text, message", [
    ('[company]\nclosures = ["30/09/2025"]\n', "closures: dates must be written as YYYY-MM-DD"),
    ('[working_hours]\nstart = "nine"\n', "'nine' is not a time like 09:00"),
    ('[working_hours]\nstart = "19:00"\n', "start < lunch_start"),
])
def test_a_bad_company_file_names_what_is_wrong(tmp_path, text, message):
    company = tmp_path / "cal.toml"
    company.write_text(text)
    with pytest.raises(ConfigurationError, match=message):
        bc.load(company)


def test_the_shipped_data_is_what_chinesecalendar_generates():
    assert json.loads(calendar_data.DATA_FILE.read_text()) == calendar_data.generate()


def test_the_shipped_data_agrees_with_the_holidays_package(cal):
    """An independent source: python-holidays' working-day rules for China, 2019-2026."""
    reference = holidays.China(years=range(2019, 2027))
    day, disagreements = date(2019, 1, 1), []
    while day <= date(2026, 12, 31):
        if cal.is_working_day(day) != reference.is_working_day(day):
            disagreements.append(day.isoformat())
        day += timedelta(days=1)
    assert disagreements == []


def test_the_diagram_functions_use_the_clock_and_the_calendar(cal):
    import handlers  # noqa: F401 (registers the functions)
    from handlers import time_functions as tf
    bc.configure(cal)
    clock.freeze(at(2025, 9, 30, 10, 0).astimezone(UTC))
    assert tf.working_days(3) == f"PT{int(timedelta(days=11).total_seconds())}S"
    assert tf.business_hours(2) == "PT7200S"  # 10:00 -> 12:00, ends exactly at the lunch break
    assert tf.working_days_after("2025-09-30T10:00:00+08:00", 3) == "2025-10-11T10:00:00+08:00"
    assert tf.days_after("2025-09-30T10:00:00+08:00", 10) == "2025-10-10T10:00:00+08:00"
    assert tf.now_iso() == "2025-09-30T02:00:00+00:00"
    with pytest.raises(ValueError, match="no UTC offset"):
        tf.days_after("2025-09-30T10:00:00", 1)
    with pytest.raises(ValueError, match="whole number"):
        tf.working_days(1.5)
    clock.freeze(at(2026, 12, 28, 10, 0).astimezone(UTC))  # across New Year into provisional 2027
    assert tf.working_days(5) == f"PT{int((at(2027, 1, 5, 10, 0) - at(2026, 12, 28, 10, 0)).total_seconds())}S"
