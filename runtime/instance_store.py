"""Loading an instance under its row lock and saving it with projections and audit.

Every service acts inside one transaction: lock the row (``SELECT ... FOR UPDATE`` on PostgreSQL;
SQLite write transactions are already serialised by ``BEGIN IMMEDIATE``), act through the engine,
then write state, projections and the audit event before the commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime import clock, projections
from runtime.bootstrap import Runtime
from runtime.deployment import load_package
from runtime.engine import LIBRARY_VERSION, ParsedPackage
from runtime.errors import InstanceNotFound, TaskNotFound
from runtime.models import AuditEvent, HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance, ProcessPackage


@dataclass(frozen=True)
class DefinitionRef:
    """The immutable facts about a deployed definition that every action needs."""

    id: int
    process_id: str
    version: int
    package_id: int
    content_hash: str


@dataclass
class Loaded:
    instance: ProcessInstance
    definition: DefinitionRef
    package: ParsedPackage
    workflow: Any

    @property
    def spec_ref(self) -> str:
        return f"{self.definition.content_hash}:{self.definition.process_id}"


def definition(rt: Runtime, session: Session, definition_id: int) -> DefinitionRef:
    ref = rt.definitions.get(definition_id)
    if ref is None:
        row = session.execute(select(ProcessDefinition.process_id, ProcessDefinition.version,
                                     ProcessPackage.id, ProcessPackage.content_hash)
                              .join(ProcessPackage).where(ProcessDefinition.id == definition_id)).one()
        ref = rt.definitions.setdefault(definition_id, DefinitionRef(definition_id, *row))
    return ref


def lock(session: Session, *, instance_id: int | None = None, business_key: str | None = None,
         task_id: str | None = None) -> ProcessInstance:
    """The instance row (found by id, business key or one of its tasks), locked for the transaction.

    Raises InstanceNotFound, or TaskNotFound when looked up by a task that is not waiting.
    """
    query = select(ProcessInstance).with_for_update()
    if instance_id is not None:
        query = query.where(ProcessInstance.id == instance_id)
    elif business_key is not None:
        query = query.where(ProcessInstance.business_key == business_key)
    else:
        owner = select(HumanTask.instance_id).where(HumanTask.id == task_id).scalar_subquery()
        query = query.where(ProcessInstance.id == owner)
    instance = session.scalar(query)
    if instance is None:
        if task_id is not None:
            raise TaskNotFound(f"task {task_id} does not exist or is no longer waiting for anyone")
        raise InstanceNotFound(f"no process instance {business_key or instance_id}")
    return instance


def load(rt: Runtime, session: Session, instance: ProcessInstance) -> Loaded:
    ref = definition(rt, session, instance.definition_id)
    package = load_package(rt, session, ref.package_id, ref.content_hash)
    workflow = rt.engine.load(instance.state, package, ref.process_id)
    return Loaded(instance, ref, package, workflow)


def save(rt: Runtime, session: Session, loaded: Loaded) -> None:
    """Write the state and every projection; the status follows the engine unless suspended.

    A new instance is inserted here, with its state, in one statement.
    """
    now = clock.now()
    instance = loaded.instance
    snapshot = rt.engine.snapshot(loaded.workflow)
    instance.state = rt.engine.dump(loaded.workflow, loaded.spec_ref)
    instance.serializer_version = rt.engine.serializer.version
    instance.library_version = LIBRARY_VERSION
    instance.updated_at = now
    if instance.status not in (InstanceStatus.SUSPENDED, InstanceStatus.TERMINATED):
        instance.status = projections.status_of(snapshot)
    if instance.id is None:
        session.add(instance)
        session.flush()
    if snapshot.completed or instance.status == InstanceStatus.TERMINATED:
        instance.ended_at = now
        projections.clear(session, instance)
    else:
        projections.write(session, instance, snapshot, now)


def audit(session: Session, instance: ProcessInstance | None, actor: str, action: str, *,
          task_id: str | None = None, task_name: str | None = None, **details) -> None:
    """Append one audit event (the table refuses updates and deletes)."""
    session.add(AuditEvent(instance_id=instance.id if instance else None,
                           business_key=instance.business_key if instance else details.pop("business_key", None),
                           task_id=task_id, task_name=task_name, actor=actor, action=action, at=clock.now(),
                           details={k: v for k, v in details.items() if v not in (None, [], {})}))
