"""Archiving ended complaints (003: a complete archived file is a condition of closing): the worker
makes the PDF and the zip of the originals for each pending request, and a reader who asks before
the worker got to it has it made there and then. Downloads are for readers of the complaint whose
role sees contact data (the archive is the full record) and are audited like a contact reveal.

The archive is made outside any write transaction (rendering takes a second; SQLite would hold
every writer meanwhile) and recorded in a short one; two workers that happen to make the same
archive write the same bytes under the same keys, and the first to record it wins. A sweep spends
at most two seconds on archives before it goes back to its timers.
"""
from __future__ import annotations

import logging
import time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from runtime import clock, masking
from runtime.actors import Actor
from runtime.archive import document
from runtime.bootstrap import Runtime
from runtime.errors import InstanceNotFound, InvalidState, NotFound, PermissionDenied
from runtime.read.complaint_page import page_in
from runtime.read.queries import complaint_in
from runtime.read.visibility import require_read
from runtime.services.attachments import Download, store
from runtime.store import archives
from runtime.store.files import Attachment, CaseArchive
from runtime.store.instance_store import audit, lock

log = logging.getLogger(__name__)
COMPLAINT = "complaint"
# The archive is the complete record: it is read as a role that sees contact data in full.
RECORD_READER = Actor("archive", frozenset({"quality"}))


def make_due(rt: Runtime, budget_seconds: float = 2.0) -> int:
    """Make the pending archives that are due, oldest first, until ``budget_seconds`` are spent (a
    sweep must go back to its timers: an archive takes about a second); how many were made."""
    made, tried, started = 0, set[int](), time.monotonic()
    while time.monotonic() - started < budget_seconds:
        with rt.db.reader() as session:
            instance_id = archives.next_due(session, clock.now(), tried)
        if instance_id is None:
            break
        tried.add(instance_id)
        made += _make_logged(rt, instance_id)
    return made


def _make_logged(rt: Runtime, instance_id: int) -> int:
    try:
        make(rt, instance_id)
        return 1
    except Exception as e:  # noqa: BLE001 - one bad archive must not stop the sweep; the error is kept
        log.exception("archive of instance %s failed", instance_id)
        _failed(rt, instance_id, f"{type(e).__name__}: {e}"[:500])
        return 0


def make(rt: Runtime, instance_id: int) -> CaseArchive:
    """Render and store the archive of one ended complaint, and record it as ready."""
    doc = _document(rt, instance_id)
    blobs, zone = store(rt), ZoneInfo(rt.settings.timezone)
    pdf = document.pdf(doc, blobs, zone)
    zipped = document.originals(doc.case_file.attachments, doc.attachments, blobs)
    pdf_sha, zip_sha = blobs.put(pdf), blobs.put(zipped)
    with rt.db.transaction() as session:
        row = session.get(CaseArchive, instance_id, with_for_update=True)
        if row is None:
            raise NotFound(f"instance {instance_id} has no archive request")
        if row.status != "ready":
            row.status, row.made_at, row.error = "ready", clock.now(), None
            row.pdf_sha256, row.pdf_size, row.zip_sha256, row.zip_size = pdf_sha, len(pdf), zip_sha, len(zipped)
        session.flush()
        session.expunge(row)
        return row


def _failed(rt: Runtime, instance_id: int, error: str) -> None:
    with rt.db.transaction() as session:
        row = session.get(CaseArchive, instance_id, with_for_update=True)
        if row is not None and row.status == "pending":
            row.attempts += 1
            row.error = error
            row.requested_at = clock.now() + archives.retry_after(row.attempts)
            if row.attempts >= archives.MAX_ATTEMPTS:
                row.status = "failed"


def _document(rt: Runtime, instance_id: int) -> document.CaseDocument:
    with rt.db.reader() as session:
        number = session.scalar(select(CaseArchive.business_key).where(CaseArchive.instance_id == instance_id))
        view = complaint_in(session, number) if number else None
        if view is None:
            raise InstanceNotFound(f"no complaint for archive {instance_id}")
        found = page_in(rt, session, RECORD_READER, view, COMPLAINT)
        shas = {a.id: (a.sha256, a.media_type) for a in
                session.scalars(select(Attachment).where(Attachment.instance_id == instance_id))}
    record = [(found.labels.get(name, name), "是" if value is True else str(value))
              for name, value in found.record.items()]
    return document.CaseDocument(view.number, view.status, view.severity, view.owner, view.started_at, view.ended_at,
                                 view.outcome, record, found.case_file, view.clocks, shas, clock.now())


def may_download(actor: Actor) -> bool:
    """The archive is the full record with the customer's contact data: for the roles that see it
    (administrators repair instances; they see contact data masked like everyone outside those roles)."""
    return masking.may_see_contact(actor)


def state(rt: Runtime, actor: Actor, number: str) -> CaseArchive | None:
    """The archive request of a complaint, for a reader of it (None while it is open)."""
    with rt.db.reader() as session:
        instance = lock(session, business_key=number, for_update=False)
        require_read(session, actor, instance.id, instance.owner, number)
        row = session.get(CaseArchive, instance.id)
        if row is not None:
            session.expunge(row)
        return row


def _requested_now(rt: Runtime, number: str) -> CaseArchive:
    """A complaint that closed before archives existed is archived on its first download."""
    with rt.db.transaction() as session:
        instance = lock(session, business_key=number)
        if instance.ended_at is None:
            raise InvalidState(f"{number} is not closed yet; it is archived when it closes", reason="open")
        archives.request(session, instance.saved_id, number, clock.now())
        row = session.get(CaseArchive, instance.saved_id)
        if row is None:
            raise NotFound(f"{number} has no archive request")
        session.expunge(row)
        return row


def download(rt: Runtime, actor: Actor, number: str, kind: str) -> Download:
    """The archive's PDF (``kind`` = "pdf") or zip of originals ("zip"), made now if the worker has
    not yet; audited."""
    if kind not in ("pdf", "zip"):
        raise NotFound(f"an archive has a pdf and a zip, not {kind!r}")
    if not may_download(actor):
        raise PermissionDenied(f"{actor.username} may not download archives: they hold the customer's contact data")
    row = state(rt, actor, number)
    if row is None:
        row = _requested_now(rt, number)
    if row.status != "ready":
        row = make(rt, row.instance_id)
    with rt.db.transaction() as session:
        audit(session, lock(session, business_key=number, for_update=False), actor.username, "archive_downloaded",
              kind=kind)
    sha = row.pdf_sha256 if kind == "pdf" else row.zip_sha256
    name = f"投诉案卷-{number}.{kind}"
    media = "application/pdf" if kind == "pdf" else "application/zip"
    return Download(name, media, store(rt).get(sha or ""))
