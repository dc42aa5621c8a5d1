"""One task as its page shows it, read in one transaction: the task, its form, the complaint's
timeline and who it can be handed to."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from runtime.read.queries import TaskRow, rows_in
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.read.visibility import require_read
from runtime.store.models import AuditEvent, HumanTask, ProcessDefinition, ProcessInstance, ProcessPackage
from runtime.store.notifications import group
from runtime.store.packages import form_schema

EMPTY_FORM = {"type": "object", "properties": {}}


@dataclass(frozen=True)
class TaskPage:
    task: TaskRow
    schema: dict
    timeline: list[AuditEvent]
    colleagues: list[str]  # active users who may work on it (the same rule decides who hears of it)


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
        timeline = list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == task.instance_id)
                                        .order_by(AuditEvent.at, AuditEvent.id)))
        colleagues = sorted(r.username for r in group(session, task.role, task.department))
        return TaskPage(task, _form(session, task), timeline, colleagues)


def _form(session, task: TaskRow) -> dict:
    """The JSON Schema of the task's form, from the package its instance runs on."""
    if not task.form:
        return EMPTY_FORM
    package_id, content_hash = session.execute(
        select(ProcessPackage.id, ProcessPackage.content_hash).join(ProcessDefinition)
        .join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(ProcessInstance.id == task.instance_id)).one()
    return form_schema(session, package_id, content_hash, task.form) or EMPTY_FORM
