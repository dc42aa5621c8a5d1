"""Moving running instances from one version of a process to a newer one (Camunda's migration).

An instance can move when every step it is at, and every step it already did, still exists in the
target version and the engine can carry its state over (the dry run really migrates a loaded copy
and reads it back, then throws it away). Open user tasks keep their ids, holders and history;
waiting timers keep their due time unless the new version changed their expression, in which case
it is computed anew from the moment the timer started. Each instance moves in its own transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from runtime.actors import OWNER_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.store.packages import load_package
from runtime.errors import ComplaintflowError, DefinitionNotFound, InvalidInput, InvalidState
from runtime.store.instance_store import DefinitionRef, Loaded, audit, definition, load, lock
from runtime.store.models import InstanceStatus, ProcessDefinition, ProcessInstance, Timer
from runtime.services.common import instance_action
from runtime.services.instances import advance
from runtime.services.repair import each, require_reason

MOVABLE = frozenset({InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.SUSPENDED, InstanceStatus.FAILED})
LIMIT = 1000


@dataclass(frozen=True)
class Candidate:
    number: str
    status: str
    problems: list[str]

    @property
    def can_move(self) -> bool:
        return not self.problems


@dataclass
class MigrationResult:
    moved: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def _definitions(rt: Runtime, process_id: str, source: int, target: int) -> tuple[DefinitionRef, DefinitionRef]:
    if target <= source:
        raise InvalidInput(f"the target version ({target}) must be newer than the source ({source})",
                           field_errors={"target": "not newer"})
    with rt.db.reader() as session:
        ids = dict(session.execute(select(ProcessDefinition.version, ProcessDefinition.id).where(
            ProcessDefinition.process_id == process_id, ProcessDefinition.version.in_((source, target)))).all())
        missing = [v for v in (source, target) if v not in ids]
        if missing:
            raise DefinitionNotFound(f"process '{process_id}' has no version {missing[0]}")
        return definition(rt, session, ids[source]), definition(rt, session, ids[target])


def _instances(session, ref: DefinitionRef, numbers: list[str] | None) -> list[tuple[int, str, str]]:
    query = (select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.status)
             .where(ProcessInstance.definition_id == ref.id, ProcessInstance.status.in_(MOVABLE))
             .order_by(ProcessInstance.id).limit(LIMIT))
    if numbers:
        query = query.where(ProcessInstance.business_key.in_(numbers))
    return list(session.execute(query).all())


def dry_run(rt: Runtime, actor: Actor, process_id: str, source: int, target: int,
            numbers: list[str] | None = None) -> list[Candidate]:
    """Which open instances of ``process_id`` v``source`` can move to v``target``, and why not."""
    require_any(actor, OWNER_ROLES, "migrate instances")
    old, new = _definitions(rt, process_id, source, target)
    out = []
    with rt.db.reader() as session:
        package = load_package(rt, session, new.package_id, new.content_hash)
        for instance_id, number, status in _instances(session, old, numbers):
            loaded = load(rt, session, lock(session, instance_id=instance_id, for_update=False))
            out.append(Candidate(number, status, _problems(rt, session, loaded, new, package)))
    return out


def _problems(rt: Runtime, session, loaded: Loaded, new: DefinitionRef, package) -> list[str]:
    """What stops this loaded instance from moving; it is migrated in memory to find out."""
    problems = rt.engine.migration_problems(loaded.workflow, package, new.process_id, new.version)
    if problems:
        return problems
    try:
        rt.engine.migrate(loaded.workflow, package, new.process_id, _timer_starts(session, loaded.instance.saved_id))
        state = rt.engine.dump(loaded.workflow, f"{new.content_hash}:{new.process_id}")
        rt.engine.load(state, package, new.process_id)
    except ComplaintflowError as e:
        return [f"the engine cannot carry this instance over: {e.message}"]
    except Exception as e:  # noqa: BLE001 - any failure of the trial is a reason not to move, shown as such
        return [f"the engine cannot carry this instance over: {type(e).__name__}: {e}"]
    return []


def _timer_starts(session, instance_id: int) -> dict:
    rows = session.execute(select(Timer.task_id, Timer.started_at).where(Timer.instance_id == instance_id)).all()
    return {task_id: started for task_id, started in rows if started is not None}


def migrate(rt: Runtime, actor: Actor, process_id: str, source: int, target: int, reason: str,
            numbers: list[str] | None = None) -> MigrationResult:
    """Move every movable instance (or those ``numbers``) of v``source`` to v``target``; logged."""
    require_any(actor, OWNER_ROLES, "migrate instances")
    reason = require_reason(reason)
    old, new = _definitions(rt, process_id, source, target)
    with rt.db.reader() as session:
        ids = {number: instance_id for instance_id, number, _ in _instances(session, old, numbers)}
    moved, failed = each(ids, lambda number: _move(rt, actor, ids[number], old, new, reason))
    return MigrationResult(moved, failed)


def _move(rt: Runtime, actor: Actor, instance_id: int, old: DefinitionRef, new: DefinitionRef, reason: str) -> None:
    with instance_action(rt, instance_id=instance_id, allowed=MOVABLE) as act:
        _move_loaded(rt, actor, act.session, act.loaded, old, new, reason)


def _move_loaded(rt: Runtime, actor: Actor, session, loaded: Loaded, old: DefinitionRef, new: DefinitionRef,
                 reason: str) -> None:
    if loaded.instance.definition_id != old.id:
        raise InvalidState(f"{loaded.instance.business_key} is no longer on version {old.version}")
    package = load_package(rt, session, new.package_id, new.content_hash)
    problems = rt.engine.migration_problems(loaded.workflow, package, new.process_id, new.version)
    if problems:
        raise InvalidState("; ".join(problems))
    recomputed = rt.engine.migrate(loaded.workflow, package, new.process_id,
                                   _timer_starts(session, loaded.instance.saved_id))
    loaded.definition, loaded.package, loaded.instance.definition_id = new, package, new.id
    automatic = advance(rt, session, loaded, actor).names if loaded.instance.status in (
        InstanceStatus.RUNNING, InstanceStatus.WAITING) else []
    audit(session, loaded.instance, actor.username, "migrated", from_version=old.version,
          to_version=new.version, timers_recomputed=recomputed, reason=reason, automatic=automatic)
