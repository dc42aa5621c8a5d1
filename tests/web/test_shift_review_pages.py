"""The shift review as the duty manager works it: the review's page lists the old open complaints
above the form, each with its waiting steps (named, never coded), who holds them and its next
deadline (a missed one marked), and a note box; the notes written there appear on each complaint's
page; a note for a complaint that does not exist is refused on the page and nothing is kept."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from runtime import clock, services, worker
from runtime.services.api_tokens import create_token
from runtime.services.users import get_actor
from tests.conftest import ADMIN
from tests.helpers import INTAKE, audit, login, task
from tests.web.test_case_file import text_of

SH_OFFSET = "+08:00"
PEOPLE = {"wang": ["front_desk"], "liu": ["duty_manager"], "chen": ["cs_manager"]}
REVIEW = "SR-20261203-0800"


def at(text: str) -> None:
    clock.freeze(datetime.fromisoformat(text + SH_OFFSET).astimezone(UTC))


@pytest.fixture
def reviewing(rt, web):
    """OLD-1 (waiting for dispatch since 11/28), OLD-3 (to be fixed by the developer since 11/30), a
    2-day-old NEW-1; the worker's sweep at 08:00 starts the morning review."""
    client = web(PEOPLE)
    wang = get_actor(rt, "wang")
    at("2026-11-28T10:00")
    services.start_instance(rt, wang, "complaint", {**INTAKE, "subject": "电梯异响"}, business_key="OLD-1")
    at("2026-11-30T07:00")
    services.start_instance(rt, wang, "complaint", {**INTAKE, "subject": "外墙渗水"}, business_key="OLD-3")
    services.complete_task(rt, wang, task(rt, "OLD-3", "triage").id, {"validity": "to_be_improved"})
    at("2026-12-02T07:01")
    worker.run_once(rt)  # two days on: the customer is contacted, on time
    services.complete_task(rt, wang, task(rt, "OLD-3", "contact_customer").id, {"contact_note": "已告知开发商在处理"})
    at("2026-12-01T10:00")
    services.start_instance(rt, wang, "complaint", INTAKE, business_key="NEW-1")
    at("2026-12-03T08:00")
    worker.run_once(rt)
    login(client, "liu")
    return client


def rows(html: str) -> dict[str, str]:
    return {m[1]: m[2] for m in re.finditer(r'<tr data-complaint="([^"]+)">(.*?)</tr>', html, re.S)}


def test_the_review_page_lists_each_old_complaint_with_its_state_and_next_deadline(rt, reviewing):
    html = reviewing.get(f"/tasks/{task(rt, REVIEW, 'review').id}").get_data(as_text=True)
    listed = rows(html)
    assert list(listed) == ["OLD-1", "OLD-3"]
    old, fixing = text_of(listed["OLD-1"]), text_of(listed["OLD-3"])
    assert "电梯异响" in old and "确认有效性并派单 · wang" in old and "派单超时督办" in old
    assert "2026-11-28 10:20" in old and 'class="breach"' in listed["OLD-1"]  # missed
    assert "转交开发商/外部单位 · wang" in fixing and "2026-12-10 07:00" in fixing
    assert 'class="breach"' not in listed["OLD-3"]
    section = html[html.index('class="shift-review"'):html.index("</section>", html.index('class="shift-review"'))]
    for code in ("duty_manager", "front_desk", "running", "waiting"):
        assert f">{code}<" not in section and f"· {code}" not in section
    assert 'name="notes.OLD-1"' in section and section.index("shift-review") < html.index('type="submit"')


def post_review(rt, client, **notes):
    review = task(rt, REVIEW, "review")
    html = client.get(f"/tasks/{review.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)[1]
    form = {"csrf_token": token, "version": str(review.version), "summary": "两件超3天未结"}
    form.update({f"notes.{k}": v for k, v in notes.items()})
    return client.post(f"/tasks/{review.id}", data=form)


def test_the_notes_written_on_the_review_page_appear_on_each_complaints_page(rt, reviewing):
    at("2026-12-03T08:12")
    response = post_review(rt, reviewing, **{"OLD-1": "派单已超时，已电话催前台上午派单", "OLD-3": ""})
    assert response.status_code == 302
    login(reviewing, "wang")
    page = text_of(reviewing.get("/complaints/OLD-1").get_data(as_text=True))
    assert "派单已超时，已电话催前台上午派单" in page and "早班 2026-12-03" in page
    assert "2026-12-03 08:12" in page
    assert "早班 2026-12-03" not in text_of(reviewing.get("/complaints/OLD-3").get_data(as_text=True))


def test_a_note_for_an_unknown_complaint_is_refused_on_the_page_and_nothing_is_kept(rt, reviewing):
    response = post_review(rt, reviewing, **{"OLD-1": "已催办", "GONE-7": "不存在的投诉"})
    assert response.status_code == 400
    assert "GONE-7" in text_of(response.get_data(as_text=True))
    assert "已催办" in response.get_data(as_text=True)  # what was typed stays
    assert task(rt, REVIEW, "review")  # still open
    login(reviewing, "wang")
    assert "已催办" not in text_of(reviewing.get("/complaints/OLD-1").get_data(as_text=True))


def test_the_api_completes_a_review_with_its_notes_and_refuses_notes_that_are_not_texts_by_number(rt, reviewing):
    token = create_token(rt, ADMIN, "liu", "shift review test")
    review = task(rt, REVIEW, "review").id

    def complete(body):
        return reviewing.post(f"/api/v1/tasks/{review}/complete", json=body,
                              headers={"Authorization": f"Bearer {token}"})

    refused = complete({"notes": ["OLD-1", "已催办"]})
    assert refused.status_code == 400 and "notes" in refused.get_json()["error"]["message"]
    refused = complete({"notes": {"OLD-1": 7}})
    assert refused.status_code == 400 and "notes.OLD-1" in refused.get_json()["error"]["message"]
    assert complete({"notes": {"OLD-1": "已电话催办"}}).status_code == 200
    notes = [e.details for e in audit(rt, "OLD-1") if e.action == "shift_review_note"]
    assert notes == [{"note": "已电话催办", "review": REVIEW, "title": "早班 2026-12-03"}]
    entries = reviewing.get("/api/v1/complaints/OLD-1/case-file", headers={"Authorization": f"Bearer {token}"})
    [entry] = [e for e in entries.get_json()["entries"] if e["kind"] == "shift_review"]
    assert entry["text"] == "已电话催办" and entry["title"] == "早班 2026-12-03" and entry["actor"] == "liu"


def test_the_reviews_own_page_shows_no_setting_codes(rt, reviewing):
    response = reviewing.get(f"/complaints/{REVIEW}")
    page = text_of(response.get_data(as_text=True))
    assert response.status_code == 200 and "交班复查" in text_of(reviewing.get("/").get_data(as_text=True))
    assert "班次 早班" in page and "复查时限（分钟） 30" in page  # labelled by the review's start form
    for code in ("shift_name", "shift_starts_at", "review_minutes", "review_before"):
        assert code not in page
