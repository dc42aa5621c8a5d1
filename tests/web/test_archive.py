"""The archive of a closed complaint: the worker makes one PDF of the whole case file (record, every
step with its data, deadlines, the timeline, attachments listed and photos shown, Chinese glyphs
embedded) and a zip of the originals; both are downloaded from the complaint page by the roles that
see the customer's contact data, each download audited. The PDF is read back with poppler."""
from __future__ import annotations

import io
import subprocess
import zipfile

import pytest

from runtime import worker
from runtime.store.files import CaseArchive
from tests.helpers import audit, closing_review, csrf, login
from tests.sample_files import pdf, photo
from tests.web.test_attachments import dispatched, handle_with_files
from tests.web.test_case_file import PEOPLE, step, text_of


@pytest.fixture
def client(web):
    return web(PEOPLE)


def close(rt, number: str) -> None:
    """Handle (unless done), call back and confirm: the complaint closes on the customer's acceptance."""
    from tests.helpers import tasks
    if any(t.task_name == "handle" for t in tasks(rt, number)):
        step(rt, "li", number, "handle", handling_result="已处理")
    step(rt, "wang", number, "callback", satisfaction="satisfied", callback_channel="phone", callback_note="满意")
    step(rt, "sun", number, "confirm", **closing_review())


def archive_row(rt, number) -> CaseArchive | None:
    from sqlalchemy import select
    with rt.db.reader() as s:
        return s.scalar(select(CaseArchive).where(CaseArchive.business_key == number))


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "archive.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout


def test_a_closed_complaint_is_archived_as_one_pdf_and_a_zip_of_its_originals(rt, client, tmp_path):
    number = dispatched(rt, customer_phone="13812341234")
    login(client, "li")
    handle_with_files(client, rt, number, [(photo(), "漏水点.jpg"), (pdf(), "维修单.pdf")])
    close(rt, number)
    assert archive_row(rt, number).status == "pending"  # asked for in the transaction that closed it
    worker.run_once(rt)
    row = archive_row(rt, number)
    assert row.status == "ready" and row.pdf_size > 1000

    login(client, "wang")
    page = text_of(client.get(f"/complaints/{number}").get_data(as_text=True))
    assert "归档案卷" in page and "案卷（PDF）" in page and "原始附件（压缩包）" in page
    response = client.get(f"/complaints/{number}/archive.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;") and response.data.startswith(b"%PDF-")
    text = pdf_text(response.data, tmp_path)
    for shown in (f"投诉案卷 {number}", "投诉记录", "楼上装修噪音", "13812341234",  # the full record
                  "部门调查处理", "处理结果", "已更换漏水水管", "回访客户", "客户意见", "满意",  # steps, choice names
                  "确认关闭", "时限", "附件清单", "漏水点.jpg", "维修单.pdf"):
        assert shown in text, shown
    assert "satisfied" not in text and "handling_result" not in text
    fonts = subprocess.run(["pdffonts", "-"], input=response.data, capture_output=True, check=True).stdout.decode()
    assert "WenQuanYi" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # embedded

    zipped = client.get(f"/complaints/{number}/archive.zip")
    names = zipfile.ZipFile(io.BytesIO(zipped.data)).namelist()
    assert zipped.status_code == 200 and names == ["001-漏水点.jpg", "002-维修单.pdf"]
    assert [e.details["kind"] for e in audit(rt, number) if e.action == "archive_downloaded"] == ["pdf", "zip"]


def test_the_archive_pdf_renders_with_pdftoppm(rt, client, tmp_path):
    number = dispatched(rt)
    login(client, "li")
    handle_with_files(client, rt, number, [(photo(size=(400, 300)), "现场.jpg")])
    close(rt, number)
    login(client, "wang")
    data = client.get(f"/complaints/{number}/archive.pdf").data  # before the worker: made on the spot
    (tmp_path / "a.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(tmp_path / "a.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 2000 for p in pages)
    images = subprocess.run(["pdfimages", "-list", str(tmp_path / "a.pdf")], capture_output=True, text=True,
                            check=True).stdout
    assert "400" in images or "300" in images  # the photo itself is in the file


def test_who_may_download_the_archive(rt, client):
    number = dispatched(rt)
    close(rt, number)
    worker.run_once(rt)
    login(client, "li")  # the department worked on it, but sees contact data masked
    assert client.get(f"/complaints/{number}/archive.pdf").status_code == 403
    assert "您的角色不能下载" in text_of(client.get(f"/complaints/{number}").get_data(as_text=True))
    login(client, "zheng")  # nothing to do with it
    assert client.get(f"/complaints/{number}/archive.pdf").status_code == 403
    login(client, "sun")
    assert client.get(f"/complaints/{number}/archive.zip").status_code == 200
    assert client.get(f"/complaints/{number}/archive.exe").status_code == 404
    assert client.get("/complaints/CF-NOPE/archive.pdf").status_code == 404


def test_an_open_complaint_has_no_archive_yet(rt, client):
    number = dispatched(rt)
    login(client, "wang")
    assert client.get(f"/complaints/{number}/archive.pdf").status_code == 409
    assert archive_row(rt, number) is None


def test_comments_on_the_case_show_in_the_archive(rt, client, tmp_path):
    number = dispatched(rt)
    login(client, "wang")
    client.post(f"/complaints/{number}/comments", data={"csrf_token": csrf(client, f"/complaints/{number}"),
                                                        "text": "客户要求书面答复"})
    step(rt, "li", number, "handle", handling_result="已处理")
    step(rt, "wang", number, "callback", satisfaction="satisfied", callback_channel="visit")
    step(rt, "sun", number, "confirm", **closing_review(), closing_note="同意关闭")
    text = pdf_text(client.get(f"/complaints/{number}/archive.pdf").data, tmp_path)
    assert "客户要求书面答复" in text and "满意" in text and "上门" in text and "同意关闭" in text


def test_an_integrator_downloads_the_archive_over_the_api(rt, client):
    from runtime.services.api_tokens import create_token
    from tests.conftest import ADMIN
    number = dispatched(rt)
    close(rt, number)
    api = client.application.test_client()
    for who, status in (("wang", 200), ("li", 403), ("zheng", 403)):
        token = create_token(rt, ADMIN, who, "archive")
        response = api.get(f"/api/v1/complaints/{number}/archive.pdf", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == status, who
        assert status != 200 or response.data.startswith(b"%PDF-")
    token = create_token(rt, ADMIN, "wang", "archive")
    open_one = dispatched(rt)
    response = api.get(f"/api/v1/complaints/{open_one}/archive.zip", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "invalid_state"


def test_a_comment_after_closing_is_in_the_archive_made_again(rt, client, tmp_path):
    number = dispatched(rt)
    close(rt, number)
    worker.run_once(rt)
    login(client, "wang")
    client.post(f"/complaints/{number}/comments", data={"csrf_token": csrf(client, f"/complaints/{number}"),
                                                        "text": "结案后客户来电致谢"})
    assert archive_row(rt, number).status == "pending"
    worker.run_once(rt)
    assert "结案后客户来电致谢" in pdf_text(client.get(f"/complaints/{number}/archive.pdf").data, tmp_path)


def test_a_complaint_closed_before_archives_existed_is_archived_on_its_first_download(rt, client):
    from sqlalchemy import delete
    number = dispatched(rt)
    close(rt, number)
    with rt.db.transaction() as session:  # as an upgraded database has it: closed, no archive asked for
        session.execute(delete(CaseArchive).where(CaseArchive.business_key == number))
    login(client, "wang")
    assert client.get(f"/complaints/{number}/archive.pdf").data.startswith(b"%PDF-")
    assert archive_row(rt, number).status == "ready"


def test_a_failing_archive_waits_longer_before_each_retry_and_a_download_still_makes_it(rt, client, monkeypatch):
    from datetime import timedelta
    from runtime import clock
    from runtime.archive import document
    number = dispatched(rt)
    close(rt, number)
    real = document.pdf
    monkeypatch.setattr(document, "pdf", lambda *a: (_ for _ in ()).throw(OSError("disk full")))  # the edge
    clock.freeze(clock.now())
    waits = []
    for _ in range(3):
        worker.run_once(rt)
        row = archive_row(rt, number)
        waits.append(row.requested_at - clock.now())
        clock.advance(timedelta(minutes=10))
    assert row.status == "failed" and "disk full" in row.error and waits[0] < waits[1]
    monkeypatch.setattr(document, "pdf", real)
    login(client, "wang")
    assert "归档失败" in text_of(client.get(f"/complaints/{number}").get_data(as_text=True))
    assert client.get(f"/complaints/{number}/archive.pdf").data.startswith(b"%PDF-")
    assert archive_row(rt, number).status == "ready"



def test_after_an_archive_was_made_a_damaged_photo_is_still_refused(rt, client):
    """WeasyPrint turns on Pillow's 'load truncated images' for the whole process when it is imported;
    the upload checks must not be loosened by an archive made earlier in the same process."""
    number = dispatched(rt)
    close(rt, number)
    worker.run_once(rt)  # an archive made: WeasyPrint is imported
    other = dispatched(rt)
    broken = photo("PNG")[:60] + b"\x00" * 8 + photo("PNG")[68:]
    login(client, "wang")
    response = client.post(f"/complaints/{other}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf(client, f"/complaints/{other}"), "files": [(io.BytesIO(broken), "坏图.png")]},
        follow_redirects=True)
    assert "“坏图.png”已损坏或不完整" in text_of(response.get_data(as_text=True))
