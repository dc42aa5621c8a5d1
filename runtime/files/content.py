"""What an uploaded attachment really is, told from its bytes and never from its name.

A name is whatever the sender typed, so it decides nothing: the first bytes are matched by ``filetype``
(a well-kept table of signatures) and then the format is checked the way its readers will open it
(Pillow verifies an image, a PDF must end where a PDF ends, an Office document must be a zip with the
parts Office needs and unpack to a bounded size). Only photos, PDFs and Office documents are accepted:
a program, a web page or SVG (which can carry scripts), an archive or plain text never reaches staff.
Each refusal is ``InvalidInput`` with one English sentence naming the file, and ``reason`` in its
details so the web layer can say it in the user's language.
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

import filetype

from runtime.errors import InvalidInput
from runtime.files import images

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file of Office 97-2003 (and of installers)
MAX_UNPACKED_BYTES = 256 * 1024 * 1024  # an Office document may unpack to this; beyond, it is a zip bomb
MAX_ZIP_ENTRIES = 10_000
MAX_NAME_BYTES = 255
ACCEPTED_KINDS = "photos (JPEG, PNG, GIF, WebP), PDF files or Office documents"


@dataclass(frozen=True)
class Inspected:
    media_type: str  # from the content: "image/jpeg", "application/pdf", ...
    kind: str  # "image", "pdf" or "document"
    extension: str  # the content's own, without the dot: "jpg", "docx"
    filename: str  # the sender's name made safe, ending in an extension of the content's type


@dataclass(frozen=True)
class _Type:
    media_type: str
    kind: str
    extension: str
    names: frozenset[str]  # the extensions a file of this type may be named with
    label: str


def _type(media_type: str, kind: str, label: str, *names: str) -> _Type:
    return _Type(media_type, kind, names[0], frozenset(names), label)


_OOXML = "application/vnd.openxmlformats-officedocument."
WORD = _type(_OOXML + "wordprocessingml.document", "document", "Word document", "docx")
EXCEL = _type(_OOXML + "spreadsheetml.sheet", "document", "Excel workbook", "xlsx")
POWERPOINT = _type(_OOXML + "presentationml.presentation", "document", "PowerPoint presentation", "pptx")
LEGACY = (_type("application/msword", "document", "Word 97-2003 document", "doc"),
          _type("application/vnd.ms-excel", "document", "Excel 97-2003 workbook", "xls"),
          _type("application/vnd.ms-powerpoint", "document", "PowerPoint 97-2003 presentation", "ppt"))
IMAGES = {"image/jpeg": (_type("image/jpeg", "image", "JPEG image", "jpg", "jpeg", "jpe", "jfif"), "JPEG"),
          "image/png": (_type("image/png", "image", "PNG image", "png"), "PNG"),
          "image/apng": (_type("image/png", "image", "PNG image", "png"), "PNG"),  # an animated PNG
          "image/gif": (_type("image/gif", "image", "GIF image", "gif"), "GIF"),
          "image/webp": (_type("image/webp", "image", "WebP image", "webp"), "WEBP")}
PDF = _type("application/pdf", "pdf", "PDF document", "pdf")
_BY_FOLDER = {"word": WORD, "xl": EXCEL, "ppt": POWERPOINT}
_REFUSED_LABELS = {"application/x-msdownload": "Windows program", "application/x-executable": "Linux program",
                   "application/zip": "zip archive", "image/heic": "HEIC photo (save it as JPEG first)"}
# Extensions that claim a type: a name ending in one must match the content; any other ending is kept
# as part of the name and the content's extension is added ("report.final" becomes "report.final.pdf").
_CLAIMS = ({t.extension.lower() for t in filetype.types} | {"htm", "html", "xhtml", "svg", "svgz", "txt", "csv",
           "xml", "json", "js", "bat", "cmd", "com", "sh", "ps1", "vbs", "hta", "scr", "msi", "lnk", "jar", "apk",
           "docm", "xlsm", "pptm", "heif", "tiff", "jpeg", "jpe", "jfif", "dll"})


def inspect(data: bytes, filename: str, limit: int) -> Inspected:
    """What ``data`` is, or ``InvalidInput`` saying why it is refused; ``limit`` is the largest size in bytes."""
    name = safe_filename(filename)
    subject = f'"{name}"'
    if not data:
        raise InvalidInput(f"{subject} is empty.", reason="empty", filename=name)
    if len(data) > limit:
        raise InvalidInput(f"{subject} is {_size(len(data))}; an attachment may be at most {_size(limit)}.",
                           reason="too_large", filename=name, size=len(data), limit=limit)
    claimed = _claimed_extension(name)
    found = _detect(data, subject, claimed)
    if claimed is None:
        name = safe_filename(f"{name}.{found.extension}")
    elif claimed not in found.names:
        raise InvalidInput(f"{subject} is named as a .{claimed} file, but its content is a {found.label}.",
                           reason="name_mismatch", filename=name, claimed=claimed, found=found.extension)
    return Inspected(found.media_type, found.kind, found.extension, name)


def _detect(data: bytes, subject: str, claimed: str | None) -> _Type:
    guess = filetype.guess(data)
    mime = guess.mime if guess else None
    if data.startswith(b"PK\x03\x04"):
        return _office_open_xml(data, subject)
    if data.startswith(OLE2):
        return _legacy_office(mime, subject, claimed)
    if mime == PDF.media_type:
        return _pdf(data, subject)
    if mime in IMAGES:
        return _image(data, mime, subject)
    label = _REFUSED_LABELS.get(mime or "") or (f"file of type {mime}" if mime else _sniff(data))
    if label is None:
        for accepted in (PDF, WORD, EXCEL, POWERPOINT, *LEGACY, *(t for t, _ in IMAGES.values())):
            if claimed in accepted.names:
                raise InvalidInput(f"{subject} is named as a {accepted.label}, but its content is not one.",
                                   reason="name_mismatch", claimed=claimed)
        raise InvalidInput(f"{subject} is not a kind of file that is accepted; attach {ACCEPTED_KINDS}.",
                           reason="unknown_type")
    raise InvalidInput(f"{subject} is a {label}, which is not accepted; attach {ACCEPTED_KINDS}.",
                       reason="refused_type", media_type=mime)


def _sniff(data: bytes) -> str | None:
    """A name for text that ``filetype`` has no signature for, so the refusal can say what it is."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<script" in head:
        return "web page (HTML)"
    if b"<svg" in head:
        return "drawing in SVG format"
    try:
        text = head.decode()
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not merely a character cut in two at the end of the sample
            return None
        text = head[: e.start].decode()
    return "plain text file" if all(ch.isprintable() or ch in "\t\r\n" for ch in text) else None


def _image(data: bytes, mime: str, subject: str) -> _Type:
    found, pillow_format = IMAGES[mime]
    with images.opened(data, subject) as image:
        if image.format != pillow_format:
            raise images.damaged(subject)
        image.verify()
    return found


def _pdf(data: bytes, subject: str) -> _Type:
    if b"%%EOF" not in data[-1024:]:  # where readers look for it: a PDF without it was cut short
        raise InvalidInput(f"{subject} is an incomplete PDF file (its end is missing); it may have been cut off "
                           "while it was copied or sent.", reason="incomplete_pdf")
    return PDF


def _legacy_office(mime: str | None, subject: str, claimed: str | None) -> _Type:
    """Office 97-2003 files share one container with installers and others; ``filetype`` tells Word, Excel
    and PowerPoint apart when their first sectors say so, the name decides otherwise (and must agree)."""
    for legacy in LEGACY:
        if mime == legacy.media_type or (mime is None and claimed in legacy.names):
            return legacy
    if claimed in ("docx", "xlsx", "pptx"):  # an encrypted Office document is such a container
        raise InvalidInput(f"{subject} is protected by a password; remove the password and attach it again.",
                           reason="encrypted_document")
    raise InvalidInput(f"{subject} is in the old Office 97-2003 format but its name does not end in .doc, .xls "
                       "or .ppt; rename it to say which it is.", reason="unnamed_legacy_office")


def _office_open_xml(data: bytes, subject: str) -> _Type:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            found = _office_parts(archive.infolist(), subject)
            _read_every_part(archive)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError) as e:
        raise InvalidInput(f"{subject} is damaged: it cannot be unpacked as an Office document.",
                           reason="damaged_document") from e
    return found


def _office_parts(entries: list[zipfile.ZipInfo], subject: str) -> _Type:
    names = [entry.filename for entry in entries]
    folders = {name.split("/", 1)[0] for name in names if "/" in name} & set(_BY_FOLDER)
    if not folders:
        raise InvalidInput(f"{subject} is a zip archive, which is not accepted; attach {ACCEPTED_KINDS}.",
                           reason="refused_type", media_type="application/zip")
    if "[Content_Types].xml" not in names or len(folders) > 1:
        raise InvalidInput(f"{subject} is damaged: it does not have the parts an Office document needs.",
                           reason="damaged_document")
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise InvalidInput(f"{subject} contains macros, which are not accepted; save it as a document without "
                           "macros and attach it again.", reason="macros")
    total = sum(entry.file_size for entry in entries)
    if len(entries) > MAX_ZIP_ENTRIES or total > MAX_UNPACKED_BYTES:
        raise _bomb(subject, total)
    return _BY_FOLDER[folders.pop()]


def _read_every_part(archive: zipfile.ZipFile) -> None:
    """Unpack every part once, so a damaged one is refused now (a part's checksum is checked when it has
    been read to its end). The declared sizes checked before bound this: ``zipfile`` never returns more
    than a part declares, so a zip whose sizes lie is refused as damaged, not unpacked without end."""
    for entry in archive.infolist():
        with archive.open(entry) as part:
            while part.read(1024 * 1024):
                pass


def _bomb(subject: str, total: int) -> InvalidInput:
    return InvalidInput(f"{subject} would unpack to {_size(total)} or more, more than the {_size(MAX_UNPACKED_BYTES)} "
                        "an Office document may hold; it is refused as a possible zip bomb.", reason="zip_bomb")


def _size(count: int) -> str:
    return f"{count:,} bytes" if count < 1024 * 1024 else f"{count / (1024 * 1024):.1f} MB"


def _claimed_extension(name: str) -> str | None:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem and extension.lower() in _CLAIMS else None


_RESERVED = re.compile(r'[<>:"|?*]')
_DEVICES = {"con", "prn", "aux", "nul", *(f"{port}{n}" for port in ("com", "lpt") for n in range(1, 10))}


def safe_filename(name: str) -> str:
    """``name`` fit to store, show and send back in a download: the last path component only, without
    control or formatting characters (a right-to-left mark can make "gpj.exe" read as "exe.jpg"), with
    the characters Windows refuses replaced, at most 255 bytes of UTF-8 with its extension kept. Any
    script stays as it is (``现场照片.jpg``); nothing left gives "attachment"."""
    name = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(_RESERVED.sub("_", name).split()).strip(" .")
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode()) > 16:
        stem, extension = name, ""
    if stem.split(".")[0].lower() in _DEVICES:
        stem = f"_{stem}"  # CON, NUL... name devices, not files, on Windows
    suffix = f".{extension}" if extension else ""
    stem = stem.encode()[: MAX_NAME_BYTES - len(suffix.encode())].decode(errors="ignore").rstrip(" .")
    return f"{stem}{suffix}" if stem else "attachment"
