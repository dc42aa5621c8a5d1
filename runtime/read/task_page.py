"""One task as its page shows it, read in one transaction: the task, its form, who it can be
handed to, and beside the form the complaint's record and case file. A form that reviews earlier
steps (``"reviews"``: the form files of those steps, e.g. the site manager's confirmation of the
handling result and the callback record) gets the latest entry of each, shown above the form. A
shift review's form (``"shiftReview": true``) gets the open complaints it reviews, each with its
state and next deadline, so the duty manager writes a note beside each."""
from __future__ import annotations

from dataclasses import dataclass, field

from datetime import datetime

from sqlalchemy import select

from runtime import clock

from runtime.read.case_file import Entry
from runtime.read.complaint_page import ComplaintPage, page_in
from runtime.read.queries import ComplaintView, TaskRow, complaint_in, rows_in
from runtime.read.shift_review import Reviewed, open_before
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.read.visibility import require_read
from runtime.store.models import HumanTask, ProcessDefinition, ProcessInstance, ProcessPackage
from runtime.store.notifications import group
from runtime.store.packages import form_schema

EMPTY_FORM = {"type": "object", "properties": {}}


@dataclass(frozen=True)
class TaskPage:
    task: TaskRow
    schema: dict
    colleagues: list[str]  # active users who may work on it (the same rule decides who hears of it)
    complaint: ComplaintPage | None = None
    reviewed: list[Entry] = field(default_factory=list)  # what this step confirms: the latest of each form
    shift_review: list[Reviewed] | None = None  # a shift review: the complaints it lists (None: not one)


def page(rt: Runtime, actor: Actor, task_id: str) -> TaskPage | None:
    """The page of an open task, or None when it does not exist or is done; only for those who may
    see its complaint."""
    with rt.db.reader() as session:
        rows = rows_in(session, select(HumanTask).where(HumanTask.id == task_id))
        if not rows:
            return None
        task = rows[0]
        owner = session.scalar(select(ProcessInstance.owner).where(ProcessInstance.id == task.instance_id))
        require_read(session, actor, task.instance_id, owner, task.business_key)
        colleagues = sorted(r.username for r in group(session, task.role, task.department))
        schema = _form(session, task)
        view = complaint_in(session, task.business_key)
        listed = _shift_review(session, actor, schema, view)
        if listed is not None:  # a review is no complaint: no record or case file of its own beside the list
            return TaskPage(task, schema, colleagues, None, [], listed)
        complaint = page_in(rt, session, actor, view, view.process) if view is not None else None
        return TaskPage(task, schema, colleagues, complaint, _reviewed(schema, complaint))


def _shift_review(session, actor: Actor, schema: dict, view: ComplaintView | None) -> list[Reviewed] | None:
    """The complaints a shift review lists: open ones accepted before the moment its start fixed."""
    before = view.facts.get("review_before") if view is not None else None
    if not schema.get("shiftReview") or not isinstance(before, str):
        return None
    return open_before(session, actor, datetime.fromisoformat(before), clock.now())


def _reviewed(schema: dict, complaint: ComplaintPage | None) -> list[Entry]:
    """The latest completion of each step the form reviews, in the order the form names them."""
    wanted = schema.get("reviews") or []
    if complaint is None or not wanted:
        return []
    latest = {}
    for entry in complaint.case_file.steps:
        latest[entry.details.get("form")] = entry
    return [latest[name] for name in wanted if name in latest]


def _form(session, task: TaskRow) -> dict:
    """The JSON Schema of the task's form, from the package its instance runs on."""
    if not task.form:
        return EMPTY_FORM
    package_id, content_hash = session.execute(
        select(ProcessPackage.id, ProcessPackage.content_hash).join(ProcessDefinition)
        .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(ProcessInstance.id == task.instance_id)).one()
    return form_schema(session, package_id, content_hash, task.form) or EMPTY_FORM
