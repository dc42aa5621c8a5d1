"""Who holds a task, beyond claim and release: managers reassign, holders delegate and get the
task back for review, and anyone working on a complaint leaves comments.

Same shape as claiming: lock the instance, then read the task fresh; optional expected version;
one audit event per change; the new holder is notified through the outbox.
"""
from __future__ import annotations

from runtime import clock
from runtime.store import archives, notifications
from runtime.actors import MANAGER_ROLES, REPAIR_ROLES, Actor, may_work_on, require_any
from runtime.bootstrap import Runtime
from runtime.errors import InvalidInput, InvalidState, PermissionDenied
from runtime.read.visibility import require_read
from runtime.store.instance_store import audit, lock
from runtime.services.common import ACTIVE, check_status
from runtime.services.tasks import _check_version, _lock_task
from runtime.services.users import get_actor

COMMENT_MAX = 2000


def reassign_task(rt: Runtime, actor: Actor, task_id: str, to: str, expected_version: int | None = None,
                  reason: str | None = None) -> int:
    """A manager gives the task to ``to``, who must be allowed to work on it; returns its version."""
    require_any(actor, MANAGER_ROLES | REPAIR_ROLES, "reassign tasks")
    target = _colleague(rt, to)
    with rt.db.transaction() as session:
        instance, task = _lock_task(session, task_id)
        check_status(instance, ACTIVE)
        _check_version(task, expected_version)
        _require_may_work(target, task)
        previous = task.assignee
        task.assignee, task.delegated_by, task.version = to, None, task.version + 1
        audit(session, instance, actor.username, "reassigned", task_id=task_id, task_name=task.task_name,
              previous_assignee=previous, assignee=to, reason=reason or None)
        _tell(session, rt, instance, task, to, actor, "assigned")
        return task.version


def _require_may_work(target: Actor, task) -> None:
    if not may_work_on(target, task.role, task.department):
        group = task.role + (f"/{task.department}" if task.department else "")
        raise InvalidInput(f"{target.username} may not work on '{task.title}' (it is for {group})",
                           field_errors={"to": "not allowed"})


def delegate_task(rt: Runtime, actor: Actor, task_id: str, to: str, expected_version: int | None = None) -> int:
    """The holder hands the task to ``to`` to work on and gets it back for review."""
    target = _colleague(rt, to)
    with rt.db.transaction() as session:
        instance, task = _lock_task(session, task_id)
        check_status(instance, ACTIVE)
        _check_version(task, expected_version)
        if task.assignee != actor.username:
            raise PermissionDenied(f"only the holder of '{task.title}' may delegate it; claim it first")
        if task.delegated_by is not None:
            raise InvalidState(f"'{task.title}' is already delegated by {task.delegated_by}")
        if to == actor.username:
            raise InvalidInput("delegate to someone else", field_errors={"to": "yourself"})
        _require_may_work(target, task)  # the same rule as reassignment: only to someone who may do it
        task.assignee, task.delegated_by, task.version = target.username, actor.username, task.version + 1
        audit(session, instance, actor.username, "delegated", task_id=task_id, task_name=task.task_name, delegate=to)
        _tell(session, rt, instance, task, to, actor, "delegated")
        return task.version


def return_task(rt: Runtime, actor: Actor, task_id: str, note: str = "", expected_version: int | None = None) -> int:
    """The delegate gives the task back to whoever delegated it, with a note for their review."""
    with rt.db.transaction() as session:
        instance, task = _lock_task(session, task_id)
        check_status(instance, ACTIVE)
        _check_version(task, expected_version)
        if task.delegated_by is None or task.assignee != actor.username:
            raise PermissionDenied(f"'{task.title}' was not delegated to {actor.username}")
        owner = task.delegated_by
        task.assignee, task.delegated_by, task.version = owner, None, task.version + 1
        audit(session, instance, actor.username, "returned", task_id=task_id, task_name=task.task_name,
              to=owner, note=_comment_text(note, required=False))
        _tell(session, rt, instance, task, owner, actor, "returned")
        return task.version


def add_comment(rt: Runtime, actor: Actor, business_key: str, text: str) -> None:
    """A comment on the complaint's timeline (append-only, like every audit event)."""
    if not actor.roles:
        raise PermissionDenied(f"{actor.username} has no role on complaints")
    body = _comment_text(text, required=True)
    with rt.db.transaction() as session:
        instance = lock(session, business_key=business_key)
        require_read(session, actor, instance.id, instance.owner, business_key)
        audit(session, instance, actor.username, "comment", text=body)
        if instance.ended_at is not None:  # the archived file must hold it too
            archives.renew(session, instance.saved_id, clock.now())


def _comment_text(text: str, required: bool) -> str | None:
    body = (text or "").strip().strip("\ufeff").strip()  # a byte-order mark alone is no comment either
    if required and not body:
        raise InvalidInput("write something first", field_errors={"text": "required"})
    if len(body) > COMMENT_MAX:
        raise InvalidInput(f"comments are at most {COMMENT_MAX} characters", field_errors={"text": "too long"})
    return body or None


def _colleague(rt: Runtime, username: str) -> Actor:
    if not username:
        raise InvalidInput("say who should take the task", field_errors={"to": "required"})
    return get_actor(rt, username)  # UserNotFound (404) for unknown or inactive users


def _tell(session, rt: Runtime, instance, task, username: str, actor: Actor, why: str) -> None:
    notifications.post(session, rt.settings, instance, "new_task", f"{task.id}:{task.version}:{why}", task.title,
                       notifications.named(session, [username]), task_id=task.id,
                       details={"actor": actor.username, "why": why})
