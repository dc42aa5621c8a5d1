"""The case file in a real browser: the department attaches two photos and a PDF while handling; the
site manager opens the confirmation and reads the handling result and the callback record beside
the photos; the archive PDF of the closed complaint downloads from its page and renders."""
from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect

from runtime import services, worker
from runtime.services.users import create_user, get_actor
from tests.browser.conftest import downloaded_pdf, fill_closing_review, screenshot, sign_in
from tests.helpers import INTAKE, closing_review, task
from tests.sample_files import pdf, photo

LEAK = {**INTAKE, "category": "water", "description": "卫生间天花板漏水，已持续三天", "demand": "尽快维修"}


@pytest.fixture
def handling(rt, live):
    """A leak complaint dispatched to engineering and replied to: waiting for its handling."""
    for name, roles, department in (("wang", ["front_desk"], None), ("li", ["department"], "engineering"),
                                    ("sun", ["site_manager"], None)):
        create_user(rt, name, "password-123", roles, department=department)
    number = services.start_instance(rt, get_actor(rt, "wang"), "complaint", LEAK).business_key
    for who, name, data in (("wang", "triage", {"validity": "valid", "department": "engineering"}),
                            ("wang", "first_reply", {"reply_summary": "已电话答复，明日上门"})):
        services.complete_task(rt, get_actor(rt, who), task(rt, number, name).id, data)
    return number


def files() -> list[dict]:
    return [{"name": "漏水点.jpg", "mimeType": "image/jpeg", "buffer": photo(size=(640, 480))},
            {"name": "修复后.png", "mimeType": "image/png", "buffer": photo("PNG", size=(480, 640))},
            {"name": "维修单.pdf", "mimeType": "application/pdf", "buffer": pdf()}]


def handle_in_the_browser(page, live, number) -> None:
    sign_in(page, live, "li")
    page.goto(f"{live}/complaints/{number}")
    page.get_by_role("link", name="部门调查处理").click()
    page.locator("[name=handling_result]").fill("已更换破损的防水层并修复天花板")
    page.locator("input[name=attachments__files]").set_input_files(files())
    page.get_by_role("button", name="完成").click()
    expect(page.locator(".flash.ok")).to_contain_text("已完成")


def test_the_site_manager_reads_what_was_done_and_sees_the_photos_before_confirming(rt, live, handling, new_page):
    page = new_page()
    handle_in_the_browser(page, live, handling)
    services.complete_task(rt, get_actor(rt, "wang"), task(rt, handling, "callback").id,
                           {"satisfaction": "satisfied", "callback_channel": "phone",
                            "callback_note": "客户确认不再漏水，表示满意"})
    manager = new_page()
    sign_in(manager, live, "sun")
    manager.goto(f"{live}/tasks/{task(rt, handling, 'confirm').id}")
    reviewed = manager.locator("section.reviewed")
    expect(reviewed).to_contain_text("处理结果")
    expect(reviewed).to_contain_text("已更换破损的防水层并修复天花板")
    expect(reviewed).to_contain_text("回访记录")
    expect(reviewed).to_contain_text("客户确认不再漏水，表示满意")
    expect(reviewed).to_contain_text("维修单.pdf")
    photos = reviewed.locator("img.thumb")
    expect(photos).to_have_count(2)
    for i in range(2):
        photos.nth(i).scroll_into_view_if_needed()
        expect(photos.nth(i)).to_have_js_property("complete", True)
        assert photos.nth(i).evaluate("img => img.naturalWidth") > 0  # the picture loaded, not a broken image
    screenshot(manager, "confirmation")
    fill_closing_review(manager, [{"kind": "corrective", "description": "检查同批次防水层", "owner": "li",
                                   "due_on": closing_review()["actions"][0]["due_on"]}])
    manager.get_by_role("button", name="完成").click()
    expect(manager.locator(".flash.ok")).to_contain_text("已完成")


def test_the_archive_pdf_of_a_closed_complaint_downloads_and_renders(rt, live, handling, new_page, tmp_path):
    page = new_page()
    handle_in_the_browser(page, live, handling)
    for who, name, data in (("wang", "callback", {"satisfaction": "satisfied", "callback_channel": "phone"}),
                            ("sun", "confirm", closing_review())):
        services.complete_task(rt, get_actor(rt, who), task(rt, handling, name).id, data)
    worker.run_once(rt)
    desk = new_page()
    sign_in(desk, live, "wang")
    desk.goto(f"{live}/complaints/{handling}")
    saved = downloaded_pdf(desk, "案卷（PDF）", tmp_path, "archive-pdf")
    assert saved.name == f"投诉案卷-{handling}.pdf"
    text = subprocess.run(["pdftotext", str(saved), "-"], capture_output=True, text=True, check=True).stdout
    assert "已更换破损的防水层并修复天花板" in text and "漏水点.jpg" in text


def test_the_front_desk_finds_the_complaint_by_a_word_and_by_the_full_phone(rt, live, handling, new_page):
    other = services.start_instance(rt, get_actor(rt, "wang"), "complaint",
                                    {**INTAKE, "customer_phone": "13900001111"}).business_key  # noise, not a leak
    page = new_page()
    sign_in(page, live, "wang")
    for query in ("漏水", "13812341234"):
        page.locator("#header-search").fill(query)
        page.locator("#header-search").press("Enter")
        results = page.locator("table.search-results tbody")
        expect(results).to_contain_text(handling)
        if query == "漏水":
            expect(results).not_to_contain_text(other)
    screenshot(page, "search")
    page.get_by_role("link", name=handling).click()
    expect(page.locator("h1")).to_contain_text(handling)


def test_a_department_user_searching_by_phone_sees_it_masked(rt, live, handling, new_page):
    page = new_page()
    sign_in(page, live, "li")
    page.locator("#header-search").fill("13812341234")
    page.locator("#header-search").press("Enter")
    results = page.locator("table.search-results tbody")
    expect(results).to_contain_text(handling)
    expect(results).to_contain_text("138****1234")
    expect(results).not_to_contain_text("13812341234")
