"""Attachments as users meet them: the department attaches photos and a PDF in the handling form, the
site manager sees them when confirming; files on the complaint page, at intake (page and API), over
the API; type checked on the content, the photo's place removed, downloads role-checked, served as
attachments and audited; a refused batch keeps nothing; the same on S3-compatible storage."""
from __future__ import annotations

import itertools

import dataclasses
import io
import json
import re

import pytest
from PIL import Image

from runtime import services
from runtime.bootstrap import bootstrap
from runtime.services.api_tokens import create_token
from runtime.services.users import get_actor
from runtime.store.files import Attachment
from tests.conftest import ADMIN
from tests.helpers import INTAKE, audit, closing_review, count, csrf, incidents, login, task

from tests.sample_files import office, pdf, photo
from tests.web.test_case_file import PEOPLE, step, text_of
from web import create_app


@pytest.fixture
def client(web):
    return web(PEOPLE)


CUSTOMERS = itertools.count(1)


def dispatched(rt, **intake) -> str:
    """A normal complaint waiting for its handling, each from a customer of its own unless ``intake`` says
    otherwise (the same caller again in the same category would be a repeat, which is major)."""
    customer = next(CUSTOMERS)
    own = {"customer_phone": f"1370000{customer:04d}", "customer_unit": f"{customer}室", "location": f"{customer}栋"}
    number = services.start_instance(rt, get_actor(rt, "wang"), "complaint", {**INTAKE, **own, **intake}).business_key
    step(rt, "wang", number, "triage", validity="valid", department="engineering")
    step(rt, "wang", number, "first_reply", reply_summary="已答复")
    return number


def handle_with_files(client, rt, number: str, files: list[tuple[bytes, str]], **fields):
    handle = task(rt, number, "handle")
    data = {"csrf_token": csrf(client, f"/tasks/{handle.id}"), "version": handle.version,
            "handling_result": "已更换漏水水管", **fields,
            "attachments__files": [(io.BytesIO(data), name) for data, name in files]}
    return client.post(f"/tasks/{handle.id}", data=data, content_type="multipart/form-data")


def thumbnails(html: str) -> list[str]:
    return re.findall(r'src="(/complaints/[^"]+/thumbnail)"', html)


def test_the_department_attaches_photos_and_a_pdf_and_the_site_manager_sees_them_when_confirming(rt, client):
    number = dispatched(rt)
    login(client, "li")
    response = handle_with_files(client, rt, number, [(photo(), "漏水点.jpg"), (photo("PNG"), "修复后.png"),
                                                      (pdf(), "维修单.pdf")])
    assert response.status_code == 302, text_of(response.get_data(as_text=True))[:300]
    step(rt, "wang", number, "callback", satisfaction="satisfied", callback_channel="phone", callback_note="满意")
    login(client, "sun")
    page = client.get(f"/tasks/{task(rt, number, 'confirm').id}").get_data(as_text=True)
    confirm = page[page.index("您要确认的内容"):page.index('name="record_checked"')]
    assert "漏水点.jpg" in confirm and "修复后.png" in confirm and "维修单.pdf" in confirm
    assert len(thumbnails(confirm)) == 2  # the photos as pictures, the PDF as a link
    picture = client.get(thumbnails(confirm)[0])
    assert picture.status_code == 200 and picture.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(picture.data)).size) <= 320


def test_a_photo_loses_its_place_and_downloads_as_an_attachment_and_each_download_is_audited(rt, client):
    number = dispatched(rt)
    login(client, "li")
    handle_with_files(client, rt, number, [(photo(), "现场.jpg")])
    [attachment_id] = ids(rt, number)
    response = client.get(f"/complaints/{number}/attachments/{attachment_id}")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E7%8E%B0%E5%9C%BA.jpg" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    exif = Image.open(io.BytesIO(response.data)).getexif()
    assert not exif.get_ifd(0x8825)  # no GPS
    [event] = [e for e in audit(rt, number) if e.action == "attachment_downloaded"]
    assert event.actor == "li" and event.details["attachment"] == attachment_id


def ids(rt, number: str) -> list[int]:
    from sqlalchemy import select
    with rt.db.reader() as s:
        return list(s.scalars(select(Attachment.id).where(Attachment.business_key == number).order_by(Attachment.id)))


def test_a_file_is_judged_by_its_content_and_a_refused_batch_keeps_nothing_and_the_form_stays(rt, client):
    number = dispatched(rt)
    login(client, "li")
    before = count(rt, Attachment)
    response = handle_with_files(client, rt, number, [(photo(), "好照片.jpg"), (b"MZ\x90\x00" + b"\x00" * 200,
                                                                                  "病毒.jpg")])
    body = text_of(response.get_data(as_text=True))
    assert response.status_code == 400 and "病毒.jpg" in body and "已更换漏水水管" in body  # typed text kept
    assert count(rt, Attachment) == before and task(rt, number, "handle")  # nothing kept, the step still open


def test_files_kept_before_a_refused_step_come_back_ticked(rt, client):
    number = dispatched(rt)
    login(client, "li")
    handle = task(rt, number, "handle")
    response = client.post(f"/tasks/{handle.id}", content_type="multipart/form-data", data={
        "csrf_token": csrf(client, f"/tasks/{handle.id}"), "version": handle.version,
        "handling_result": "超" * 4001, "attachments__files": [(io.BytesIO(pdf()), "报告.pdf")]})
    body = response.get_data(as_text=True)
    [kept] = ids(rt, number)
    assert response.status_code == 400 and re.search(rf'value="{kept}" checked', body)  # not lost


def test_files_on_the_complaint_page_and_who_may_fetch_them(rt, client):
    number = dispatched(rt)
    login(client, "wang")
    response = client.post(f"/complaints/{number}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf(client, f"/complaints/{number}"),
        "files": [(io.BytesIO(office()), "合同.docx"), (io.BytesIO(pdf()), "收据.pdf")]})
    assert response.status_code == 302
    page = text_of(client.get(f"/complaints/{number}").get_data(as_text=True))
    assert "已添加 2 个附件" in page and "合同.docx" in page and "收据.pdf" in page
    first = ids(rt, number)[0]
    login(client, "zheng")  # legal has nothing to do with this complaint
    assert client.get(f"/complaints/{number}/attachments/{first}").status_code == 403
    assert client.get(f"/complaints/{number}/attachments/{first}/thumbnail").status_code == 403
    assert client.post(f"/complaints/{number}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf(client, "/"), "files": [(io.BytesIO(pdf()), "x.pdf")]}).status_code == 403
    login(client, "zhao")  # another department
    assert client.get(f"/complaints/{number}/attachments/{first}").status_code == 403
    login(client, "li")
    assert client.get(f"/complaints/{number}/attachments/{first}").status_code == 200
    assert client.get(f"/complaints/{number}/attachments/999999").status_code == 404
    assert client.get(f"/complaints/CF-NOPE/attachments/{first}").status_code == 404
    assert len(ids(rt, number)) == 2


def test_a_step_cannot_name_another_complaints_file(rt, client):
    number, other = dispatched(rt), dispatched(rt, customer_phone="13900001111", customer_unit="6栋101")
    login(client, "li")
    handle_with_files(client, rt, other, [(pdf(), "别人的.pdf")])
    [foreign] = ids(rt, other)
    handle = task(rt, number, "handle")
    response = client.post(f"/tasks/{handle.id}", data={
        "csrf_token": csrf(client, f"/tasks/{handle.id}"), "version": handle.version,
        "handling_result": "已处理", "attachments": [str(foreign)]})
    assert response.status_code == 400 and task(rt, number, "handle").id == handle.id
    assert "所选文件不属于此投诉" in text_of(response.get_data(as_text=True))


def test_intake_with_files_on_the_page(rt, client):
    login(client, "wang")
    response = client.post("/complaints/new", content_type="multipart/form-data", data={
        **INTAKE, "csrf_token": csrf(client, "/complaints/new"), "files": [(io.BytesIO(photo()), "漏水.jpg")]})
    number = re.search(r"/complaints/(CF-[\w-]+)", response.headers["Location"]).group(1)
    assert "漏水.jpg" in text_of(client.get(f"/complaints/{number}").get_data(as_text=True))


def test_a_closed_complaint_takes_no_more_files(rt, client):
    number = dispatched(rt)
    step(rt, "li", number, "handle", handling_result="已处理")
    step(rt, "wang", number, "callback", satisfaction="satisfied", callback_channel="phone")
    step(rt, "sun", number, "confirm", **closing_review())
    login(client, "wang")
    response = client.post(f"/complaints/{number}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf(client, f"/complaints/{number}"), "files": [(io.BytesIO(pdf()), "迟到.pdf")]},
        follow_redirects=True)
    assert ids(rt, number) == []
    assert "此投诉已关闭，案卷已归档，不再接收附件" in text_of(response.get_data(as_text=True))


# -- the API -----------------------------------------------------------------------------------

@pytest.fixture
def api(rt, client):
    tokens = {name: create_token(rt, ADMIN, name, "test") for name in PEOPLE}
    app = client.application

    def call(method, path, who, **kwargs):
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        return app.test_client().open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
    return call


def test_the_hotline_sends_a_complaint_with_photos_and_its_own_ticket_id(rt, api):
    response = api("POST", "/complaints", "wang", content_type="multipart/form-data", data={
        "complaint": json.dumps({**INTAKE, "external_ref": "12345-20261203-0042"}),
        "files": [(io.BytesIO(photo()), "来电附图.jpg")]})
    assert response.status_code == 201, response.get_json()
    number = response.get_json()["number"]
    listed = api("GET", f"/complaints/{number}/attachments", "wang").get_json()["attachments"]
    assert [a["filename"] for a in listed] == ["来电附图.jpg"] and listed[0]["image"] is True
    assert api("GET", f"/complaints/{number}", "wang").get_json()["record"]["external_ref"] == "12345-20261203-0042"


def test_the_api_uploads_in_a_step_and_reads_the_steps_with_their_data(rt, api):
    number = dispatched(rt)
    handle_id = task(rt, number, "handle").id
    slip = pdf()  # made once: Pillow stamps each PDF with the second it was made
    up = api("POST", f"/complaints/{number}/attachments?task={handle_id}", "li", content_type="multipart/form-data",
             data={"files": [(io.BytesIO(slip), "维修单.pdf")]})
    assert up.status_code == 201
    [sent] = up.get_json()["attachments"]
    form = api("GET", f"/tasks/{handle_id}/form", "li").get_json()
    assert form["schema"]["properties"]["attachments"]["attachments"] is True
    done = api("POST", f"/tasks/{handle_id}/complete", "li",
               json={"handling_result": "已更换水管", "attachments": [sent["id"]]})
    assert done.status_code == 200, done.get_json()
    steps = api("GET", f"/complaints/{number}/steps", "li").get_json()["steps"]
    handled = next(s for s in steps if s["task"] == "handle")
    fields = {f["name"]: f for f in handled["fields"]}
    assert handled["title"] == "部门调查处理" and handled["actor"] == "li"
    assert fields["handling_result"] == {"name": "handling_result", "label": "处理结果", "value": "已更换水管"}
    assert fields["attachments"]["attachments"][0]["filename"] == "维修单.pdf"
    triage = next(s for s in steps if s["task"] == "triage")
    assert {"name": "validity", "label": "投诉有效性", "value": "有效投诉"} in triage["fields"]  # the choice's name
    got = api("GET", sent["download"].removeprefix("/api/v1"), "li")
    assert got.status_code == 200 and got.data == slip and got.headers["Content-Disposition"].startswith("attachment")
    assert api("GET", sent["download"].removeprefix("/api/v1"), "zheng").status_code == 403


def test_the_api_refuses_bad_uploads_clearly(rt, api):
    number = dispatched(rt)
    not_multipart = api("POST", f"/complaints/{number}/attachments", "li", json={"files": []})
    assert not_multipart.status_code == 400 and "multipart" in not_multipart.get_json()["error"]["message"]
    html = api("POST", f"/complaints/{number}/attachments", "li", content_type="multipart/form-data",
               data={"files": [(io.BytesIO(b"<html><script>alert(1)</script></html>"), "报告.pdf")]})
    assert html.status_code == 400 and "报告.pdf" in html.get_json()["error"]["message"]
    none = api("POST", f"/complaints/{number}/attachments", "li", content_type="multipart/form-data", data={})
    assert none.status_code == 400
    assert ids(rt, number) == []


def test_comments_reassign_and_delegate_over_the_api(rt, api):
    number = dispatched(rt)
    assert api("POST", f"/complaints/{number}/comments", "li", json={"text": "已约客户周五上门"}).status_code == 201
    assert api("POST", f"/complaints/{number}/comments", "li", json={"text": "   "}).status_code == 400
    assert api("POST", f"/complaints/{number}/comments", "li", json={"text": "x", "extra": 1}).status_code == 400
    comments = api("GET", f"/complaints/{number}/comments", "li").get_json()["comments"]
    assert [c["text"] for c in comments] == ["已约客户周五上门"]
    handle_id = task(rt, number, "handle").id
    assert api("POST", f"/tasks/{handle_id}/reassign", "li", json={"to": "li"}).status_code == 403  # not a manager
    reassigned = api("POST", f"/tasks/{handle_id}/reassign", "chen", json={"to": "li", "reason": "熟悉该楼"})
    assert reassigned.status_code == 200
    assert task(rt, number, "handle").assignee == "li"
    assert api("POST", f"/tasks/{handle_id}/delegate", "li", json={"to": ""}).status_code == 400
    entries = api("GET", f"/complaints/{number}/case-file", "li").get_json()["entries"]
    assert [e["kind"] for e in entries if e["kind"] in ("comment", "reassigned")] == ["comment", "reassigned"]


# -- on S3-compatible storage --------------------------------------------------------------------

def test_attachments_on_s3_compatible_storage(rt, web, s3_server):
    bucket = s3_server.new_bucket()
    settings = dataclasses.replace(rt.settings, blob_store=f"s3://{bucket}/files",
                                   s3_endpoint_url=s3_server.endpoint_url)
    import os
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "complaintflow-test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "complaintflow-test")
    web(PEOPLE)  # deploys and creates the people on the shared database
    s3_rt = bootstrap(settings)
    try:
        client = create_app(runtime=s3_rt).test_client()
        number = dispatched(s3_rt)
        login(client, "li")
        assert handle_with_files(client, s3_rt, number, [(photo(), "漏水.jpg")]).status_code == 302
        keys = [o["Key"] for o in s3_server.client.list_objects_v2(Bucket=bucket).get("Contents", [])]
        assert len(keys) == 2 and all(k.startswith("files/") for k in keys)  # the photo and its thumbnail
        [attachment_id] = ids(s3_rt, number)
        got = client.get(f"/complaints/{number}/attachments/{attachment_id}")
        assert got.status_code == 200 and Image.open(io.BytesIO(got.data)).format == "JPEG"
        assert not (rt.settings.var_dir / "blobs").exists()  # nothing went to the local folder
    finally:
        s3_rt.close()


def test_an_absurd_attachment_id_is_refused_and_the_complaint_goes_on(rt, client):
    number = dispatched(rt)
    login(client, "li")
    handle = task(rt, number, "handle")
    for junk in ("100000000000000000000", "-3", "0", "abc"):
        response = client.post(f"/tasks/{handle.id}", data={
            "csrf_token": csrf(client, f"/tasks/{handle.id}"), "version": handle.version,
            "handling_result": "已处理", "attachments": [junk]})
        assert response.status_code == 400, junk
    assert task(rt, number, "handle").id == handle.id and not incidents(rt, number)
    assert client.get(f"/complaints/{number}/attachments/100000000000000000000").status_code == 404


def test_a_caller_who_may_not_attach_costs_nothing_and_leaves_nothing(rt, client):
    number = dispatched(rt)
    login(client, "zheng")  # legal: not a reader of this complaint
    blobs = rt.settings.var_dir / "blobs"
    for target in (number, "CF-NOPE"):
        response = client.post(f"/complaints/{target}/attachments", content_type="multipart/form-data", data={
            "csrf_token": csrf(client, "/"), "files": [(io.BytesIO(photo()), "x.jpg")]})
        assert response.status_code in (403, 404)
    assert not blobs.exists() or not any(p.is_file() for p in blobs.rglob("*"))


@pytest.mark.sqlite_only  # a content rule: no SQL decides it
def test_an_animation_with_too_many_pixels_in_all_is_refused_before_it_is_decoded(rt, client, monkeypatch):
    monkeypatch.setattr("runtime.files.images.MAX_PIXELS", 200_000)  # the rule at a small scale: quick to make
    frames = [Image.new("RGB", (100, 100), color) for color in ("red", "blue") * 15]  # 300,000 pixels in all
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    number = dispatched(rt)
    login(client, "wang")
    response = client.post(f"/complaints/{number}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf(client, f"/complaints/{number}"), "files": [(io.BytesIO(out.getvalue()), "动图.gif")]},
        follow_redirects=True)
    assert "“动图.gif”像素过多" in text_of(response.get_data(as_text=True)) and ids(rt, number) == []


@pytest.mark.sqlite_only  # the HTTP layer's limit
def test_an_upload_over_the_request_limit_is_told_in_chinese(rt, client):
    number = dispatched(rt)
    login(client, "wang")
    client.application.config["MAX_CONTENT_LENGTH"] = 200_000
    response = client.post(f"/complaints/{number}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf(client, f"/complaints/{number}"), "files": [(io.BytesIO(b"%PDF-" + b"0" * 300_000),
                                                                        "大.pdf")]})
    assert response.status_code == 413 and "总共超过" in text_of(response.get_data(as_text=True))


def test_opening_a_file_does_not_make_the_complaint_yours(rt, client):
    """A colleague of the department could read the complaint while its step was theirs; having
    downloaded a file then does not keep it readable once the step is done by someone else."""
    from runtime.services.users import create_user
    create_user(rt, "li2", "password-123", ["department"], department="engineering")
    number = dispatched(rt)
    login(client, "wang")
    client.post(f"/complaints/{number}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf(client, f"/complaints/{number}"), "files": [(io.BytesIO(pdf()), "合同.pdf")]})
    [attachment_id] = ids(rt, number)
    login(client, "li2")
    assert client.get(f"/complaints/{number}/attachments/{attachment_id}").status_code == 200
    step(rt, "li", number, "handle", handling_result="已处理")  # the step moved on, done by li
    assert client.get(f"/complaints/{number}/attachments/{attachment_id}").status_code == 403
    assert client.get(f"/complaints/{number}").status_code == 403
