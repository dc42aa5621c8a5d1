"""Attachments on real parts: the blob store on a folder and on a real S3-compatible server (moto over
HTTP, tests/s3_server.py), the same cases for both; content checks and image cleaning on real files made
here with Pillow and zipfile. Faults are injected only at the edge: the OS call that writes, or the bytes
on their way to the server."""
from __future__ import annotations

import base64
import errno
import functools
import hashlib
import io
import itertools
import os
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from PIL import ExifTags, Image

from runtime.config import load_settings
from runtime.errors import BlobCorrupt, InvalidInput, NotFound, Unavailable
from runtime.files import content, images
from runtime.files.blobs import LocalBlobStore, S3BlobStore, blob_store, layout

from tests.sample_files import LIMIT, TAKEN, XMP, office, pdf, photo

DATA = os.urandom(300_000) + "投诉现场照片".encode()
HOSTILE_KEYS = ["../../etc/passwd", hashlib.sha256(b"x").hexdigest().upper(), "abc123", "",
                "0" * 63 + "g", hashlib.sha256(b"x").hexdigest() + "\n", "/" + "a" * 63]

# Which files the local store opens, renames or creates under a watched root (audit events: no patching).
_WATCHED: dict[str, list[str]] = {}


def _audit(event: str, args: tuple) -> None:
    if _WATCHED and event in ("open", "os.rename", "os.mkdir", "os.remove") and isinstance(args[0], str | Path):
        for root, seen in _WATCHED.items():
            if os.fspath(args[0]).startswith(root):
                seen.append(event)


sys.addaudithook(_audit)


class LocalHarness:
    prefix = ""
    failure = "No space left on device"

    def __init__(self, monkeypatch, var_dir: Path):
        monkeypatch.setenv("COMPLAINTFLOW_VAR_DIR", str(var_dir))
        monkeypatch.delenv("COMPLAINTFLOW_BLOB_STORE", raising=False)
        self.store = blob_store(load_settings())
        assert isinstance(self.store, LocalBlobStore) and self.store.root == var_dir / "blobs"
        self.monkeypatch = monkeypatch
        self.events = _WATCHED.setdefault(str(self.store.root), [])

    def touches(self) -> int:
        return len(self.events)

    def writes(self) -> int:
        return self.events.count("os.rename")

    def stored(self) -> list[str]:
        root = self.store.root
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []

    def replace_bytes(self, key: str, data: bytes) -> None:
        self.store.path(key).write_bytes(data)

    def break_next_upload(self) -> None:
        """The disk fills up during the write: 1000 bytes are written, then ENOSPC."""
        real_write, calls = os.write, []

        def full_disk(descriptor, data):
            calls.append(len(data))
            if len(calls) == 1:
                return real_write(descriptor, bytes(data[:1000]))
            self.monkeypatch.setattr(os, "write", real_write)
            raise OSError(errno.ENOSPC, "No space left on device")
        self.monkeypatch.setattr(os, "write", full_disk)


class S3Harness:
    prefix = "attachments/"
    failure = "BadDigest"

    def __init__(self, monkeypatch, var_dir: Path, server):
        self.bucket = server.new_bucket()
        monkeypatch.setenv("COMPLAINTFLOW_VAR_DIR", str(var_dir))
        for name, value in server.environment(self.bucket).items():
            monkeypatch.setenv(name, value)
        self.store = blob_store(load_settings())
        assert isinstance(self.store, S3BlobStore)
        assert (self.store.bucket, self.store.prefix) == (self.bucket, self.prefix)
        self.client = server.client  # the test's own, to look into the bucket behind the store's back
        self.requests: list[str] = []
        self.store.client.meta.events.register("before-send.s3", self._count)

    def _count(self, request, **_):
        self.requests.append(request.method)

    def touches(self) -> int:
        return len(self.requests)

    def writes(self) -> int:
        return self.requests.count("PUT")

    def stored(self) -> list[str]:
        return sorted(o["Key"] for o in self.client.list_objects_v2(Bucket=self.bucket).get("Contents", []))

    def replace_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + layout(key), Body=data)

    def break_next_upload(self) -> None:
        """The body is cut short on its way to the server, after its checksums were declared."""
        done: list[bool] = []

        def cut_short(request, **_):
            if request.method == "PUT" and not done:
                done.append(True)
                body = request.body if isinstance(request.body, bytes) else request.body.read()
                request.body = body[: len(body) // 2]
                request.headers["Content-Length"] = str(len(request.body))
        self.store.client.meta.events.register("before-send.s3.PutObject", cut_short)


@pytest.fixture(params=["local", "s3"])
def harness(request, monkeypatch, tmp_path):
    if request.param == "local":
        yield LocalHarness(monkeypatch, tmp_path)
        _WATCHED.pop(str(tmp_path / "blobs"), None)
    else:
        yield S3Harness(monkeypatch, tmp_path, request.getfixturevalue("s3_server"))


def test_put_gives_the_sha256_and_get_gives_the_bytes_back(harness):
    key = harness.store.put(DATA)
    assert key == hashlib.sha256(DATA).hexdigest()
    assert harness.store.get(key) == DATA and harness.store.exists(key)
    assert harness.touches() > 0  # the counter the hostile-key test relies on does count
    assert harness.stored() == [harness.prefix + f"{key[:2]}/{key[2:4]}/{key}"]


def test_the_same_bytes_twice_are_kept_once(harness):
    first = harness.store.put(DATA)
    assert harness.store.put(DATA) == first
    assert harness.writes() == 1 and len(harness.stored()) == 1


def test_an_unknown_key_is_not_found(harness):
    key = hashlib.sha256(b"never stored").hexdigest()
    assert not harness.store.exists(key)
    with pytest.raises(NotFound, match=f"No stored file has the key {key}"):
        harness.store.get(key)


@pytest.mark.parametrize("key", HOSTILE_KEYS)
def test_a_key_that_is_not_a_sha256_is_refused_before_the_storage_is_touched(harness, key):
    for method in (harness.store.get, harness.store.exists):
        with pytest.raises(InvalidInput, match="is not a file key"):
            method(key)
    assert harness.touches() == 0


def test_an_upload_that_fails_halfway_leaves_nothing_under_the_key(harness):
    key = hashlib.sha256(DATA).hexdigest()
    harness.break_next_upload()
    with pytest.raises(Unavailable, match=harness.failure):
        harness.store.put(DATA)
    assert not harness.store.exists(key) and harness.stored() == []  # no part, no temporary file either
    with pytest.raises(NotFound):
        harness.store.get(key)
    assert harness.store.put(DATA) == key and harness.store.get(key) == DATA  # the next try works


def test_a_local_rename_that_fails_removes_the_temporary_file(monkeypatch, tmp_path):
    store = LocalBlobStore(tmp_path)

    def refuse(source, target):
        raise OSError(errno.EIO, "Input/output error")
    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(Unavailable, match="Input/output error"):
        store.put(DATA)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_get_checks_the_bytes_against_their_key_and_a_new_put_repairs_them(harness):
    key = harness.store.put(DATA)
    harness.replace_bytes(key, b"other bytes under the same name")
    with pytest.raises(BlobCorrupt, match=f"The stored file {key} does not match its checksum"):
        harness.store.get(key)
    harness.store.put(DATA)  # a copy of another size is damaged: it is written again
    assert harness.store.get(key) == DATA


def test_the_test_server_refuses_a_body_that_does_not_match_its_declared_digests(s3_server):
    client, bucket = s3_server.client, s3_server.new_bucket()
    other_sha256 = base64.b64encode(hashlib.sha256(b"x").digest()).decode()
    other_md5 = base64.b64encode(hashlib.md5(b"x").digest()).decode()
    for declared in ({"ChecksumSHA256": other_sha256}, {"ContentMD5": other_md5}):
        with pytest.raises(ClientError, match="BadDigest"):
            client.put_object(Bucket=bucket, Key="k", Body=b"data", **declared)
    assert "Contents" not in client.list_objects_v2(Bucket=bucket)


# --- what a file is: real files, made here ---------------------------------------------------------------

def zip_bomb() -> bytes:
    """A Word document whose one extra part unpacks to 300 MB of zeros: about 300 KB packed."""
    out = io.BytesIO(office())
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as archive, \
            archive.open("word/media/image1.bin", "w", force_zip64=True) as part:
        zeros = bytes(1024 * 1024)
        for _ in range(300):
            part.write(zeros)
    return out.getvalue()


def lying_zip() -> bytes:
    """A Word document whose extra part declares 100 bytes but unpacks to 5 MB (sizes patched in)."""
    data = bytearray(office(extra={"word/media/image1.bin": bytes(5 * 1024 * 1024)}))
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.rfind(signature)  # the last entry's local header, then its central directory record
        struct.pack_into("<I", data, at + offset, 100)
    return bytes(data)


OLE2_WORD = content.OLE2 + bytes(504) + b"\xec\xa5\xc1\x00" + bytes(2048)  # a Word 97 file's first sectors
OLE2_BARE = content.OLE2 + bytes(2048)  # the container alone: Word, Excel and PowerPoint look alike here


@pytest.mark.parametrize(("data", "name", "media_type", "extension", "filename"), [
    (photo(), "现场照片.jpg", "image/jpeg", "jpg", "现场照片.jpg"),
    (photo(), "IMG_0042.JPEG", "image/jpeg", "jpg", "IMG_0042.JPEG"),
    (photo("PNG"), "screenshot", "image/png", "png", "screenshot.png"),
    (photo("GIF", mode="P"), "a.gif", "image/gif", "gif", "a.gif"),
    (photo("WEBP"), "a.webp", "image/webp", "webp", "a.webp"),
    (pdf(), "投诉书.pdf", "application/pdf", "pdf", "投诉书.pdf"),
    (pdf(), "report.final", "application/pdf", "pdf", "report.final.pdf"),
    (office(), "letter.docx", content.WORD.media_type, "docx", "letter.docx"),
    (office("xl"), "costs.xlsx", content.EXCEL.media_type, "xlsx", "costs.xlsx"),
    (office("ppt"), "slides", content.POWERPOINT.media_type, "pptx", "slides.pptx"),
    (OLE2_WORD, "old letter", "application/msword", "doc", "old letter.doc"),
    (OLE2_BARE, "old costs.xls", "application/vnd.ms-excel", "xls", "old costs.xls"),
])
def test_accepted_files_are_told_by_their_content(data, name, media_type, extension, filename):
    found = content.inspect(data, name, LIMIT)
    assert (found.media_type, found.extension, found.filename) == (media_type, extension, filename)
    assert found.kind == ("image" if media_type.startswith("image/") else "pdf" if extension == "pdf" else "document")


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200) + b"This program cannot be run in DOS"
REFUSED = [
    (b"", "empty.jpg", "empty", '"empty.jpg" is empty.'),
    (None, "big.png", "too_large", r'"big.png" is \d[\d,]* bytes; an attachment may be at most 1,000 bytes'),
    (EXE, "photo.jpg", "refused_type", '"photo.jpg" is a Windows program, which is not accepted'),
    (b"<!DOCTYPE html><html><script>alert(1)</script></html>", "invoice.pdf", "refused_type",
     r'"invoice.pdf" is a web page \(HTML\), which is not accepted'),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "map.svg", "refused_type",
     '"map.svg" is a drawing in SVG format'),
    ("楼上装修噪音，晚上十点后仍在施工\n".encode(), "notes.txt", "refused_type", '"notes.txt" is a plain text file'),
    (None, "photos.zip", "refused_type", '"photos.zip" is a zip archive, which is not accepted'),
    (b"PK\x05\x06" + bytes(18), "empty.zip", "refused_type", '"empty.zip" is a zip archive, which is not accepted'),
    (bytes(range(256)) * 4, "data.bin", "unknown_type", '"data.bin" is not a kind of file that is accepted'),
    (bytes(range(256)) * 4, "scan.jpg", "name_mismatch", '"scan.jpg" is named as a JPEG image, but its content is not'),
    (photo("PNG"), "picture.jpg", "name_mismatch", '"picture.jpg" is named as a .jpg file, but its content is a PNG'),
    (pdf(), "letter.docx", "name_mismatch", '"letter.docx" is named as a .docx file, but its content is a PDF'),
    (pdf()[:-30], "cut.pdf", "incomplete_pdf", '"cut.pdf" is an incomplete PDF file'),
    (photo("PNG")[:60] + b"\x00" * 8 + photo("PNG")[68:], "broken.png", "damaged_image",
     '"broken.png" is damaged or incomplete'),
    (None, "huge.png", "too_many_pixels", r'"huge.png" has 9000 × 9000 pixels; at most 80 million'),
    (None, "bomb.docx", "zip_bomb", '"bomb.docx" would unpack to 300.0 MB or more, more than the 256.0 MB'),
    (None, "lying.docx", "damaged_document", '"lying.docx" is damaged: it cannot be unpacked'),
    (office(extra={"word/vbaProject.bin": b"macro"}), "macro.docx", "macros", '"macro.docx" contains macros'),
    (office()[:-40], "cut.docx", "damaged_document", '"cut.docx" is damaged: it cannot be unpacked'),
    (OLE2_BARE, "old", "unnamed_legacy_office", '"old" is in the old Office 97-2003 format but its name'),
    (OLE2_BARE, "secret.docx", "encrypted_document", '"secret.docx" is protected by a password'),
    (OLE2_WORD, "letter.xls", "name_mismatch", '"letter.xls" is named as a .xls file, but its content is a Word 97'),
]
assert len({r[1] for r in REFUSED}) == len(REFUSED)  # the name is each case's id
MADE_LATE: dict[str, Callable[[], bytes]] = {  # the costly ones, made when their case runs
    "big.png": lambda: _png(Image.frombytes("RGB", (40, 40), os.urandom(4800))),  # noise: 4.8 KB
    "huge.png": lambda: _png(Image.new("1", (9000, 9000))),
    "bomb.docx": zip_bomb,
    "lying.docx": lying_zip,
    "photos.zip": lambda: _zip({"IMG_0001.jpg": photo()}),
}


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@functools.cache
def refusal(name: str) -> InvalidInput:
    data = next(data for data, named, *_ in REFUSED if named == name)
    data = MADE_LATE[name]() if data is None else data
    with pytest.raises(InvalidInput) as refused:
        content.inspect(data, name, 1000 if name == "big.png" else LIMIT)
    return refused.value


@pytest.mark.parametrize(("name", "reason", "message"), [r[1:] for r in REFUSED], ids=[r[1] for r in REFUSED])
def test_refused_files_say_which_file_and_what_is_wrong(name, reason, message):
    error = refusal(name)
    assert re.match(message, error.message) and error.details["reason"] == reason


def test_each_refusal_starts_with_the_file_and_no_two_reasons_share_a_sentence():
    sentences: dict[str, set[str]] = {}
    for _, name, reason, _ in REFUSED:
        message = refusal(name).message
        assert message.startswith(f'"{name}" ') and message.endswith(".")
        sentences.setdefault(reason, set()).add(message.replace(f'"{name}"', "FILE"))
    for one, other in itertools.combinations(sentences, 2):
        assert not sentences[one] & sentences[other], (one, other)


@pytest.mark.parametrize(("name", "safe"), [
    ("C:\\Users\\张三\\Desktop\\现场照片.jpg", "现场照片.jpg"),
    ("../../etc/passwd", "passwd"),
    ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override would show "invoiceexe.jpg"
    ('a<b>c:d"e|f?g*h.pdf', "a_b_c_d_e_f_g_h.pdf"),
    ("line\nbreak\t.pdf", "linebreak.pdf"),
    ("  spaced   out  .png ", "spaced out.png"),
    ("CON.txt", "_CON.txt"),
    ("", "attachment"), ("...", "attachment"), ("/", "attachment"), ("\x00\x01", "attachment"),
])
def test_safe_filename(name, safe):
    assert content.safe_filename(name) == safe


def test_a_long_name_is_cut_to_255_bytes_between_characters_keeping_its_extension():
    safe = content.safe_filename("楼上装修噪音" * 30 + ".jpeg")
    assert safe == ("楼上装修噪音" * 30)[:83] + ".jpeg"  # 83 characters of 3 bytes, 5 for ".jpeg": 254 bytes


# --- images made safe ----------------------------------------------------------------------------------

@pytest.mark.parametrize("file_format", ["JPEG", "PNG", "WEBP"])
def test_clean_removes_the_place_keeps_the_date_and_turns_the_photo_upright(file_format):
    original = photo(file_format, **({"xmp": XMP} if file_format == "JPEG" else {}))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the place is there
    cleaned = images.clean(original)
    image = Image.open(io.BytesIO(cleaned))
    exif = image.getexif()
    assert image.format == file_format and exif.get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert b"GPSLatitude" not in cleaned and "xmp" not in image.info
    assert exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] == TAKEN
    assert exif[ExifTags.Base.Make] == "TestCam" and ExifTags.Base.Orientation not in exif
    assert image.size == (20, 40)  # turned: the red left half is now on top
    top, bottom = image.convert("RGB").getpixel((10, 5)), image.convert("RGB").getpixel((10, 35))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]


def test_clean_keeps_gif_a_gif_and_an_animation_its_frames():
    assert Image.open(io.BytesIO(images.clean(photo("GIF", mode="P")))).format == "GIF"
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    cleaned = Image.open(io.BytesIO(images.clean(out.getvalue())))
    assert cleaned.format == "GIF" and cleaned.n_frames == 3


def test_thumbnail_is_an_upright_rgb_jpeg_of_at_most_320_pixels():
    big = photo(size=(4000, 3000))
    small = Image.open(io.BytesIO(images.thumbnail(big)))
    assert (small.format, small.mode) == ("JPEG", "RGB") and small.size == (240, 320)
    transparent = Image.new("RGBA", (100, 50), (0, 0, 0, 0))
    small = Image.open(io.BytesIO(images.thumbnail(_png(transparent))))
    assert small.size == (100, 50) and small.getpixel((5, 5)) == (255, 255, 255)  # white, not black


@pytest.mark.parametrize("function", [images.clean, images.thumbnail])
def test_damaged_or_oversized_images_are_refused_by_clean_and_thumbnail(function):
    with pytest.raises(InvalidInput, match="damaged or incomplete"):
        function(photo()[:300])
    with pytest.raises(InvalidInput, match="at most 80 million pixels"):
        function(_png(Image.new("1", (9000, 9000))))
