"""Rendering the case file as a PDF (WeasyPrint) and its originals as a zip.

The template is rendered by Jinja with autoescaping, so what staff typed is text, never markup. The
PDF fetches nothing from outside: the only URLs it may load are ``blob:<sha256>`` (the complaint's
own images, from the blob store); anything else — a file path, a web address — is refused. Chinese
text is set in WenQuanYi Micro Hei (Debian's fonts-wqy-microhei), whose glyphs are embedded.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from runtime.files.blobs import BlobStore
from runtime.read.case_file import AttachmentRow, CaseFile
from runtime.read.queries import ClockRow

TEMPLATES = Path(__file__).with_name("templates")
BLOB = "blob:"


@dataclass(frozen=True)
class CaseDocument:
    """Everything the archive shows, read in one transaction by the service."""

    number: str
    status: str
    severity: str | None
    owner: str | None
    started_at: datetime
    ended_at: datetime | None
    outcome: dict | None
    record: list[tuple[str, str]]  # (label, shown value), contact data in full: the archive is the record
    case_file: CaseFile
    clocks: list[ClockRow]
    attachments: dict[int, tuple[str, str]]  # attachment id -> (sha256 of its bytes, media type)
    made_at: datetime


def _environment(zone: ZoneInfo) -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    env.filters["local"] = lambda moment, fmt="%Y-%m-%d %H:%M": moment.astimezone(zone).strftime(fmt) if moment else ""
    return env


def html(document: CaseDocument, zone: ZoneInfo) -> str:
    return _environment(zone).get_template("case_file.html").render(doc=document, blob=BLOB)


def pdf(document: CaseDocument, blobs: BlobStore, zone: ZoneInfo) -> bytes:
    from PIL import ImageFile
    from weasyprint import HTML  # imported when an archive is made: it loads Pango, not needed elsewhere
    from weasyprint.urls import URLFetcherResponse
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # WeasyPrint's import turns it on for the whole process

    types = dict(document.attachments.values())

    def fetch(url: str, *args, **kwargs) -> URLFetcherResponse:
        sha = url.removeprefix(BLOB)
        if not url.startswith(BLOB) or sha not in types:
            raise ValueError(f"the archive loads only the complaint's own files, not {url[:80]}")
        return URLFetcherResponse(url, body=blobs.get(sha), headers={"Content-Type": types[sha]})

    return HTML(string=html(document, zone), url_fetcher=fetch, base_url="blob:/").write_pdf()


def originals(files: list[AttachmentRow], shas: dict[int, tuple[str, str]], blobs: BlobStore) -> bytes:
    """The original files, numbered as the PDF lists them (two files may share a name)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for position, row in enumerate(files, start=1):
            archive.writestr(f"{position:03d}-{row.filename}", blobs.get(shas[row.id][0]))
    return out.getvalue()
