"""The procedure rules of domain.md, as a hotline integration and the staff pages meet them: every
complaint is driven through the JSON API (and read on its page) on a frozen clock across the 2025
National Day holiday (October 1-8 off, Sunday September 28 and Saturday October 11 worked), and each
test checks what people see: which step appears, for whom, due when, what is refused, and what the
complaint's page and the API say."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from runtime import clock, worker
from runtime.services.api_tokens import create_token
from runtime.store.models import ProcessInstance
from tests.conftest import ADMIN
from tests.helpers import INTAKE, closing_review, csrf, signed_in
from web import create_app

SH = ZoneInfo("Asia/Shanghai")
PEOPLE = {"wang": ["front_desk"], "zhou": ["front_desk"], "li": (["department"], "engineering"),
          "qian": (["department"], "cleaning"), "chen": ["cs_manager"], "liu": ["duty_manager"],
          "sun": ["site_manager"], "gao": ["general_manager"], "zheng": ["legal"], "feng": ["crisis_team"],
          "quan": ["quality"], "root": ["admin"]}
ANONYMOUS_POST = {"channel": "website", "category": "hygiene", "description": "楼道垃圾三天没人清理，味道很大"}


def at(*args) -> datetime:
    moment = datetime(*args, tzinfo=SH)
    clock.freeze(moment.astimezone(UTC))
    return moment


class Hotline:
    """The API as an integration drives it (one token per person) and the pages as staff see them."""

    def __init__(self, rt, client):
        self.rt, self.client = rt, client
        self.tokens = {name: create_token(rt, ADMIN, name, "procedure tests") for name in PEOPLE}

    def call(self, method, path, who="wang", **kwargs):
        return self.client.open(f"/api/v1{path}", method=method,
                                headers={"Authorization": f"Bearer {self.tokens[who]}"}, **kwargs)

    def accept(self, who="wang", **fields) -> str:
        response = self.call("POST", "/complaints", who, json={**INTAKE, **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["number"]

    def complaint(self, number, who="root") -> dict:
        response = self.call("GET", f"/complaints/{number}", who)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def steps(self, number) -> list[str]:
        return sorted(t["name"] for t in self.complaint(number)["tasks"])

    def task(self, number, name) -> dict:
        found = [t for t in self.complaint(number)["tasks"] if t["name"] == name]
        assert found, f"{number}: no step {name}; waiting: {self.steps(number)}"
        return found[0]

    def due(self, number, name) -> datetime:
        return datetime.fromisoformat(self.task(number, name)["due_at"]).astimezone(SH)

    def complete(self, number, name, who, **form):
        return self.call("POST", f"/tasks/{self.task(number, name)['id']}/complete", who, json=form)

    def done(self, number, name, who, **form) -> None:
        response = self.complete(number, name, who, **form)
        assert response.status_code == 200, response.get_json()

    def clocks(self, number) -> list[tuple[str, str]]:
        return [(c["rule"], c["state"]) for c in self.complaint(number)["time_limits"]]

    def advance_to(self, *args) -> None:
        at(*args)
        worker.run_once(self.rt)

    def page(self, number, who="wang") -> str:
        client = signed_in(create_app(runtime=self.rt).test_client(), who)
        response = client.get(f"/complaints/{number}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def handled(self, number, department="engineering", who="li") -> None:
        """Dispatched as valid to one department, answered, handled: waiting for the callback."""
        self.done(number, "triage", "wang", validity="valid", department=department)
        self.done(number, "first_reply", "wang", reply_summary="已电话答复客户")
        self.done(number, "handle", who, handling_result="已处理完毕")


@pytest.fixture
def desk(rt, web):
    return Hotline(rt, web(PEOPLE))


def error(response) -> tuple[int, str, str]:
    body = response.get_json()
    return response.status_code, body["error"]["code"], body["error"]["message"]


# -- 100% acceptance (001) -----------------------------------------------------------------------------
def test_an_anonymous_website_post_is_accepted_and_answered_where_it_came_from(desk):
    at(2025, 9, 30, 9, 0)
    number = desk.accept(**{k: "" for k in ("customer_name", "customer_phone", "customer_unit", "demand")},
                         **ANONYMOUS_POST)
    view = desk.complaint(number)
    assert view["callback"] == {"reachable": False, "means": [], "reply_where": "website"}
    assert "未留电话或电子邮件：在投诉来源处发布答复（社区网站/留言板）" in desk.page(number)
    desk.handled(number, "cleaning", "qian")
    assert desk.steps(number) == ["post_reply"]
    post = desk.task(number, "post_reply")
    assert post["assignee"] == "wang" and post["title"] == "在投诉来源处发布答复"
    assert "callback" not in desk.steps(number)
    desk.done(number, "post_reply", "wang", posted_reply="已安排保洁每日清理", posted_where="website")
    # five working days without an answer: 10/9, 10/10, 10/11 (a worked Saturday), 10/13, 10/14
    desk.advance_to(2025, 10, 13, 18, 0)
    assert "await_reply" in desk.steps(number)
    desk.advance_to(2025, 10, 14, 9, 1)
    assert desk.task(number, "confirm")["role"] == "site_manager"
    desk.done(number, "confirm", "sun", **closing_review())
    view = desk.complaint(number)
    assert (view["status"], view["tasks"]) == ("completed", [])
    assert view["outcome"] == {"kind": "closed", "satisfaction": "deemed_accepted"}


def test_contact_data_is_optional_but_checked_when_given(desk):
    at(2025, 9, 30, 9, 0)
    response = desk.call("POST", "/complaints", json={**ANONYMOUS_POST, "customer_phone": "call me"})
    status, code, _ = error(response)
    assert (status, code) == (400, "invalid_input") and list(response.get_json()["error"]["fields"]) == [
        "customer_phone"]
    assert desk.call("GET", "/tasks?scope=all").get_json()["total"] == 0  # nothing was accepted
    number = desk.accept(**ANONYMOUS_POST, customer_phone="", customer_email="owner@example.test")
    assert desk.complaint(number)["callback"] == {"reachable": True, "means": ["email"], "reply_where": None}
    desk.done(number, "triage", "wang", validity="valid", department="cleaning")
    # the address is contact data: the department sees it masked, the front desk in full
    assert desk.complaint(number, "qian")["record"]["customer_email"] == "o***@example.test"
    assert desk.complaint(number, "wang")["record"]["customer_email"] == "owner@example.test"


# -- entered within 2 hours of acceptance (001) --------------------------------------------------------
def test_the_reception_time_is_recorded_and_a_late_entry_is_a_breach(desk):
    at(2025, 9, 30, 11, 0)
    late = desk.accept(received_at="2025-09-30T08:30")  # a call at 08:30, typed in at 11:00
    view = desk.complaint(late)
    assert datetime.fromisoformat(view["received_at"]) == datetime(2025, 9, 30, 8, 30, tzinfo=SH)
    assert datetime.fromisoformat(view["entered_at"]) == datetime(2025, 9, 30, 11, 0, tzinfo=SH)
    assert ("entry_2_hours", "breached") in desk.clocks(late)
    # every limit counts from the reception: dispatch was due at 08:50, the reply at 08:30 tomorrow
    assert ("dispatch_20_minutes", "breached") in desk.clocks(late)
    assert desk.task(late, "dispatch_reminder")["role"] == "duty_manager"
    desk.done(late, "triage", "wang", validity="valid", department="engineering")
    assert desk.due(late, "first_reply") == datetime(2025, 10, 1, 8, 30, tzinfo=SH)

    on_time = desk.accept(received_at="2025-09-30T09:30+08:00")
    assert "entry_2_hours" not in [rule for rule, _ in desk.clocks(on_time)]
    now = desk.accept()  # left empty: received now
    assert datetime.fromisoformat(desk.complaint(now)["received_at"]) == datetime(2025, 9, 30, 11, 0, tzinfo=SH)
    # received by the quality department and taken over by a site manager hours later: entered on time all the same
    quality = desk.accept(who="quan")
    desk.advance_to(2025, 9, 30, 14, 0)
    desk.done(quality, "take_over", "sun")
    assert "entry_2_hours" not in [rule for rule, _ in desk.clocks(quality)]
    assert "收到投诉" in desk.page(late) and "2025-09-30 08:30" in desk.page(late)


def test_a_reception_time_in_the_future_or_not_a_time_is_refused(desk):
    at(2025, 9, 30, 11, 0)
    for bad, says in (("2025-09-30T11:30", "in the future"), ("yesterday", "is not a date and time")):
        response = desk.call("POST", "/complaints", json={**INTAKE, "received_at": bad})
        status, code, message = error(response)
        assert (status, code) == (400, "invalid_input") and says in response.get_json()["error"]["fields"][
            "received_at"], message
    assert desk.call("GET", "/tasks?scope=all").get_json()["total"] == 0


# -- immediate dispatch (001): an explicit, editable classification ------------------------------------
@pytest.mark.parametrize(("fields", "urgent", "reason"), [
    ({"category": "metering"}, True, "计量表故障：日常生活依赖的设施故障"),
    ({"category": "antenna"}, True, "天线/有线电视故障：日常生活依赖的设施故障"),
    ({"category": "building_automation"}, True, "楼宇自控故障：日常生活依赖的设施故障"),
    ({"category": "regulation_breach", "description": "业主正在违规拆除承重墙"}, True,
     "正在发生的违反法规或业主公约的行为"),
    ({"category": "lift"}, True, "电梯故障：日常生活依赖的设施故障"),
    ({"category": "hygiene", "description": "电梯厅地面有垃圾，没人打扫"}, False, None),
    ({"category": "noise", "dispatch_urgency": "urgent"}, True, "前台判定须立即派单"),
    ({"category": "power", "dispatch_urgency": "not_urgent"}, False, "前台判定无须立即派单"),
    ({"category": "noise", "injury": True, "dispatch_urgency": "not_urgent"}, True, "人身伤害：危及人身安全"),
])
def test_which_complaints_are_dispatched_at_once_and_why(desk, fields, urgent, reason):
    received = at(2025, 9, 30, 10, 0)
    number = desk.accept(**fields)
    assert desk.complaint(number)["dispatch"] == {"urgent": urgent, "reason": reason}
    assert desk.due(number, "triage") == received + timedelta(minutes=5 if urgent else 20)
    page = desk.page(number)
    assert ("须立即派单（5分钟）" if urgent else "20分钟内派单") in page and (reason or "") in page


def test_the_receivers_list_filtered_by_what_they_entered_shows_the_new_dispatch_step(desk):
    """Accepted through the API, the complaint's dispatch step is in its receiver's list at once when
    filtered by the category and place just entered (the step's row copies them as it is written)."""
    at(2025, 9, 30, 10, 0)
    number = desk.accept(category="lift", location="5栋大堂")
    client = signed_in(create_app(runtime=desk.rt).test_client(), "wang")
    for query in ("category=lift", "site=5栋大堂", "category=lift&site=5栋大堂&channel=phone"):
        page = client.get(f"/?tab=mine&{query}")
        assert page.status_code == 200 and number in page.get_data(as_text=True), query
    assert number not in client.get("/?tab=mine&category=noise").get_data(as_text=True)
    at(2025, 9, 30, 10, 25)  # the dispatch limit has passed: the step is in the overdue list, still filtered
    assert number in client.get("/?tab=overdue&category=lift&site=5栋大堂").get_data(as_text=True)


def _as_the_last_release_saved_it(rt, number) -> None:
    """The instance row's fingerprint of its clocks as releases before 0029 wrote it: no element ids."""
    with rt.db.transaction() as session:
        instance = session.scalars(select(ProcessInstance).where(ProcessInstance.business_key == number)).one()
        clocks = {tid: entry[:3] for tid, entry in instance.projected["clocks"].items()}
        instance.projected = {**instance.projected, "clocks": clocks}


@pytest.mark.parametrize("saved_before", [False, True], ids=["saved now", "saved by the last release"])
def test_the_front_desk_corrects_the_urgency_while_it_waits_for_dispatch(desk, saved_before):
    received = at(2025, 9, 30, 10, 0)
    number = desk.accept(category="hygiene", description="电梯厅积水，有人滑倒的危险")
    assert desk.due(number, "triage") == received + timedelta(minutes=20)
    if saved_before:
        _as_the_last_release_saved_it(desk.rt, number)
    at(2025, 9, 30, 10, 2)
    assert "更正为须立即派单" in desk.page(number)
    assert "更正为" not in desk.page(number, "gao")  # the general manager reads it, but dispatching is not theirs
    assert error(desk.call("POST", f"/complaints/{number}/urgency", "gao", json={"urgent": True}))[:2] == (
        403, "permission_denied")
    assert error(desk.call("POST", f"/complaints/{number}/urgency", json={"urgent": "yes"}))[:2] == (
        400, "invalid_input")
    response = desk.call("POST", f"/complaints/{number}/urgency", json={"urgent": True})
    assert response.status_code == 200, response.get_json()
    assert desk.complaint(number)["dispatch"] == {"urgent": True, "reason": "前台更正：须立即派单"}
    assert desk.due(number, "triage") == received + timedelta(minutes=5)  # still from the reception
    assert desk.task(number, "triage")["assignee"] == "wang"
    dispatch = [c for c in desk.clocks(number) if c[0] == "dispatch_20_minutes"]
    assert dispatch == [("dispatch_20_minutes", "running")]  # one clock, not one met and one new
    desk.advance_to(2025, 9, 30, 10, 5, 1)
    assert [c for c in desk.clocks(number) if c[0] == "dispatch_20_minutes"] == [("dispatch_20_minutes", "breached")]
    desk.done(number, "triage", "wang", validity="valid", department="engineering")
    status, code, message = error(desk.call("POST", f"/complaints/{number}/urgency", json={"urgent": False}))
    assert (status, code) == (409, "invalid_state") and "dispatched already" in message
    assert "更正为" not in desk.page(number)


def test_a_correction_after_the_dispatch_deadline_is_refused_and_reminds_no_one_twice(desk):
    at(2025, 9, 30, 10, 0)
    number = desk.accept(category="hygiene")
    desk.advance_to(2025, 9, 30, 10, 25)  # 20 minutes have passed: the duty manager has been reminded
    assert desk.steps(number) == ["dispatch_reminder", "triage"]
    assert "更正为" not in desk.page(number)  # not offered any more
    status, code, message = error(desk.call("POST", f"/complaints/{number}/urgency", json={"urgent": True}))
    assert (status, code) == (409, "invalid_state") and "deadline" in message and "passed" in message
    desk.advance_to(2025, 9, 30, 10, 30)
    assert desk.steps(number) == ["dispatch_reminder", "triage"]
    assert [c for c in desk.clocks(number) if c[0] == "dispatch_20_minutes"] == [("dispatch_20_minutes", "breached")]


# -- invalid complaints and consultations are closed with their reason (001, 003) ----------------------
@pytest.mark.parametrize(("validity", "label"), [("invalid", "无效投诉"), ("consultation", "咨询")])
def test_the_closing_reason_of_an_invalid_complaint_or_consultation_is_shown(desk, validity, label):
    at(2025, 9, 30, 10, 0)
    number = desk.accept()
    desk.done(number, "triage", "wang", validity=validity)
    desk.done(number, "explain", "wang", explanation="施工在允许时段内，已向客户解释", explained_by="phone")
    view = desk.complaint(number)
    assert view["outcome"] == {"kind": "closed_with_reason", "validity": validity,
                               "reason": "施工在允许时段内，已向客户解释"}
    assert f"{label} · 已关闭，原因：施工在允许时段内，已向客户解释" in desk.page(number)


# -- reply within 24 hours of acceptance; first reply or an agreed date at most 3 working days on (001) -
def test_the_reply_is_due_24_hours_after_acceptance_however_late_the_dispatch(desk):
    at(2025, 9, 30, 10, 0)
    number = desk.accept()
    desk.advance_to(2025, 9, 30, 13, 0)  # dispatched three hours late
    desk.done(number, "triage", "wang", validity="valid", department="engineering")
    assert desk.due(number, "first_reply") == datetime(2025, 10, 1, 10, 0, tzinfo=SH)
    desk.advance_to(2025, 10, 1, 10, 1)
    assert desk.task(number, "reply_reminder")["role"] == "cs_manager"
    assert ("reply_24_hours", "breached") in desk.clocks(number)


def test_an_agreed_re_reply_date_is_at_most_3_working_days_ahead_and_becomes_a_deadline(desk):
    at(2025, 9, 30, 10, 0)
    number = desk.accept()
    desk.done(number, "triage", "wang", validity="valid", department="engineering")
    # three working days from 9/30: 10/9, 10/10 and the worked Saturday 10/11
    for too_far in ("2025-10-13", "2025-12-01"):
        response = desk.complete(number, "first_reply", "wang", reply_summary="需查明原因", agreed_reply_date=too_far)
        status, code, _ = error(response)
        assert (status, code) == (400, "invalid_input")
        assert "at most 2025-10-11" in response.get_json()["error"]["fields"]["agreed_reply_date"]
    status, code, _ = error(desk.complete(number, "first_reply", "wang", reply_summary="x" * 3,
                                          agreed_reply_date="2025-09-29"))
    assert (status, code) == (400, "invalid_input")  # a day gone by
    assert "first_reply" in desk.steps(number) and "rereply" not in desk.steps(number)  # nothing moved
    desk.done(number, "first_reply", "wang", reply_summary="需查明原因，10月11日前再答复",
              agreed_reply_date="2025-10-11")
    assert desk.task(number, "rereply")["assignee"] == "wang"
    assert desk.due(number, "rereply") == datetime(2025, 10, 11, 18, 0, tzinfo=SH)  # the end of that working day
    desk.advance_to(2025, 10, 11, 17, 59)
    assert "rereply_reminder" not in desk.steps(number)
    desk.advance_to(2025, 10, 11, 18, 1)
    assert desk.task(number, "rereply_reminder")["role"] == "cs_manager"
    assert ("rereply_agreed_date", "breached") in desk.clocks(number)
    desk.done(number, "rereply", "wang", rereply_summary="已查明：水泵故障，已更换")
    assert "rereply" not in desk.steps(number)


# -- keep the customer informed at least every 3 days, whatever the procedure (001) --------------------
@pytest.mark.parametrize(("intake", "first_step"), [({"injury": True}, "assessment"),
                                                    ({"casualties": True}, "form_team"),
                                                    ({}, "handle")])
def test_the_customer_is_contacted_every_3_days_in_every_procedure(desk, intake, first_step):
    at(2025, 9, 29, 10, 0)
    number = desk.accept(**intake)
    desk.done(number, "triage", "wang", validity="valid", department="engineering")
    assert first_step in desk.steps(number) and "contact_customer" not in desk.steps(number)
    desk.advance_to(2025, 10, 1, 10, 1)  # shown a day ahead, due 3 days after acceptance
    contact = desk.task(number, "contact_customer")
    assert contact["assignee"] == "wang" and desk.due(number, "contact_customer") == datetime(2025, 10, 2, 10, 0,
                                                                                             tzinfo=SH)
    desk.advance_to(2025, 10, 2, 15, 0)
    desk.done(number, "contact_customer", "wang", contact_note="电话告知进展", contact_channel="phone")
    assert ("contact_every_3_days", "breached") in desk.clocks(number)  # done five hours late
    desk.advance_to(2025, 10, 4, 15, 1)  # holidays or not: 3 calendar days after the last contact
    assert desk.due(number, "contact_customer") == datetime(2025, 10, 5, 15, 0, tzinfo=SH)


# -- 3 days for one department, 7 working days with several or with leadership (003) -------------------
@pytest.mark.parametrize(("triage", "due"), [
    ({}, datetime(2025, 10, 10, 10, 0, tzinfo=SH)),  # 9/30, 10/9, 10/10
    ({"coordination_needed": True}, datetime(2025, 10, 15, 10, 0, tzinfo=SH)),  # ... 10/11, 10/13, 10/14, 10/15
    ({"leadership_needed": True}, datetime(2025, 10, 15, 10, 0, tzinfo=SH)),
])
def test_the_handling_limit_is_7_working_days_when_several_departments_or_leadership_act(desk, triage, due):
    at(2025, 9, 29, 10, 0)
    number = desk.accept()
    desk.done(number, "triage", "wang", validity="valid", department="engineering", **triage)
    if triage.get("coordination_needed"):
        desk.done(number, "coordinate", "chen", coordination_plan="工程与保洁联合处理")
    assert desk.due(number, "handle") == due


# -- close only on acceptance; a complaint not accepted is reopened (001) ------------------------------
def test_a_valid_complaint_the_customer_only_understands_is_reopened_not_closed(desk):
    at(2025, 9, 30, 10, 0)
    number = desk.accept()
    desk.handled(number)
    desk.done(number, "callback", "wang", satisfaction="understands", callback_channel="phone")
    view = desk.complaint(number)
    assert view["status"] == "completed" and view["outcome"]["kind"] == "reopened"
    new = view["outcome"]["reopened_as"]
    assert new and new != number and desk.task(new, "triage")["assignee"] == "wang"
    assert desk.complaint(new)["record"]["reopened_from"] == number


def test_a_reopened_complaint_keeps_what_made_it_urgent_and_major(desk):
    at(2025, 9, 30, 10, 0)
    number = desk.accept(category="facilities", injury=True, economic_loss=20000)
    desk.done(number, "triage", "wang", validity="valid", department="engineering")
    for name, form in (("assessment", {"assessment": "评估"}), ("legal_opinion", {"legal_opinion": "意见"}),
                       ("investigate", {"report": "现场调查报告：水管老化爆裂，已拍照取证"}),
                       ("plan", {"solution_plan": "方案"})):
        desk.done(number, name, "li" if name in ("assessment", "investigate", "plan") else "zheng", **form)
    desk.done(number, "approve", "sun", approved=True)
    desk.done(number, "carry_out", "li", carried_out=True)
    desk.done(number, "callback", "wang", satisfaction="not_satisfied", callback_channel="phone")
    new = desk.complaint(number)["outcome"]["reopened_as"]
    view = desk.complaint(new)
    assert (view["severity"], view["dispatch"]["urgent"], view["record"]["injury"]) == ("major", True, True)
    page = desk.page(number)
    assert "客户未接受，已重新受理为" in page and f'href="/complaints/{new}"' in page and "已关闭：客户接受" not in page


def test_a_to_be_improved_complaint_closes_when_the_customer_understands(desk):
    at(2025, 9, 30, 10, 0)
    number = desk.accept(category="facilities", description="外墙渗水（开发商遗留问题）")
    desk.done(number, "triage", "wang", validity="to_be_improved")
    desk.done(number, "forward_external", "wang", external_party="开发商工程部")
    desk.done(number, "track_fix", "wang", fix_completed=True, fix_note="开发商已修复")
    desk.done(number, "callback", "wang", satisfaction="understands", callback_channel="phone")
    desk.done(number, "confirm", "sun", **closing_review())
    assert desk.complaint(number)["outcome"] == {"kind": "closed", "satisfaction": "understands"}
    assert "已关闭：客户接受（理解）" in desk.page(number)


# -- the site manager's confirmation closes the complaint and ends every branch (001, 003) -------------
def test_confirmation_after_a_late_callback_closes_and_nothing_fires_afterwards(desk):
    at(2025, 9, 30, 10, 0)
    number = desk.accept()
    desk.handled(number)
    desk.advance_to(2025, 10, 1, 10, 1)  # the callback is late: its reminder is open
    assert desk.task(number, "callback_reminder")["role"] == "cs_manager"
    desk.done(number, "callback", "wang", satisfaction="satisfied", callback_channel="phone")
    desk.done(number, "confirm", "sun", **closing_review())
    view = desk.complaint(number)
    assert (view["status"], view["tasks"], view["deadlines"]) == ("completed", [], [])
    desk.advance_to(2025, 10, 16, 10, 0)  # past 10 and 15 days: no alert for a closed complaint
    assert desk.complaint(number)["tasks"] == []
    assert not [e for e in desk.complaint(number)["history"] if e["task"] in ("alert_site_manager", "report_gm")]


# -- escalation at any moment from acceptance (003) ----------------------------------------------------
def test_media_exposure_is_reported_before_dispatch_and_refused_once_it_is_a_crisis(desk):
    at(2025, 9, 30, 10, 0)
    number = desk.accept()
    assert "媒体曝光</button>" in desk.page(number) and "人员伤亡</button>" in desk.page(number)
    response = desk.call("POST", f"/complaints/{number}/signals/media_exposure", json={"outlet": "晚报"})
    assert response.status_code == 200 and response.get_json()["delivered"] is True
    assert desk.steps(number) == ["form_team", "inform_leadership"]
    assert desk.complaint(number)["severity"] == "crisis"
    page = desk.page(number)
    assert "媒体曝光</button>" not in page  # nothing left to report: it is a crisis already
    status, code, message = error(desk.call("POST", f"/complaints/{number}/signals/casualties"))
    assert (status, code) == (409, "invalid_state") and "not waiting for the signal 'casualties'" in message
    status, code, message = error(desk.call("POST", f"/complaints/{number}/signals/fire_drill", "root"))
    assert (status, code) == (404, "not_found") and "no signal named 'fire_drill'" in message


def test_casualties_are_reported_by_a_manager_before_dispatch_not_by_who_cannot_see_it(desk):
    at(2025, 9, 30, 10, 0)
    number = desk.accept()
    assert desk.call("POST", f"/complaints/{number}/signals/casualties", "li").status_code == 403  # can't see it
    assert desk.call("POST", f"/complaints/{number}/signals/casualties", "chen").status_code == 200
    assert "form_team" in desk.steps(number)


# -- the first receiver owns the complaint whatever their role (001) -----------------------------------
@pytest.mark.parametrize("receiver", ["chen", "liu", "sun", "root", "zhou"])
def test_a_complaint_accepted_by_any_receiving_role_is_worked_by_its_receiver(desk, receiver):
    at(2025, 9, 30, 10, 0)
    number = desk.accept(who=receiver)
    assert desk.complaint(number)["owner"] == receiver
    assert desk.task(number, "triage")["assignee"] == receiver
    other = "wang" if receiver != "wang" else "zhou"
    status, code, message = error(desk.complete(number, "triage", other, validity="valid", department="engineering"))
    assert (status, code) == (409, "already_claimed") and f"claimed by {receiver}" in message
    status, code, message = error(desk.complete(number, "triage", "li", validity="valid", department="engineering"))
    assert (status, code) == (403, "permission_denied")  # not a claim race: li may not do it at all
    desk.done(number, "triage", receiver, validity="valid", department="engineering")
    desk.done(number, "first_reply", receiver, reply_summary="已答复")
    desk.done(number, "handle", "li", handling_result="已处理")
    assert desk.task(number, "callback")["assignee"] == receiver


def test_a_complaint_the_quality_department_receives_is_owned_by_the_site_manager_who_takes_it(desk):
    at(2025, 9, 30, 10, 0)
    number = desk.accept(who="quan")
    take_over = desk.task(number, "take_over")
    assert (take_over["role"], take_over["assignee"]) == ("site_manager", None)
    assert error(desk.complete(number, "take_over", "wang"))[:2] == (403, "permission_denied")
    desk.done(number, "take_over", "sun", take_over_note="由管理处跟进")
    view = desk.complaint(number)
    assert view["owner"] == "sun" and desk.task(number, "triage")["assignee"] == "sun"
    desk.done(number, "triage", "sun", validity="valid", department="engineering")
    assert desk.task(number, "first_reply")["assignee"] == "sun"
    assert desk.complaint(number, "quan")["number"] == number  # quality keeps tracking it


# -- the new parts of the page speak the reader's language ---------------------------------------------
def card(page: str) -> str:
    """The text of the intake card and the outcome line, tags and the form's hidden fields left out."""
    parts = re.findall(r'<p class="outcome[^>]*>(.*?)</p>|<dl class="record standing">(.*?)</dl>', page, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", " ".join(a + b for a, b in parts))


def test_the_intake_card_and_outcome_show_no_code_and_only_the_readers_language(desk):
    at(2025, 9, 30, 10, 0)
    anonymous = desk.accept(**{k: "" for k in ("customer_name", "customer_phone", "customer_unit", "demand")},
                            **ANONYMOUS_POST)
    closed = desk.accept(category="lift")
    desk.done(closed, "triage", "wang", validity="consultation")
    desk.done(closed, "explain", "wang", explanation="已说明电梯年检安排", explained_by="phone")
    for number in (anonymous, closed):
        zh = card(desk.page(number))
        assert zh.strip() and not re.search(r"[A-Za-z_]{3,}", zh), zh  # no codes, no English
    client = signed_in(create_app(runtime=desk.rt).test_client(), "wang")
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": csrf(client, "/")})
    diagram_text = ("电梯故障：日常生活依赖的设施故障", "已说明电梯年检安排")  # the diagram's reason, the staff's words
    for number in (anonymous, closed):
        en = card(client.get(f"/complaints/{number}").get_data(as_text=True))
        for text in diagram_text:
            en = en.replace(text, "")
        assert "Received" in en and not re.search(r"[\u4e00-\u9fff]", en), en
