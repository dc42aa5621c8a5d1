"""Claim, release and complete human tasks.

Every action locks the task's instance row first and then re-reads the task, so of two people
clicking at once exactly one wins and the other is told who did what; a stale or concurrent action
gets a clear conflict and changes nothing.
"""
from __future__ import annotations

from sqlalchemy import bindparam, select

from runtime.actors import MANAGER_ROLES, REPAIR_ROLES, Actor, require_work_on
from runtime.bootstrap import Runtime
from runtime.errors import AlreadyClaimed, Conflict, PermissionDenied, StaleVersion, TaskNotFound
from runtime.store.instance_store import Loaded, audit, lock
from runtime.store.models import AuditEvent, HumanTask
from runtime.store import notifications
from runtime.services import actions, attachments, forms
from runtime.services.instances import advance
from runtime.services.common import ACTIVE, check_data, check_status, instance_action


def claim_task(rt: Runtime, actor: Actor, task_id: str, expected_version: int | None = None) -> int:
    """Make ``actor`` the task's assignee; returns the task's new version."""
    with rt.db.transaction() as session:
        instance, task = _lock_task(session, task_id)
        check_status(instance, ACTIVE)
        require_work_on(actor, task)
        _check_version(task, expected_version)
        if task.assignee == actor.username:
            return task.version
        if task.assignee is not None:
            raise AlreadyClaimed(f"'{task.title}' is already claimed by {task.assignee}", title=task.title,
                                 assignee=task.assignee)
        task.assignee, task.version = actor.username, task.version + 1
        audit(session, instance, actor.username, "claimed", task_id=task_id, task_name=task.task_name)
        if instance.owner and instance.owner != actor.username:  # the first receiver follows their complaint
            notifications.post(session, rt.settings, instance, "claimed", f"{task_id}:{task.version}", task.title,
                               notifications.named(session, [instance.owner]), task_id=task_id,
                               details={"actor": actor.username})
        return task.version


def release_task(rt: Runtime, actor: Actor, task_id: str, expected_version: int | None = None) -> int:
    """Give a claimed task back to its group; only its assignee, a manager or an admin may."""
    with rt.db.transaction() as session:
        instance, task = _lock_task(session, task_id)
        _check_version(task, expected_version)
        if task.assignee is None:
            return task.version
        if task.assignee != actor.username and not actor.roles & (MANAGER_ROLES | REPAIR_ROLES):
            raise PermissionDenied(f"'{task.title}' is claimed by {task.assignee}; "
                                   "only they or a manager may release it", reason="release_claimed",
                                   title=task.title, assignee=task.assignee)
        previous = task.assignee
        task.assignee, task.delegated_by, task.version = None, None, task.version + 1
        audit(session, instance, actor.username, "released", task_id=task_id, task_name=task.task_name,
              previous_assignee=previous)
        return task.version


def complete_task(rt: Runtime, actor: Actor, task_id: str, data: dict, expected_version: int | None = None) -> str:
    """Complete the task with form ``data`` (validated against its form), then run the process on.

    An unclaimed task the actor may take is claimed and completed in one go. Returns the
    instance's new status. Raises TaskNotFound, Conflict, PermissionDenied, InvalidInput,
    IncidentRaised.
    """
    data = check_data(data, rt.functions)
    action = {"kind": "complete", "task_id": task_id, "data": data, "actor": actor.username}
    try:
        with instance_action(rt, action=action, task_id=task_id) as act:
            task = open_task(act.session, task_id)
            require_work_on(actor, task)
            if task.assignee not in (None, actor.username):
                raise AlreadyClaimed(f"'{task.title}' is claimed by {task.assignee}", title=task.title,
                                     assignee=task.assignee)
            if task.delegated_by is not None:
                raise PermissionDenied(f"'{task.title}' was delegated to you by {task.delegated_by}; "
                                       "return it for their review instead of completing it", reason="delegated",
                                       title=task.title, by=task.delegated_by)
            _check_version(task, expected_version)
            complete_in(rt, act.session, act.loaded, actor, task, data)
    except TaskNotFound:
        with rt.db.reader() as session:
            _raise_gone(session, task_id)
    return act.instance.status


def complete_in(rt: Runtime, session, loaded: Loaded, actor: Actor, task: HumanTask, data: dict,
                **audit_details) -> None:
    """Validate ``data`` against the task's form (defaults filled in), complete it and run on.

    The one path of a completion: the user's action and the replay of an incident that kept it
    both come here, so a replayed form reaches the gateways exactly as the original would have.
    """
    form_data = forms.validate(session, loaded.definition.package_id, loaded.definition.content_hash,
                               task.form, data)
    attachments.require_own(session, loaded.instance.id, forms.attachment_fields(
        session, loaded.definition.package_id, loaded.definition.content_hash, task.form), form_data)
    completed_by = audit_details.pop("original_actor", actor.username)
    actions.record_review(session, loaded.instance, completed_by, forms.action_fields(
        session, loaded.definition.package_id, loaded.definition.content_hash, task.form), form_data)
    rt.engine.complete_task(loaded.workflow, task.id, form_data, completed_by)
    automatic = advance(rt, session, loaded, actor).names
    # the step's name and form go with its data, so the case file reads them as they were
    audit(session, loaded.instance, completed_by, "task_completed", task_id=task.id, task_name=task.task_name,
          title=task.title, form=task.form, data=form_data, automatic=automatic, **audit_details)


def _lock_task(session, task_id: str):
    """Lock the task's instance (always before the task: one lock order), then read the task fresh."""
    try:
        instance = lock(session, task_id=task_id)
    except TaskNotFound:
        _raise_gone(session, task_id)
    return instance, open_task(session, task_id)


_OPEN_TASK = select(HumanTask).where(HumanTask.id == bindparam("task")).execution_options(populate_existing=True)


def open_task(session, task_id: str) -> HumanTask:
    """The task as committed now (populate_existing: read again after the instance lock was taken)."""
    task = session.scalar(_OPEN_TASK, {"task": task_id})
    if task is None:
        _raise_gone(session, task_id)
    return task


def _raise_gone(session, task_id: str):
    done = session.scalar(select(AuditEvent).where(AuditEvent.task_id == task_id,
                                                   AuditEvent.action == "task_completed").limit(1))
    if done is not None:
        raise Conflict(f"this task was already completed by {done.actor} at {done.at:%Y-%m-%d %H:%M} UTC",
                       reason="completed", actor=done.actor, at=done.at)
    raise TaskNotFound(f"task {task_id} does not exist or is no longer waiting for anyone", task_id=task_id)


def _check_version(task: HumanTask, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != task.version:
        raise StaleVersion(f"'{task.title}' changed since you loaded it (assignee now: {task.assignee or 'nobody'}); "
                           "reload and try again", reason="task_changed", title=task.title, assignee=task.assignee)
