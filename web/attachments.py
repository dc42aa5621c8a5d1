"""Attachments of a complaint: upload on the complaint page, download (as an attachment, never
shown inline) and thumbnails. The runtime decides who may do what; this only carries files."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.utils import secure_filename

from runtime.errors import Conflict, InvalidInput, Unavailable
from runtime.services import archive, attachments
from web import file_messages
from web.context import current_actor, login_required, runtime

bp = Blueprint("attachments", __name__, url_prefix="/complaints")
# What a file input offers to choose (the server decides on the content, whatever the name says).
ACCEPTED_FILES = "image/jpeg,image/png,image/gif,image/webp,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"


def uploads(name: str) -> list[attachments.Upload]:
    """The files posted under ``name`` (a file input left empty posts one nameless, empty part)."""
    return [attachments.Upload(f.filename or "", f.read()) for f in request.files.getlist(name)
            if f.filename or f.content_length]


@bp.post("/<number>/attachments")
@login_required
def upload(number: str):
    try:
        ids = attachments.add(runtime(), current_actor(), number, uploads("files"))
        flash(_("%(count)s file(s) attached", count=len(ids)), "ok")
    except (InvalidInput, Conflict) as e:
        flash(file_messages.message(e, runtime().settings.max_attachment_bytes), "error")
    except Unavailable:
        flash(_("The files could not be stored just now; nothing was saved. Try again in a moment."), "error")
    return redirect(url_for("complaints.show", number=number) + "#attachments")


@bp.get("/<number>/attachments/<int:attachment_id>")
@login_required
def download(number: str, attachment_id: int):
    found = attachments.download(runtime(), current_actor(), number, attachment_id)
    return file_response(found.data, found.media_type, found.filename)


@bp.get("/<number>/attachments/<int:attachment_id>/thumbnail")
@login_required
def thumbnail(number: str, attachment_id: int):
    """A small JPEG we made ourselves from the checked image: safe to show inline on the page."""
    found = attachments.download(runtime(), current_actor(), number, attachment_id, thumbnail=True)
    response = Response(found.data, mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one in RFC 5987 form (Chinese names)."""
    ascii_name = secure_filename(filename) or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def file_response(data: bytes, media_type: str, filename: str) -> Response:
    """A download: always ``attachment`` (a browser never renders an uploaded file as a page of
    ours), the name in RFC 5987 form so Chinese names survive, no sniffing, no shared caching."""
    response = Response(data, mimetype=media_type, headers={"Content-Disposition": disposition(filename)})
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<number>/archive.<kind>")
@login_required
def archive_file(number: str, kind: str):
    """The archived case file of a closed complaint: the PDF, or the zip of the original files."""
    found = archive.download(runtime(), current_actor(), number, kind)
    return file_response(found.data, found.media_type, found.filename)
