"""Why a file was refused, in the reader's language: the runtime's checks (runtime.files.content,
runtime.services.attachments) give a reason code and the file's name, the sentence is chosen here."""
from __future__ import annotations

from flask_babel import gettext as _

from runtime.errors import ComplaintflowError
from web import error_messages


def _reasons() -> dict[str, str]:
    return {
        "empty": _("“%(name)s” is empty."),
        "too_large": _("“%(name)s” is larger than an attachment may be (%(limit)s MB)."),
        "refused_type": _("“%(name)s” is a kind of file that is not accepted; attach photos (JPEG, PNG, GIF, WebP), "
                          "PDF or Office documents."),
        "unknown_type": _("“%(name)s” is not a kind of file that is accepted; attach photos (JPEG, PNG, GIF, WebP), "
                          "PDF or Office documents."),
        "name_mismatch": _("“%(name)s” is named as one kind of file but its content is another."),
        "damaged_image": _("“%(name)s” is damaged or incomplete and cannot be read as an image."),
        "too_many_pixels": _("“%(name)s” has too many pixels; make the photo smaller and attach it again."),
        "incomplete_pdf": _("“%(name)s” is an incomplete PDF (its end is missing); it may have been cut off."),
        "damaged_document": _("“%(name)s” is damaged and cannot be opened as an Office document."),
        "zip_bomb": _("“%(name)s” would unpack to far more than an Office document may hold; it is refused."),
        "macros": _("“%(name)s” contains macros, which are not accepted; save it without macros."),
        "encrypted_document": _("“%(name)s” is protected by a password; remove the password and attach it again."),
        "no_files": _("Choose at least one file."),
        "too_many_files": _("At most %(count)s files at a time."),
        "complaint_full": _("A complaint holds at most %(count)s files."),
        "closed": _("This complaint is closed; its case file is archived and takes no more files."),
        "foreign_attachment": _("A chosen file does not belong to this complaint."),
        "unnamed_legacy_office": _("“%(name)s” is an old Office 97-2003 file whose name does not end in .doc, .xls "
                                   "or .ppt; rename it."),
    }


def message(error: ComplaintflowError, limit_bytes: int) -> str:
    """The refusal of a file as a sentence for the page; other errors as web.error_messages words them."""
    reason = error.details.get("reason")
    sentence = _reasons().get(reason) if isinstance(reason, str) else None
    if sentence is None:
        return error_messages.message(error)
    return sentence % {"name": error.details.get("filename") or "", "limit": limit_bytes // 2**20,
                       "count": error.details.get("count", "")}
