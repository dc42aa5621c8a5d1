"""The monthly report's figures (001: counts, the timeliness rates, every breach rated, repeat and
collective complaints, corrective actions) for October 2026, built once through the API on a moved
clock across the National Day holiday (October 1-7 off; Sunday September 20 and Saturday October 10
worked; Friday September 25 off), the worker's sweep firing the deadlines. Every figure is compared
with a hand count written below; the report made as of a moment stays the same however the
complaints go on afterwards.

Repeat links, collective cases and corrective actions are written into their tables directly: the
services that fill them are built elsewhere at the same time (issue 16)."""
from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from runtime import business_calendar, clock, report_policy, worker
from runtime.bootstrap import bootstrap
from runtime.config import PROJECT_ROOT, Settings
from runtime.errors import ConfigurationError, InvalidInput, PermissionDenied
from runtime.read import report, report_lists
from runtime.read.lateness import Lateness
from runtime.services.api_tokens import create_token
from runtime.services.users import create_user, get_actor
from runtime.store.migrate import alembic_config
from runtime.store.models import (CollectiveCase, CollectiveMember, ComplaintLink, ComplaintRecord, ProcessInstance,
                                  SlaClock)
from tests.conftest import ADMIN
from tests.helpers import INTAKE, PASSWORD, closing_review, deploy_processes
from web import create_app

SH = ZoneInfo("Asia/Shanghai")
PEOPLE = {"wang": ["front_desk"], "li": (["department"], "engineering"), "qian": (["department"], "cleaning"),
          "zhao": (["department"], "finance"), "sun": ["site_manager"], "gao": ["general_manager"],
          "chen": ["cs_manager"], "quan": ["quality"], "root": ["admin"], "liu": ["duty_manager"]}
AS_OF = datetime(2026, 11, 1, 9, 0, tzinfo=SH)  # the report on the morning after the month
MID = datetime(2026, 10, 12, 12, 0, tzinfo=SH)  # a report kept in the middle of the month


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def at(*args) -> datetime:
    moment = datetime(*args, tzinfo=SH)
    clock.freeze(moment.astimezone(UTC))
    return moment


class Desk:
    """The JSON API as the front desk, the departments and the managers use it (one token each)."""

    def __init__(self, rt, client):
        self.rt, self.client = rt, client
        self.tokens = {name: create_token(rt, ADMIN, name, "report tests") for name in PEOPLE}

    def call(self, method, path, who="wang", **kwargs):
        return self.client.open(f"/api/v1{path}", method=method,
                                headers={"Authorization": f"Bearer {self.tokens[who]}"}, **kwargs)

    def accept(self, who="wang", **fields) -> str:
        """Each complaint from its own customer (its own phone and unit) unless ``fields`` say otherwise."""
        self.customers = getattr(self, "customers", 0) + 1
        own = {"customer_phone": f"1390000{self.customers:04d}", "customer_unit": f"{self.customers}栋101"}
        response = self.call("POST", "/complaints", who, json={**INTAKE, **own, **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["number"]

    def complaint(self, number) -> dict:
        response = self.call("GET", f"/complaints/{number}", "root")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def done(self, number, name, who, **form) -> None:
        found = [t for t in self.complaint(number)["tasks"] if t["name"] == name]
        assert found, f"{number}: no step {name}"
        response = self.call("POST", f"/tasks/{found[0]['id']}/complete", who, json=form)
        assert response.status_code == 200, response.get_json()

    def advance_to(self, *args) -> None:
        at(*args)
        worker.run_once(self.rt)

    def dispatched(self, number, department, at_once=True) -> None:
        self.done(number, "triage", "wang", validity="valid", department=department)
        if at_once:
            self.done(number, "first_reply", "wang", reply_summary="已电话答复客户")

    def called_back(self, number, satisfaction="satisfied", action: tuple | None = None) -> None:
        """Called back; if satisfied, closed by the site manager's review with one ``action`` (kind, what,
        owner, due day) or the helpers' default one, due at the end of November."""
        self.done(number, "callback", "wang", satisfaction=satisfaction, callback_channel="phone")
        if satisfaction == "satisfied":
            kind, text, owner, due = action or ("corrective", "落实整改", "sun", "2026-11-30")
            review = {**closing_review(), "actions": [{"kind": kind, "description": text, "owner": owner,
                                                       "due_on": due}]}
            self.done(number, "confirm", "sun", **review)

    def action_done(self, number, who) -> None:
        """The action's owner marks the complaint's open action done on the API."""
        [found] = [a for a in self.call("GET", "/actions?scope=all", "sun").get_json()["actions"]
                   if a["complaint"] == number]
        response = self.call("POST", f"/actions/{found['id']}/done", who, json={"note": "已完成"})
        assert response.status_code == 200, response.get_json()


def month(rt, who="quan", as_of=AS_OF, year=2026, number=10) -> dict:
    return report.for_month(rt, get_actor(rt, who), year, number, as_of)


def build(desk: Desk) -> dict:
    """The complaints, by letter (their numbers), and the reports made on the way."""
    k: dict = {}
    before_the_holiday(desk, k)
    over_the_holiday(desk, k)
    later_in_october(desk, k)
    desk.advance_to(2026, 11, 1, 9, 0)
    k["final"] = month(desk.rt)
    desk.advance_to(2026, 11, 2, 10, 0)  # afterwards: F taken over, D goes on, more rows in the lists
    desk.done(k["F"], "take_over", "sun")
    desk.done(k["D"], "inform_site", "sun")
    afterwards(desk, k)
    return k


def before_the_holiday(desk: Desk, k: dict) -> None:
    at(2025, 10, 20, 9, 0)  # last October: one complaint, everything in time
    k["L1"] = desk.accept(category="noise")
    desk.dispatched(k["L1"], "engineering")
    desk.done(k["L1"], "handle", "li", handling_result="已处理完毕")
    desk.called_back(k["L1"])
    at(2026, 9, 18, 9, 0)  # September: S1 in time (handled the same day)
    k["S1"] = desk.accept(category="parking")
    desk.dispatched(k["S1"], "engineering")
    desk.done(k["S1"], "handle", "li", handling_result="已处理完毕")
    desk.called_back(k["S1"])
    at(2026, 9, 24, 16, 0)  # S2: due Sep 30 16:00 (Sep 25 off); handled Oct 8 10:00, after the holiday
    k["S2"] = desk.accept(category="parking")
    desk.dispatched(k["S2"], "engineering")


def over_the_holiday(desk: Desk, k: dict) -> None:
    at(2026, 10, 1, 10, 0)  # A, accepted on the holiday: handling due Oct 10 18:00 (Oct 8, 9, the worked Saturday)
    k["A"] = desk.accept(category="noise", channel="phone", location="3栋")
    at(2026, 10, 1, 10, 5)
    desk.dispatched(k["A"], "engineering")
    at(2026, 10, 1, 11, 0)  # B: dispatched 5 minutes late (the sweep fired at 11:25)
    k["B"] = desk.accept(category="hygiene", channel="website", location="5栋")
    desk.advance_to(2026, 10, 1, 11, 25)
    desk.dispatched(k["B"], "cleaning")
    desk.advance_to(2026, 10, 8, 10, 0)  # A and B: nobody called the customer within 3 days
    desk.done(k["S2"], "handle", "li", handling_result="已处理完毕")
    desk.called_back(k["S2"])
    at(2026, 10, 9, 9, 0)  # C: received at 06:00, entered at 09:00, invalid
    k["C"] = desk.accept(category="parking", channel="visit", location="3栋", received_at="2026-10-09T06:00:00+08:00")
    at(2026, 10, 9, 9, 5)
    desk.done(k["C"], "triage", "wang", validity="invalid")
    desk.done(k["C"], "explain", "wang", explanation="车位按合同约定分配", explained_by="phone")
    desk.advance_to(2026, 10, 10, 17, 0)
    desk.done(k["A"], "handle", "li", handling_result="已处理完毕")  # on the worked Saturday, in time
    at(2026, 10, 11, 10, 0)
    desk.called_back(k["A"], action=("corrective", "夜间施工巡查", "li", "2026-10-15"))
    desk.advance_to(2026, 10, 12, 9, 0)  # B's handling (due Oct 10 18:00) fires
    at(2026, 10, 12, 12, 0)
    desk.done(k["B"], "handle", "qian", handling_result="已处理完毕")
    k["mid"] = month(desk.rt, as_of=MID)
    at(2026, 10, 12, 15, 0)
    desk.called_back(k["B"], "not_satisfied")  # reopened as B2, which goes well
    k["B2"] = desk.complaint(k["B"])["outcome"]["reopened_as"]
    at(2026, 10, 12, 15, 10)
    desk.dispatched(k["B2"], "cleaning")


def later_in_october(desk: Desk, k: dict) -> None:
    at(2026, 10, 13, 9, 0)  # E: received by the quality department, taken over by the site manager at 10:00
    k["E"] = desk.accept(who="quan", category="property_fee", channel="letter", location="5栋")
    at(2026, 10, 13, 10, 0)
    desk.done(k["E"], "take_over", "sun")
    desk.done(k["B2"], "handle", "qian", handling_result="已重新处理")
    desk.called_back(k["B2"], action=("preventive", "垃圾清运改为每日两次", "qian", "2026-10-20"))
    at(2026, 10, 13, 10, 5)
    desk.done(k["E"], "triage", "sun", validity="valid", department="finance")
    desk.done(k["E"], "first_reply", "sun", reply_summary="已书面答复")
    desk.done(k["E"], "handle", "zhao", handling_result="已退还多收费用")
    desk.done(k["E"], "callback", "sun", satisfaction="satisfied", callback_channel="phone")
    desk.done(k["E"], "confirm", "sun", **{**closing_review(), "actions": [
        {"kind": "corrective", "description": "收费标准公示", "owner": "sun", "due_on": "2026-11-30"}]})
    at(2026, 10, 15, 10, 0)
    desk.action_done(k["A"], "li")
    at(2026, 10, 20, 9, 0)  # H: called back 4 hours late
    k["H"] = desk.accept(category="noise", channel="wechat", location="3栋")
    at(2026, 10, 20, 9, 5)
    desk.dispatched(k["H"], "engineering")
    at(2026, 10, 20, 11, 0)
    desk.done(k["H"], "handle", "li", handling_result="已处理完毕")
    desk.advance_to(2026, 10, 21, 12, 0)
    at(2026, 10, 21, 15, 0)
    desk.called_back(k["H"])
    at(2026, 10, 30, 9, 0)  # D: major (a safety hazard), to be dispatched at once; dispatched at 09:25
    k["D"] = desk.accept(category="lift", channel="phone", location="7栋", safety_hazard=True)
    desk.advance_to(2026, 10, 30, 9, 25)
    desk.done(k["D"], "triage", "wang", validity="valid", department="engineering")
    at(2026, 10, 30, 16, 0)  # F: the quality department's, not yet taken over on Nov 1
    k["F"] = desk.accept(who="quan", category="lift", channel="phone", location="7栋")
    linked(desk.rt, k)


def ids(session, k: dict) -> dict:
    return {name: session.query(ProcessInstance.id).filter_by(business_key=k[name]).scalar() for name in k
            if isinstance(k[name], str)}


def linked(rt, k) -> None:
    """Links as intake records them, without the customers it takes (H repeats A: as the same customer H would
    be a major complaint and take another path; D and F form a collective case, which takes three)."""
    with rt.db.transaction() as session:
        n = ids(session, k)
        session.add(ComplaintLink(instance_id=n["H"], related_id=n["A"], kind="repeat",
                                  created_at=local(2026, 10, 20, 9, 0), details={}))
        case = CollectiveCase(site="7栋", category="lift", opened_at=local(2026, 10, 30, 16, 0), status="open",
                              reason={})
        session.add(case)
        session.flush()
        session.add_all([CollectiveMember(collective_id=case.id, instance_id=n[x], joined_at=local(2026, 10, 30, 16, 0))
                         for x in ("D", "F")])


def afterwards(desk, k) -> None:
    with desk.rt.db.transaction() as session:
        n = ids(session, k)
        case = session.query(CollectiveCase).one()
        session.add(CollectiveMember(collective_id=case.id, instance_id=n["B2"], joined_at=local(2026, 11, 2, 10, 0)))
    desk.action_done(k["B2"], "qian")


@pytest.fixture(scope="module")
def world(tmp_path_factory, sqlite_template):
    path = tmp_path_factory.mktemp("report")
    shutil.copy(sqlite_template, path / "cf.db")
    settings = Settings(database_url=f"sqlite:///{path / 'cf.db'}", secret_key="test-secret",
                        processes_dir=PROJECT_ROOT / "processes", var_dir=path, embedded_worker=False)
    rt = bootstrap(settings)
    at(2025, 10, 1, 9, 0)
    deploy_processes(rt)
    for name, spec in PEOPLE.items():
        roles, department = spec if isinstance(spec, tuple) else (spec, None)
        create_user(rt, name, PASSWORD, list(roles), department=department)
    desk = Desk(rt, create_app(runtime=rt).test_client())
    keys = build(desk)
    clock.unfreeze()
    yield rt, keys
    rt.close()


def rates(figures: dict) -> dict:
    return {r["key"]: (r["numerator"], r["denominator"]) for r in figures["rates"]}


# -- counts and rates -------------------------------------------------------------------------------
def test_the_months_counts_by_every_group(world):
    _, k = world
    figures = k["final"]
    assert (figures["starts_on"], figures["ends_on"], figures["as_of"]) == (
        "2026-10-01", "2026-10-31", "2026-11-01T01:00:00+00:00")
    # A B C B2 E H D F were accepted in October (C at 06:00 on Oct 9, entered at 09:00); S2 in September
    assert figures["counts"] == {"total": 8, "by": {
        "validity": {"valid": 6, "invalid": 1, "none": 1},  # F is not yet triaged
        "category": {"hygiene": 2, "lift": 2, "noise": 2, "parking": 1, "property_fee": 1},
        "severity": {"normal": 7, "major": 1},
        "department": {"engineering": 3, "cleaning": 2, "none": 2, "finance": 1},
        "channel": {"phone": 3, "website": 2, "letter": 1, "visit": 1, "wechat": 1},
        "site": {"3栋": 3, "5栋": 3, "7栋": 2}}}


def test_every_rate_against_its_hand_count(world):
    _, k = world
    figures = k["final"]
    assert rates(figures) == {
        "accepted": (7, 8),  # F waits for a site manager to take it over
        "entered_2h": (0, 1),  # C entered 3 hours after it was received
        "dispatched_20min": (3, 7),  # A, B2, H in time; B, C, E, D late; F not yet due
        "replied_24h": (5, 5),  # A B B2 E H (C is invalid, D is major: no first reply)
        "handled_in_time": (4, 5),  # B late; D's 5 working days run until Nov 6
        "contacted_3_days": (0, 2),  # A and B over the holiday
        "called_back": (4, 5),  # H late
        "closed_accepted": (4, 5),  # A B2 E H; B reopened (C, explained as invalid, is not counted)
        "improper_closure": (1, 5),  # B
    }
    assert {r["key"]: r["target"] for r in figures["rates"]}["improper_closure"] == 0.0
    assert {r["target"] for r in figures["rates"] if r["key"] != "improper_closure"} == {1.0}


def test_a_month_of_many_breaches_lists_the_most_serious_and_counts_them_all(world):
    rt, k = world
    final = k["final"]
    assert final["breaches_listed"] == len(final["breaches"]) == sum(final["breach_counts"].values())  # under 1,000
    order = {"serious": 0, "normal": 1, "minor": 2}
    with rt.db.reader() as session:
        period = report._period(date(2026, 10, 1), date(2026, 10, 31), AS_OF)
        tally, few = report_lists.breaches(session, period, report_policy.load(rt.settings.processes_dir),
                                           Lateness(business_calendar.current()), listed=3)
    assert tally == {r: [b["rating"] for b in final["breaches"]].count(r) for r in tally}  # every one still counted
    assert sum(tally.values()) == len(final["breaches"])
    most_serious = sorted(final["breaches"], key=lambda b: order[b["rating"]])[:3]
    assert sorted(b["rating"] for b in few) == sorted(b["rating"] for b in most_serious)
    assert few == [b for b in final["breaches"] if b in few]  # in the report's order (by due time)


def test_lateness_is_kept_when_a_late_step_is_done_and_measured_again_only_where_it_was_not(world):
    """Each breached deadline's lateness is written when it ends (the late step done, the complaint
    ended); clocks from before that existed (migration 0021 leaves their working days empty) or still
    late are measured when the report reads them, with the same result."""
    rt, k = world
    with rt.db.engine.connect() as conn:
        kept = conn.execute(select(SlaClock.late_until.is_not(None), SlaClock.late_days.is_not(None))
                            .where(SlaClock.breached_at.is_not(None))).all()
        assert {tuple(c) for c in kept} == {(True, True), (False, False)}  # ended and measured, or late still
        conn.execute(update(SlaClock).values(late_days=None, late_hours=None))  # as the migration leaves them
        measured = report.figures(Session(bind=conn), date(2026, 10, 1), date(2026, 10, 31), AS_OF,
                                  report_policy.load(rt.settings.processes_dir))
        conn.rollback()
    final = k["final"]
    assert [(b["business_key"], b["rule"], b["late_working_days"], b["rating"]) for b in measured["breaches"]] == [
        (b["business_key"], b["rule"], b["late_working_days"], b["rating"]) for b in final["breaches"]]
    assert [b["late_until"] for b in measured["breaches"]] == [b["late_until"] for b in final["breaches"]]
    assert measured["breach_counts"] == final["breach_counts"]


def test_every_breach_with_its_lateness_and_rating(world):
    _, k = world
    got = [(b["business_key"], b["rule"], b["late_working_days"], round(b["late_hours"], 2), b["rating"],
            b["because"]) for b in k["final"]["breaches"]]
    assert got == [
        (k["B"], "dispatch_20_minutes", 0.0, 0.08, "minor", "minor_other"),  # 5 minutes, on a holiday
        # nobody called A back within 3 days: late from Oct 4 10:00 until A closed on Oct 11 10:00, that is
        # Oct 8, Oct 9 and the worked Saturday Oct 10 (the holiday and Sunday Oct 11 do not count)
        (k["A"], "contact_every_3_days", 3.0, 168.0, "serious", "serious_over_1_working_day"),
        # B: until it ended on Oct 12 15:00: three working days and 09:00-12:00, 13:30-15:00 of Oct 12
        (k["B"], "contact_every_3_days", 3.6, 196.0, "serious", "serious_over_1_working_day"),
        (k["C"], "dispatch_20_minutes", 0.01, 2.75, "normal", "normal_over_2_hours"),  # due 06:20, done 09:05
        (k["C"], "entry_2_hours", 0.0, 1.0, "minor", "minor_other"),  # due 08:00, entered 09:00: before hours
        (k["B"], "handle_3_working_days", 0.4, 42.0, "normal", "normal_over_2_hours"),  # due Sat 18:00, done Mon 12:00
        (k["E"], "dispatch_20_minutes", 0.1, 0.75, "minor", "minor_other"),  # taken over at 10:00, dispatched 10:05
        (k["H"], "callback_deadline", 0.33, 4.0, "normal", "normal_over_2_hours"),  # due 11:00, called back 15:00
        (k["D"], "dispatch_20_minutes", 0.04, 0.33, "serious", "serious_major_or_crisis"),  # major: any breach
    ]
    assert k["final"]["breach_counts"] == {"serious": 3, "normal": 3, "minor": 3}
    first = k["final"]["breaches"][0]
    assert (first["due_at"], first["breached_at"], first["severity"], first["department"], first["element_name"]) == (
        "2026-10-01T03:20:00+00:00", "2026-10-01T03:25:00+00:00", "normal", "cleaning", "20分钟未派单")


def test_repeats_collective_cases_and_corrective_actions(world):
    _, k = world
    figures = k["final"]
    assert figures["repeats"] == {"count": 1, "items": [{"business_key": k["H"], "repeat_of": k["A"]}]}
    [case] = figures["collective"]["items"]
    assert (figures["collective"]["count"], case["site"], case["category"], case["members"], case["business_keys"]) == (
        1, "7栋", "lift", 2, sorted([k["D"], k["F"]]))
    actions = figures["actions"]  # from the closing reviews of A, B2, E and H; A's marked done on the API
    assert (actions["open"], actions["done"], actions["overdue"]) == (3, 1, 1)
    assert sorted((a["business_key"], a["kind"], a["root_cause"], a["status"], a["due_on"], a["done_at"])
                  for a in actions["items"]) == sorted([
        (k["A"], "corrective", "internal", "done", "2026-10-15", "2026-10-15T02:00:00+00:00"),
        (k["B2"], "preventive", "internal", "open", "2026-10-20", None),
        (k["E"], "corrective", "internal", "open", "2026-11-30", None),
        (k["H"], "corrective", "internal", "open", "2026-11-30", None)])


def test_previous_month_and_last_year(world):
    _, k = world
    compare = k["final"]["compare"]
    previous, last_year = compare["previous"], compare["last_year"]
    # September was kept by the worker (made as of its last working day, Sep 30 16:00): October compares
    # with it as it was reported then. S1 closed; S2's handling due that very moment, not yet done.
    assert previous["kept"] is True and "kept" not in last_year
    assert (previous["starts_on"], previous["ends_on"], previous["counts"]) == ("2026-09-01", "2026-09-30",
                                                                                {"total": 2})
    assert rates(previous) == {"accepted": (2, 2), "entered_2h": (0, 0), "dispatched_20min": (2, 2),
                               "replied_24h": (2, 2), "handled_in_time": (1, 2), "contacted_3_days": (0, 0),
                               "called_back": (1, 1), "closed_accepted": (1, 1), "improper_closure": (0, 1)}
    assert previous["breach_counts"] == {"serious": 0, "normal": 1, "minor": 0}  # due then, 0 working days late
    september = month(world[0], number=9)  # the same month computed as of Nov 1: all that happened since
    assert rates(september) == {"accepted": (2, 2), "entered_2h": (0, 0), "dispatched_20min": (2, 2),
                               "replied_24h": (2, 2), "handled_in_time": (1, 2), "contacted_3_days": (0, 1),
                               "called_back": (2, 2), "closed_accepted": (2, 2), "improper_closure": (0, 2)}
    # S2: handling due Sep 30 16:00 (Friday Sep 25 was off), done Oct 8 10:00: 0.4 working days, 186 hours;
    # its customer not called from Sep 27 16:00 until it closed: Sep 28, 29, 30 and an hour of Oct 8
    assert september["breach_counts"] == {"serious": 1, "normal": 1, "minor": 0}
    assert (last_year["starts_on"], last_year["ends_on"], last_year["counts"]) == ("2025-10-01", "2025-10-31",
                                                                                   {"total": 1})
    assert rates(last_year) == {"accepted": (1, 1), "entered_2h": (0, 0), "dispatched_20min": (1, 1),
                                "replied_24h": (1, 1), "handled_in_time": (1, 1), "contacted_3_days": (0, 0),
                                "called_back": (1, 1), "closed_accepted": (1, 1), "improper_closure": (0, 1)}
    assert last_year["breach_counts"] == {"serious": 0, "normal": 0, "minor": 0}


# -- as of a moment -----------------------------------------------------------------------------------
def test_made_again_as_of_the_same_moment_it_is_the_same(world):
    rt, k = world
    again = month(rt)  # after F was taken over, D went on, B2 joined the case and B's action was done
    assert again == k["final"]
    assert json.loads(json.dumps(again)) == again
    assert month(rt, as_of=MID) == k["mid"]
    later = month(rt, as_of=datetime(2026, 11, 2, 12, 0, tzinfo=SH))
    assert rates(later)["accepted"] == (8, 8)
    assert later["collective"]["items"][0]["members"] == 3
    assert (later["actions"]["open"], later["actions"]["done"], later["actions"]["overdue"]) == (2, 2, 0)


def test_the_mid_month_report_counts_only_what_had_happened(world):
    _, k = world
    mid = k["mid"]  # Oct 12 12:00: A closed; B handled late just now; B2, E, H, D, F not yet received
    assert mid["counts"]["total"] == 3
    assert mid["counts"]["by"]["validity"] == {"invalid": 1, "valid": 2}
    assert {key: v for key, v in rates(mid).items() if key in ("handled_in_time", "closed_accepted",
                                                                "improper_closure", "called_back")} == {
        "handled_in_time": (1, 2), "closed_accepted": (1, 1), "improper_closure": (0, 1), "called_back": (1, 1)}
    assert mid["repeats"]["count"] == 0
    assert (mid["actions"]["open"], mid["actions"]["done"], mid["actions"]["overdue"]) == (1, 0, 0)  # A's, not due
    assert [(a["business_key"], a["status"]) for a in mid["actions"]["items"]] == [(k["A"], "open")]


# -- the policy ------------------------------------------------------------------------------------------
def test_an_edited_policy_rates_the_breaches_again(world):
    rt, k = world
    text = (PROJECT_ROOT / "processes" / report_policy.FILE_NAME).read_text(encoding="utf-8")
    policy = report_policy.parse(text.replace("late_hours_over = 2.0", "late_hours_over = 5.0"))
    with rt.db.reader() as session:
        figures = report.figures(session, date(2026, 10, 1), date(2026, 10, 31), AS_OF, policy)
    ratings = {(b["business_key"], b["rule"]): (b["rating"], b["because"]) for b in figures["breaches"]}
    assert ratings[(k["C"], "dispatch_20_minutes")] == ("minor", "minor_other")  # 2.75 h is no longer "over"
    assert ratings[(k["H"], "callback_deadline")] == ("normal", "normal_handling_or_callback")
    assert ratings[(k["B"], "handle_3_working_days")] == ("normal", "normal_over_2_hours")  # 42 h
    assert figures["breach_counts"] == {"serious": 3, "normal": 2, "minor": 4}


def test_a_bad_policy_file_is_refused_naming_the_line_and_key(world, tmp_path):
    rt, _ = world
    processes = tmp_path / "processes"
    shutil.copytree(PROJECT_ROOT / "processes", processes)
    policy = processes / report_policy.FILE_NAME
    good = policy.read_text(encoding="utf-8")
    policy.write_text(good.replace('rating = "minor"', 'rating = "tiny"'), encoding="utf-8")
    broken = dataclasses.replace(rt.settings, processes_dir=processes)
    other = bootstrap(broken)
    try:
        with pytest.raises(ConfigurationError) as refused:
            report.for_month(other, get_actor(other, "quan"), 2026, 10, AS_OF)
        line = good.splitlines().index('rating = "minor"') + 1
        assert str(refused.value) == (f"{policy}, line {line}: rating rule 'minor_other': rating must be one of "
                                      "serious, normal, minor, not 'tiny'")
    finally:
        other.close()
    for bad, says in [(good.replace("late_hours_over = 2.0", 'late_hours_over = "two"'),
                       "late_hours_over must be a number >= 0, not 'two'"),
                      (good.replace('severity = ["major", "crisis"]', 'severity = ["huge"]'),
                       "severity must be a list of some of normal, major, crisis"),
                      (good.replace("\n[rates]\n", "\n[rates]\nanswered_1h = []\n"), "unknown rate 'answered_1h'"),
                      (good.replace('id = "minor_other"', 'id = "normal_over_2_hours"'), "is used twice"),
                      (good + "\n[[rating]\n", "report_policy.toml: ")]:
        with pytest.raises(ConfigurationError, match="line") as refused:
            report_policy.parse(bad)
        assert says in str(refused.value)


# -- who may read it, and what it refuses -------------------------------------------------------------------
@pytest.mark.parametrize("who", ["quan", "gao", "sun", "chen", "root"])
def test_the_report_readers(world, who):
    rt, k = world
    assert month(rt, who)["counts"]["total"] == 8


@pytest.mark.parametrize("who", ["wang", "li", "liu"])
def test_others_may_not_read_the_report(world, who):
    rt, _ = world
    with pytest.raises(PermissionDenied, match="may not read the complaint report"):
        month(rt, who)


def test_bad_periods_are_refused_with_what_is_wrong(world):
    rt, _ = world
    actor = get_actor(rt, "quan")
    with pytest.raises(InvalidInput, match="no such month: 2026-13"):
        report.for_month(rt, actor, 2026, 13)
    with pytest.raises(InvalidInput, match="before its first day"):
        report.for_range(rt, actor, date(2026, 10, 31), date(2026, 10, 1))
    with pytest.raises(InvalidInput, match="as_of needs a time zone"):
        report.for_range(rt, actor, date(2026, 10, 1), date(2026, 10, 31), datetime(2026, 11, 1))


def test_a_range_of_days_compares_with_the_days_just_before(world):
    rt, k = world
    figures = report.for_range(rt, get_actor(rt, "quan"), date(2026, 10, 9), date(2026, 10, 13), AS_OF)
    assert figures["counts"]["total"] == 3  # C, B2, E
    assert (figures["compare"]["previous"]["starts_on"], figures["compare"]["previous"]["ends_on"]) == (
        "2026-10-04", "2026-10-08")



@pytest.mark.parametrize("first, last", [(date(2026, 10, 1), date(2026, 10, 31)),  # two months apart: counted together
                                         (date(2025, 9, 1), date(2026, 10, 31))])  # over a year: they overlap
def test_each_comparison_has_the_figures_of_its_own_report(world, first, last):
    rt, _ = world
    quality = get_actor(rt, "quan")
    figures = report.for_range(rt, quality, first, last, AS_OF)
    for name, compared in figures["compare"].items():
        if compared.get("kept"):
            continue
        alone = report.for_range(rt, quality, date.fromisoformat(compared["starts_on"]),
                                 date.fromisoformat(compared["ends_on"]), AS_OF)
        assert (name, compared["counts"]["total"], compared["rates"], compared["breach_counts"]) == (
            name, alone["counts"]["total"], alone["rates"], alone["breach_counts"])
    assert figures["compare"]["last_year"]["counts"]["total"] >= 1  # last October's complaint, or more


# -- the migration ----------------------------------------------------------------------------------------
def test_the_migration_gives_existing_complaints_their_facts(rt, web):
    """Complaints accepted before migration 0017 are counted by the facts their instances kept."""
    desk = Desk(rt, web(PEOPLE))
    at(2026, 10, 9, 9, 0)
    valid = desk.accept(category="noise")
    desk.dispatched(valid, "engineering")
    invalid = desk.accept(category="parking", received_at="2026-10-09T08:30:00+08:00")
    desk.done(invalid, "triage", "wang", validity="invalid")
    desk.done(invalid, "explain", "wang", explanation="车位按合同约定分配", explained_by="phone")
    with rt.db.engine.begin() as connection:
        command.downgrade(alembic_config(rt.db.engine, connection), "0016")
    with rt.db.engine.begin() as connection:
        command.upgrade(alembic_config(rt.db.engine, connection), "head")
    with rt.db.reader() as session:
        rows = {key: session.execute(select(ComplaintRecord.accepted_at, ComplaintRecord.validity,
                                            ComplaintRecord.department, ComplaintRecord.severity,
                                            ComplaintRecord.taken_at.is_not(None)).join(ProcessInstance)
                                     .where(ProcessInstance.business_key == key)).one() for key in (valid, invalid)}
    assert rows[valid] == (local(2026, 10, 9, 9, 0), "valid", "engineering", "normal", True)
    assert rows[invalid] == (local(2026, 10, 9, 8, 30), "invalid", None, "normal", True)
    figures = month(rt, as_of=local(2026, 10, 9, 12, 0))
    assert figures["counts"]["by"]["validity"] == {"invalid": 1, "valid": 1}
    assert rates(figures)["accepted"] == (2, 2)
