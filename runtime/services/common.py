"""The shape every instance action shares: lock, check status, load, act, save, commit, and the
incident when anything inside fails."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from runtime import field_names
from runtime.bootstrap import Runtime
from runtime.engine import error_message
from runtime.errors import ComplaintflowError, ExecutionFailed, InvalidInput, InvalidState, StaleVersion, Unavailable
from runtime.store.instance_store import InstanceRow, Loaded, load, lock, save
from runtime.store.models import InstanceStatus
from runtime.services.incidents import record

ACTIVE = frozenset({InstanceStatus.RUNNING, InstanceStatus.WAITING})


@dataclass
class Act:
    """What the body of an instance action works on: its transaction and the loaded instance."""

    session: Session
    loaded: Loaded

    @property
    def instance(self) -> InstanceRow:
        return self.loaded.instance

    @property
    def workflow(self) -> Any:
        return self.loaded.workflow


@contextmanager
def instance_action(rt: Runtime, *, action: dict[str, Any] | None = None, instance_id: int | None = None,
                    business_key: str | None = None, task_id: str | None = None, allowed=ACTIVE,
                    expected_version: int | None = None,
                    start: Callable[[Session, Loaded], dict] | None = None) -> Iterator[Act]:
    """One action on one instance, top to bottom: lock its row (by id, number or one of its tasks),
    check its status and version, load it, let the ``with`` body act, then save state, projections,
    audit and outbox, and commit.

    Whatever fails inside rolls everything back. When ``action`` is given (the user's action as it
    can be replayed), a failure of the process or of the save becomes the instance's incident and
    leaves as IncidentRaised. ``start`` starts afresh an instance that was kept without state (see
    ``instance_store.load``).
    """
    with _recorded(rt, action), rt.db.transaction() as session:
        instance = lock(session, instance_id=instance_id, business_key=business_key, task_id=task_id)
        with _loaded(rt, session, instance, allowed, expected_version, start) as act:
            yield act


@contextmanager
def claimed_action(rt: Runtime, action: dict[str, Any],
                   find: Callable[[Session], InstanceRow | None]) -> Iterator[Act | None]:
    """``instance_action`` on the instance ``find`` claims (the worker's next due one); the body gets
    None, and nothing is saved, when there is none."""
    with _recorded(rt, action), rt.db.transaction() as session:
        instance = find(session)
        if instance is None:
            yield None
            return
        with _loaded(rt, session, instance, ACTIVE, None, None) as act:
            yield act


@contextmanager
def _loaded(rt: Runtime, session: Session, instance: InstanceRow, allowed, expected_version: int | None,
            start) -> Iterator[Act]:
    check_status(instance, allowed)
    if expected_version is not None and expected_version != instance.version:
        raise StaleVersion(f"{instance.business_key} changed since you loaded it "
                           f"(version {expected_version}, now {instance.version}); reload and try again",
                           reason="instance_changed", number=instance.business_key)
    with failures_kept(instance.id):
        loaded = load(rt, session, instance, start, reuse=True)
        yield Act(session, loaded)
        save(rt, session, loaded)


@contextmanager
def _recorded(rt: Runtime, action: dict[str, Any] | None) -> Iterator[None]:
    """After the rollback, a failure of the process becomes the instance's incident keeping ``action``."""
    try:
        yield
    except ExecutionFailed as err:
        if action is None or err.instance_id is None:
            raise
        raise record(rt, err.instance_id, err, action) from err


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
    raise InvalidState(f"{instance.business_key} {reasons.get(instance.status, 'is ' + instance.status)}",
                       reason=str(instance.status), number=instance.business_key)


def check_data(data: Any, reserved: frozenset[str]) -> dict:
    """Form and start data must be a JSON object whose keys cannot break the engine or the sandbox."""
    if not isinstance(data, dict):
        raise InvalidInput("data must be an object of field names and values")
    bad = field_names.refused(data, reserved)
    if bad:
        raise InvalidInput(f"these field names are reserved or not allowed: {', '.join(map(str, bad))}",
                           field_errors=bad)
    return data
