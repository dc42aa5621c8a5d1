"""Attachments: the evidence of a case file (photos, PDFs, office documents), given to a complaint
on the complaint page, while working on one of its steps, or at intake (the API's too).

Every file is checked on its content before anything is kept, and a batch is kept whole or not at
all: the bytes go to the content-addressed blob store first (a write that fails leaves nothing
readable), then one transaction records the rows and the audit event. A failure between the two
leaves only an unreferenced blob, which the next upload of the same bytes reuses. Images are kept
without their EXIF location and get a thumbnail. A download is role-checked like the complaint
and audited like a contact reveal.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select

from runtime import clock
from runtime.actors import Actor, require_work_on
from runtime.bootstrap import Runtime
from runtime.errors import InvalidInput, InvalidState, NotFound, PermissionDenied
from runtime.files import content, images
from runtime.files.blobs import BlobStore, blob_store
from runtime.read.case_file import AttachmentRow, attachments_in
from runtime.read.visibility import require_read
from runtime.store.db import table
from runtime.store.files import Attachment
from runtime.store.instance_store import InstanceRow, audit, lock
from runtime.store.models import HumanTask

MAX_FILES_PER_UPLOAD = 20
MAX_FILES_PER_COMPLAINT = 300
MAX_ID = 2**31 - 1  # ids beyond a 32-bit integer name no attachment (the databases would refuse the query)


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


@dataclass(frozen=True)
class Download:
    filename: str
    media_type: str
    data: bytes


def store(rt: Runtime) -> BlobStore:
    """The runtime's blob store, built once per runtime (a boto3 client is costly to make per request)."""
    found = rt.__dict__.get("blob_store")
    if found is None:
        found = rt.__dict__["blob_store"] = blob_store(rt.settings)
    return found


def add(rt: Runtime, actor: Actor, number: str, uploads: list[Upload], task_id: str | None = None) -> list[int]:
    """Keep ``uploads`` on complaint ``number`` (given in step ``task_id``, if any); their ids.

    Who may add what is checked before a file is decoded or stored (a refused caller costs nothing
    and leaves nothing), and again under the lock with the rows."""
    if not actor.roles:
        raise PermissionDenied(f"{actor.username} has no role on complaints")
    with rt.db.reader() as session:
        _may_add(session, actor, lock(session, business_key=number, for_update=False), task_id, len(uploads))
    kept = prepare(rt, uploads)
    with rt.db.transaction() as session:
        instance = lock(session, business_key=number)
        task = _may_add(session, actor, instance, task_id, len(kept))
        return add_in(session, actor, instance, kept, task)


def _may_add(session, actor: Actor, instance: InstanceRow, task_id: str | None, adding: int) -> HumanTask | None:
    require_read(session, actor, instance.id, instance.owner, instance.business_key)
    if instance.ended_at is not None:
        raise InvalidState(f"{instance.business_key} is closed; its case file is archived and no longer changes",
                           reason="closed")
    task = _task(session, actor, instance, task_id)
    _check_room(session, instance.id, adding)
    return task


def add_in(session, actor: Actor, instance: InstanceRow, kept: list, task: HumanTask | None) -> list[int]:
    """The rows and the audit event of stored files, in the caller's transaction (intake uses it)."""
    now, ids = clock.now(), []
    for prepared, sha, thumb in kept:
        ids.append(session.connection().execute(insert(table(Attachment)).values(
            instance_id=instance.id, business_key=instance.business_key, sha256=sha,
            filename=prepared.inspected.filename, media_type=prepared.inspected.media_type, size=len(prepared.data),
            thumbnail_sha256=thumb, task_id=task.id if task else None, task_name=task.task_name if task else None,
            uploaded_by=actor.username, uploaded_at=now).returning(table(Attachment).c.id)).scalar_one())
    audit(session, instance, actor.username, "attachment_added", task_id=task.id if task else None,
          task_name=task.task_name if task else None, ids=ids,
          files=[p.inspected.filename for p, _, _ in kept])
    return ids


@dataclass(frozen=True)
class Prepared:
    inspected: content.Inspected
    data: bytes  # as kept: an image without its location
    thumbnail: bytes | None


def prepare(rt: Runtime, uploads: list[Upload]) -> list:
    """Checked, cleaned and stored files, before the transaction that records them: (prepared,
    sha256, thumbnail sha256) each. Nothing is stored unless every file passed its checks."""
    blobs = store(rt)
    return [(p, blobs.put(p.data), blobs.put(p.thumbnail) if p.thumbnail else None) for p in _prepare(rt, uploads)]


def _prepare(rt: Runtime, uploads: list[Upload]) -> list[Prepared]:
    if not uploads:
        raise InvalidInput("choose at least one file", field_errors={"files": "required"}, reason="no_files")
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise InvalidInput(f"at most {MAX_FILES_PER_UPLOAD} files at a time", field_errors={"files": "too many"},
                           reason="too_many_files", count=MAX_FILES_PER_UPLOAD)
    out = []
    for upload in uploads:
        try:
            out.append(_checked(upload, rt.settings.max_attachment_bytes))
        except InvalidInput as e:  # the batch is refused whole, naming the file
            raise InvalidInput(e.message, field_errors={"files": e.message},
                               **{**e.details, "filename": upload.filename}) from e
    return out


def _checked(upload: Upload, limit: int) -> Prepared:
    inspected = content.inspect(upload.data, upload.filename, limit)
    if inspected.kind != "image":
        return Prepared(inspected, upload.data, None)
    cleaned = images.clean(upload.data)
    return Prepared(inspected, cleaned, images.thumbnail(cleaned))


def _task(session, actor: Actor, instance: InstanceRow, task_id: str | None) -> HumanTask | None:
    if task_id is None:
        return None
    task = session.get(HumanTask, task_id)
    if task is None or task.instance_id != instance.id:
        raise NotFound(f"no open step {task_id} on {instance.business_key}")
    require_work_on(actor, task)
    return task


def _check_room(session, instance_id: int | None, adding: int) -> None:
    count = session.scalar(select(func.count()).select_from(Attachment).where(Attachment.instance_id == instance_id))
    if count + adding > MAX_FILES_PER_COMPLAINT:
        raise InvalidInput(f"a complaint holds at most {MAX_FILES_PER_COMPLAINT} files ({count} now)",
                           field_errors={"files": "too many"}, reason="complaint_full", count=MAX_FILES_PER_COMPLAINT)


def listed(rt: Runtime, actor: Actor, number: str) -> list[AttachmentRow]:
    with rt.db.reader() as session:
        instance = lock(session, business_key=number, for_update=False)
        require_read(session, actor, instance.id, instance.owner, number)
        return attachments_in(session, instance.id)


def download(rt: Runtime, actor: Actor, number: str, attachment_id: int, thumbnail: bool = False) -> Download:
    """The file (or its thumbnail) for a reader of the complaint; a full download is audited. The
    bytes are read outside any write transaction (an S3 read must not hold SQLite's one writer)."""
    with rt.db.reader() as session:
        instance = lock(session, business_key=number, for_update=False)
        require_read(session, actor, instance.id, instance.owner, number)
        row = session.get(Attachment, attachment_id) if 0 < attachment_id <= MAX_ID else None
        if row is None or row.instance_id != instance.id:
            raise NotFound(f"{number} has no attachment {attachment_id}")
        if thumbnail and row.thumbnail_sha256 is None:
            raise NotFound(f"attachment {attachment_id} of {number} is not an image")
        session.expunge(row)
    if thumbnail:
        return Download(f"thumbnail-{row.id}.jpg", "image/jpeg", store(rt).get(row.thumbnail_sha256 or ""))
    data = store(rt).get(row.sha256)
    with rt.db.transaction() as session:
        audit(session, instance, actor.username, "attachment_downloaded", attachment=row.id, filename=row.filename)
    return Download(row.filename, row.media_type, data)


def require_own(session, instance_id: int | None, fields: list[str], data: dict) -> None:
    """A form's attachment fields may name only attachments of this complaint."""
    wanted = {i for name in fields for i in data.get(name) or [] if isinstance(i, int) and 0 < i <= MAX_ID}
    found = set(session.scalars(select(Attachment.id).where(Attachment.instance_id == instance_id,
                                                            Attachment.id.in_(wanted)))) if wanted else set()
    for name in fields:
        missing = [i for i in data.get(name) or [] if i not in found]
        if missing:
            raise InvalidInput(f"{name}: attachments {missing} are not files of this complaint",
                               field_errors={name: f"attachments {missing} are not files of this complaint"},
                               reason="foreign_attachment")
