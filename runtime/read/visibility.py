"""Who may see a complaint: one rule for every page, the API, exports, notifications and the actions
taken on a complaint (a comment, a reveal, a report), so nobody acts on what they may not see.

- administrators, the managers (customer service, duty, site, general) and the quality department
  see every complaint (they oversee, coordinate and report);
- the complaint's owner (its receiver, 首问负责制) sees it;
- so does anyone whose role (and department) one of its open tasks is for, or who holds one;
- and anyone who has acted on it (claimed, completed, commented: the audit log says so).
Process owners see diagrams, not complaints.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, or_, select, true

from runtime.actors import MANAGER_ROLES, REPAIR_ROLES, Actor
from runtime.errors import PermissionDenied
from runtime.store.models import AuditEvent, HumanTask, ProcessInstance

OVERSIGHT_ROLES = MANAGER_ROLES | REPAIR_ROLES | {"quality"}
# Audited reads: having looked at a complaint (a reveal, a download) is not having acted on it, so a
# reader whose task moved on does not keep the complaint by having opened a file.
READ_ONLY_ACTIONS = ("contact_revealed", "attachment_downloaded", "archive_downloaded")


def candidate_filter(actor: Actor):
    """The SQL condition 'this task's candidate group includes the actor'."""
    clauses = [HumanTask.role == role for role in actor.roles if role != "department"]
    if "department" in actor.roles and actor.department:
        clauses.append(and_(HumanTask.role == "department",
                            or_(HumanTask.department.is_(None), HumanTask.department == actor.department)))
    return or_(*clauses) if clauses else HumanTask.id.is_(None)


def visible_tasks(actor: Actor):
    """The SQL condition 'the actor may read this task's complaint' (``may_read`` for a list of tasks),
    and whether it needs ``process_instance`` joined. Oversight roles see every task."""
    if actor.roles & OVERSIGHT_ROLES:
        return true(), False
    acted = exists().where(AuditEvent.instance_id == HumanTask.instance_id, AuditEvent.actor == actor.username,
                           AuditEvent.action.not_in(READ_ONLY_ACTIONS))
    return or_(candidate_filter(actor), HumanTask.assignee == actor.username,
               HumanTask.delegated_by == actor.username, ProcessInstance.owner == actor.username, acted), True


def readable_instances(actor: Actor):
    """The SQL condition 'actor may read the complaint of this ProcessInstance row' (``may_read`` as one
    condition over many rows: search), or None when they may read every complaint."""
    if actor.roles & OVERSIGHT_ROLES:
        return None
    task = exists().where(HumanTask.instance_id == ProcessInstance.id,
                          or_(candidate_filter(actor), HumanTask.assignee == actor.username,
                              HumanTask.delegated_by == actor.username))
    acted = exists().where(AuditEvent.instance_id == ProcessInstance.id, AuditEvent.actor == actor.username,
                           AuditEvent.action.not_in(READ_ONLY_ACTIONS))
    return or_(ProcessInstance.owner == actor.username, task, acted)


def may_read(session, actor: Actor, instance_id: int | None, owner: str | None) -> bool:
    if actor.roles & OVERSIGHT_ROLES or (owner is not None and owner == actor.username):
        return True
    if instance_id is None:
        return False
    task = session.scalar(select(HumanTask.id).where(
        HumanTask.instance_id == instance_id,
        or_(candidate_filter(actor), HumanTask.assignee == actor.username, HumanTask.delegated_by == actor.username))
        .limit(1))
    if task is not None:
        return True
    acted = session.scalar(select(AuditEvent.id).where(AuditEvent.instance_id == instance_id,
                                                       AuditEvent.actor == actor.username,
                                                       AuditEvent.action.not_in(READ_ONLY_ACTIONS)).limit(1))
    return acted is not None


def require_read(session, actor: Actor, instance_id: int | None, owner: str | None, number: str) -> None:
    if not may_read(session, actor, instance_id, owner):
        raise PermissionDenied(f"{actor.username} may not see complaint {number}")
