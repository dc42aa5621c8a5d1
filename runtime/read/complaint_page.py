"""One complaint as its page shows it, read in one transaction: where it stands, its record with
the intake form's labels and choices (contact data masked unless the reader's role needs it), the
complaints linked to it, and its case file (every step with its data, the attachments)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from runtime import masking
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.read.case_file import CaseFile, case_file_in, choice_names
from runtime.read.queries import ComplaintView, complaint_in, linked_in, start_form_in
from runtime.read.visibility import require_read
from runtime.store.files import CaseArchive


# Shown, formatted, in the page's intake card (runtime.read.standing) rather than as typed.
SHOWN_ABOVE = frozenset({"received_at"})


@dataclass(frozen=True)
class ComplaintPage:
    view: ComplaintView
    record: dict  # shown values, masked for the reader, choices as their labels, empty fields left out
    labels: dict[str, str]
    masked: bool  # contact data is masked for this reader (a reveal is offered)
    links: dict  # reopened from / as, repeat links, the collective case (queries.linked_in)
    case_file: CaseFile
    archive: str | None = None  # the archive's state once the complaint ended: pending | ready | failed
    chosen: frozenset[str] = frozenset()  # the fields whose value is a choice's name, not what was typed


def page(rt: Runtime, actor: Actor, number: str, process_id: str, revealed: dict | None = None) -> ComplaintPage | None:
    with rt.db.reader() as session:
        view = complaint_in(session, number)
        if view is None:
            return None
        require_read(session, actor, view.instance_id, view.owner, number)
        return page_in(rt, session, actor, view, process_id, revealed)


def page_in(rt: Runtime, session, actor: Actor, view: ComplaintView, process_id: str,
            revealed: dict | None = None) -> ComplaintPage:
    """The page of a complaint the caller has checked ``actor`` may read (the task page shows it too).
    Its record is labelled by the start form of its own process (a shift review has its own)."""
    schema = start_form_in(rt, session, view.process or process_id) or {}
    links = linked_in(session, view)
    case_file = case_file_in(session, actor, view)
    record = masking.masked(view.record, actor)
    record.update(revealed or {})
    properties = schema.get("properties", {})
    labels = {name: prop.get("title", name) for name, prop in properties.items()}
    choices = {name: choice_names(prop) for name, prop in properties.items() if prop.get("enum")}
    shown = {name: (choices[name].get(value, value) if name in choices else value)
             for name, value in record.items() if value not in (None, "", False) and name not in SHOWN_ABOVE}
    archive = session.scalar(select(CaseArchive.status).where(CaseArchive.instance_id == view.instance_id))
    return ComplaintPage(view, shown, labels, not masking.may_see_contact(actor) and not revealed, links, case_file,
                         archive, frozenset(choices))
