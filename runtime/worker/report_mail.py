"""The monthly report's e-mail carries the report itself: the spreadsheet and the PDF, rendered from the kept
figures when the mail is sent (so a resend after a crash carries the very same report)."""
from __future__ import annotations

from email.message import EmailMessage

from runtime.bootstrap import Runtime
from runtime.services import reports


def attach(rt: Runtime, msg: EmailMessage, details: dict) -> None:
    found = reports.kept_by_id(rt, int(details.get("report_id") or 0))
    if found is None:
        return
    for kind in ("xlsx", "pdf"):
        doc = reports.render(rt, found.period, found.figures, found.made_at, kind)
        maintype, subtype = doc.media_type.split("/", 1)
        msg.add_attachment(doc.body, maintype=maintype, subtype=subtype, filename=doc.filename)
