"""A complaint as a case file (001: complete, legible records): every completed step with what was
entered in it, shown with its form's labels and choice names; comments, hand-overs, escalations,
deadlines met and missed, and the attachments. One reading for the complaint page, the task page
(the history beside the form), the API and the archive PDF, so all four show the same file.

Step data is masked for the reader the way the record is (contact fields), and attachment ids in a
form field become the attachments themselves, so a reader sees the photo, not a number.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from runtime import masking, xmlsafe
from runtime.bpmn_ns import tag
from runtime.actors import Actor
from runtime.read.actions import ActionRow, actions_of
from runtime.read.queries import ClockRow, ComplaintView
from runtime.store.files import Attachment
from runtime.store.models import AuditEvent, ProcessDefinition, ProcessFile, ProcessInstance, ProcessPackage, User
from runtime.store.packages import form_schema

# Audit actions the case file shows, and the kind of entry each becomes (the rest are internal:
# reveals, timer recomputations, migrations are in the administrators' audit log).
SHOWN = {"started": "started", "task_completed": "step", "comment": "comment", "claimed": "claimed",
         "released": "released", "reassigned": "reassigned", "delegated": "delegated", "returned": "returned",
         "signal_received": "escalation", "message_received": "correction", "timers_fired": "reminder",
         "reopened_as": "reopened_as", "reopened_from": "reopened_from", "terminated": "terminated",
         "moved": "moved", "incident": "incident", "incident_resolved": "incident_resolved",
         "attachment_added": "attachment", "action_done": "action_done", "repeat_linked": "repeat_linked",
         "collective_joined": "collective_joined", "collective_reply": "collective_reply",
         "shift_review_note": "shift_review"}


@dataclass(frozen=True)
class AttachmentRow:
    id: int
    filename: str
    media_type: str
    size: int
    is_image: bool
    uploaded_by: str
    uploaded_at: datetime
    task_name: str | None

    def as_json(self) -> dict:
        return {"id": self.id, "filename": self.filename, "media_type": self.media_type, "size": self.size,
                "image": self.is_image, "uploaded_by": self.uploaded_by,
                "uploaded_at": self.uploaded_at.isoformat(), "step": self.task_name}


@dataclass(frozen=True)
class Shown:
    """One field of a step as read: its label and its value as a person reads it (a choice's name,
    a list of rows, attachments), or ``checked`` for a ticked box."""

    name: str
    label: str
    value: str | list[str] | None = None
    checked: bool = False
    files: list[AttachmentRow] = field(default_factory=list)
    chosen: bool = False  # the value is a choice's name (the form's text), not what someone typed


@dataclass(frozen=True)
class Entry:
    at: datetime
    actor: str
    actor_name: str
    kind: str  # a value of SHOWN, or deadline_met / deadline_missed
    title: str | None = None  # the step's name (user tasks) or the deadline's
    task_id: str | None = None
    fields: list[Shown] = field(default_factory=list)
    text: str | None = None  # a comment, a hand-over note or reason
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CaseFile:
    entries: list[Entry]
    attachments: list[AttachmentRow]
    actions: list[ActionRow] = field(default_factory=list)  # the closing review's, with their state

    @property
    def steps(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "step"]



def case_file_in(session, actor: Actor, view: ComplaintView) -> CaseFile:
    """The case file of a complaint read by ``complaint_in`` (its audit log and deadlines already
    read there), for ``actor``, whose right to read it the caller checked."""
    instance_id, history = view.instance_id, view.history
    files = attachments_in(session, instance_id)
    by_id = {a.id: a for a in files}
    forms = _FormCache(session, instance_id)
    titles = {e.task_id: e.details.get("title") for e in history if e.action == "task_completed" and e.task_id}
    entries = [_entry(e, actor, forms, by_id, titles) for e in history if e.action in SHOWN]
    entries += _deadlines(view.clocks)
    names = _display_names(session, {e.actor for e in entries})
    entries = [_named(e, names) for e in entries]
    entries.sort(key=lambda e: e.at)
    return CaseFile(entries, files, actions_of(session, instance_id))


def attachments_in(session, instance_id: int | None) -> list[AttachmentRow]:
    rows = session.scalars(select(Attachment).where(Attachment.instance_id == instance_id).order_by(Attachment.id))
    return [AttachmentRow(a.id, a.filename, a.media_type, a.size, a.thumbnail_sha256 is not None, a.uploaded_by,
                          a.uploaded_at, a.task_name) for a in rows]


class _FormCache:
    """The forms of the package the instance runs on, read once per case file."""

    def __init__(self, session, instance_id: int | None) -> None:
        self.session = session
        self.cache: dict[str, dict] = {}
        self.package = session.execute(
            select(ProcessPackage.id, ProcessPackage.content_hash).join(ProcessDefinition)
            .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
            .where(ProcessInstance.id == instance_id)).first()

    def step_of(self, task_name: str | None) -> tuple[str | None, str | None]:
        """(title, form) of a user task, from the package's diagrams: for steps completed before the
        audit event carried them (an older complaint, or one archived after the upgrade)."""
        if self.package is None or not task_name:
            return None, None
        key = tuple(self.package)  # id and content: ids are reused by another database (tests, a restore)
        if key not in _USER_TASKS:
            _USER_TASKS[key] = _user_tasks(self.session, self.package[0])
        return _USER_TASKS[key].get(task_name, (None, None))

    def get(self, name: str | None) -> dict:
        if not name or self.package is None:
            return {}
        if name not in self.cache:
            self.cache[name] = form_schema(self.session, self.package[0], self.package[1], name) or {}
        return self.cache[name]


def _entry(event: AuditEvent, actor: Actor, forms: _FormCache, files: dict, titles: dict) -> Entry:
    details = dict(event.details or {})
    kind = SHOWN[event.action]
    if event.task_name and not details.get("title") and not titles.get(event.task_id):
        details["title"], found_form = forms.step_of(event.task_name)
        details.setdefault("form", found_form)
    title = details.get("title") or titles.get(event.task_id) or event.task_name
    fields: list[Shown] = []
    if kind == "step":
        schema = forms.get(details.get("form"))
        fields = shown_fields(schema, masking.masked(details.get("data") or {}, actor), files)
    text = details.get("text") or details.get("note") or details.get("reason")
    kept = {k: v for k, v in details.items() if k in _KEPT}
    kept["task_name"] = event.task_name
    kept["form"] = details.get("form")
    if kind == "attachment":
        kept["attachments"] = [files[i] for i in details.get("ids", []) if i in files]
    return Entry(event.at, event.actor, event.actor, kind, title, event.task_id, fields, text, kept)


# Details a page or the API shows beside an entry (who a task went to, which signal, which timers).
_KEPT = ("assignee", "previous_assignee", "delegate", "to", "name", "automatic", "reopened_as", "reopened_from",
         "message", "reason", "description", "repeat_of", "by", "collective_id", "plan", "reply")


def shown_fields(schema: dict, data: dict, files: dict[int, AttachmentRow]) -> list[Shown]:
    """The step's data in its form's order, as a person reads it: labels, choice names, rows of a
    list, attachments; unticked boxes and empty fields left out. Fields the form does not know
    (an older version's) follow with their own names."""
    properties = schema.get("properties", {})
    order = [n for n in properties if n in data] + [n for n in data if n not in properties]
    out = []
    for name in order:
        shown = _shown(name, properties.get(name, {}), data[name], files)
        if shown is not None:
            out.append(shown)
    return out


def _shown(name: str, prop: dict, value, files: dict[int, AttachmentRow]) -> Shown | None:
    label = prop.get("title", name)
    if value is False or value in (None, "", []):
        return None
    if value is True:
        return Shown(name, label, checked=True)
    if prop.get("attachments"):
        return Shown(name, label, files=[files[i] for i in value if isinstance(i, int) and i in files])
    return Shown(name, label, _readable(prop, value), chosen=bool(prop.get("enum")))


def choice_names(prop: dict) -> dict:
    """A form field's choices by their names (``water`` -> 停水): one mapping for every reader."""
    enum = prop.get("enum") or []
    return dict(zip(enum, prop.get("enumNames", enum), strict=False))


def _readable(prop: dict, value) -> str | list[str]:
    """A value as a person reads it: a choice's name, the rows of a list, a mapping as text."""
    if prop.get("enum"):
        return str(choice_names(prop).get(value, value))
    if isinstance(value, list):
        return [_row(prop.get("items", {}), v) if isinstance(v, dict) else str(v) for v in value]
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def _row(items: dict, row: dict) -> str:
    """A row of a list of objects (a corrective action) as one line: its fields' labels and values."""
    properties = items.get("properties", {}) if isinstance(items, dict) else {}
    return "; ".join(f"{properties.get(k, {}).get('title', k)}: {_readable(properties.get(k, {}), v)}"
                     for k, v in row.items() if v not in (None, ""))


_USER_TASKS: dict[tuple, dict[str, tuple[str | None, str | None]]] = {}  # packages are immutable


def _user_tasks(session, package_id: int) -> dict[str, tuple[str | None, str | None]]:
    found = {}
    for name, content in session.execute(select(ProcessFile.name, ProcessFile.content).where(
            ProcessFile.package_id == package_id, ProcessFile.kind == "bpmn")):
        for task in xmlsafe.parse(name, content).getroot().iter(tag("userTask")):
            form = next((p.get("value") for p in task.iter() if isinstance(p.tag, str) and p.tag.endswith("}property")
                         and p.get("name") == "formJsonSchemaFilename"), None)
            found[task.get("id")] = (task.get("name"), form)
    return found


def _deadlines(clocks: list[ClockRow]) -> list[Entry]:
    """Each deadline met or missed, at the moment it was (running ones are on the page's 时限 table)."""
    out = []
    for clock in clocks:
        if clock.breached_at is not None:
            out.append(Entry(clock.breached_at, "system", "system", "deadline_missed", clock.element_name,
                             details={"due_at": clock.due_at}))
        elif clock.met_at is not None:
            out.append(Entry(clock.met_at, "system", "system", "deadline_met", clock.element_name,
                             details={"due_at": clock.due_at}))
    return out


def _display_names(session, usernames: set[str]) -> dict[str, str]:
    if not usernames:
        return {}
    return dict(session.execute(select(User.username, User.display_name).where(User.username.in_(usernames))).all())


def _named(entry: Entry, names: dict[str, str]) -> Entry:
    name = names.get(entry.actor)
    if not name or name == entry.actor:
        return entry
    return Entry(entry.at, entry.actor, name, entry.kind, entry.title, entry.task_id, entry.fields, entry.text,
                 entry.details)
