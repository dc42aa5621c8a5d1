"""The shape every instance action shares: lock, check status, load, act, save, commit."""
from __future__ import annotations

from typing import Any
from collections.abc import Callable

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from runtime.bootstrap import Runtime
from runtime.engine import error_message
from runtime.errors import ComplaintflowError, ExecutionFailed, InvalidInput, InvalidState, StaleVersion, Unavailable
from runtime.store.instance_store import InstanceRow, Loaded, load, lock, save
from runtime.store.models import InstanceStatus

ACTIVE = frozenset({InstanceStatus.RUNNING, InstanceStatus.WAITING})
RESERVED_KEYS = frozenset({"typename"})


def in_instance(rt: Runtime, body: Callable[[Session, Loaded], Any], *, instance_id: int | None = None,
                business_key: str | None = None, task_id: str | None = None, allowed=ACTIVE,
                expected_version: int | None = None,
                find: Callable[[Session], InstanceRow | None] | None = None,
                start: Callable[[Session, Loaded], dict] | None = None) -> Any:
    """Run ``body`` on the locked, loaded instance in one transaction and save the result.

    ``find`` replaces the lookup by id, key or task (the worker claims the next due instance);
    when it finds nothing, nothing runs and None is returned. ExecutionFailed raised by the engine
    leaves with ``instance_id`` set, so the caller can record the incident after the rollback.
    ``start`` gives the start data of an instance that was kept without state (see ``load``).
    """
    with rt.db.transaction() as session:
        if find is not None:
            instance = find(session)
            if instance is None:
                return None
        else:
            instance = lock(session, instance_id=instance_id, business_key=business_key, task_id=task_id)
        check_status(instance, allowed)
        if expected_version is not None and expected_version != instance.version:
            raise StaleVersion(f"{instance.business_key} changed since you loaded it "
                               f"(version {expected_version}, now {instance.version}); reload and try again")
        with failures_kept(instance.id):
            loaded = load(rt, session, instance, start)
            result = body(session, loaded)
            save(rt, session, loaded)
        return result


class failures_kept:
    """Whatever fails inside an action on a stored instance (a script, a date, a bug while the
    projections, notifications, timers or state are written) leaves as ExecutionFailed naming the
    instance, so the caller rolls back and records an incident that keeps the action to replay:
    nothing is lost and nothing is half done. Refusals (``ComplaintflowError``) pass through
    unchanged, and so do a database that does not answer (nothing can be recorded then; the
    caller is told to try again) and interrupts (``BaseException``).
    """

    def __init__(self, instance_id: int | None):
        self.instance_id = instance_id

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or not isinstance(exc, Exception):
            return False
        if isinstance(exc, ExecutionFailed):
            exc.instance_id = exc.instance_id or self.instance_id
            return False
        if isinstance(exc, ComplaintflowError):
            return False
        if isinstance(exc, OperationalError):
            raise Unavailable("the database did not answer; nothing was changed, please try again") from exc
        err = ExecutionFailed(f"saving the step failed: {error_message(exc)}")
        err.instance_id = self.instance_id
        raise err from exc


def check_status(instance, allowed) -> None:
    if instance.status in allowed:
        return
    reasons = {
        InstanceStatus.SUSPENDED: "is suspended",
        InstanceStatus.FAILED: "is stopped by an incident until an administrator retries it",
        InstanceStatus.COMPLETED: "is already completed",
        InstanceStatus.TERMINATED: "was terminated",
    }
    raise InvalidState(f"{instance.business_key} {reasons.get(instance.status, 'is ' + instance.status)}")


def check_data(data: Any, reserved: frozenset[str]) -> dict:
    """Form and start data must be a JSON object whose keys cannot break the engine or the sandbox."""
    if not isinstance(data, dict):
        raise InvalidInput("data must be an object of field names and values")
    bad = {k: "this field name is reserved" for k in data
           if not isinstance(k, str) or k in RESERVED_KEYS | reserved or k.startswith("_") or not k.isidentifier()}
    if bad:
        raise InvalidInput(f"these field names are reserved or not allowed: {', '.join(map(str, bad))}",
                           field_errors=bad)
    return data
