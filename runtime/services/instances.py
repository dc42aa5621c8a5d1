"""Starting instances and letting them run on, and the administrator's suspend, resume and terminate.

Every service runs the engine through ``advance``: automatic steps run, missed deadlines (timers
marked ``slaRule``) are kept as notices (told to people, and stopping their ``sla_clock`` row, at
save), and messages the instance throws to the outside are acted on in the same transaction, e.g.
``reopen_complaint`` starts a new, linked complaint (which is why starting and running on live in
one module).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime import clock
from runtime.store import records
from runtime.actors import REPAIR_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.store.packages import load_package
from runtime.engine import LIBRARY_VERSION, RunReport
from runtime.errors import Conflict, DefinitionNotFound, ExecutionFailed, InvalidInput
from runtime.store.instance_store import InstanceRow, Loaded, audit, newest_definition, pack_state, save, write_row
from runtime.store.models import InstanceStatus, ProcessInstance
from runtime.services import attachments, collective, forms, prevention, review_notes
from runtime.field_names import INITIATOR, INITIATOR_ROLES, SERVER_SET
from runtime.services.common import ACTIVE, check_data, failures_kept, instance_action
from runtime.services.incidents import record

START_ROLES = frozenset({"front_desk", "cs_manager", "duty_manager", "site_manager", "quality", "admin"})


@dataclass(frozen=True)
class Started:
    instance_id: int
    business_key: str
    status: str


def new_business_key() -> str:
    """A complaint number: date plus a random part, e.g. CF-20251009-7KQ2XM."""
    return f"CF-{clock.now():%Y%m%d}-{secrets.token_hex(3).upper()}"


def start_instance(rt: Runtime, actor: Actor, process_id: str, data: dict, business_key: str | None = None,
                   files: list[attachments.Upload] | None = None) -> Started:
    """Start the newest version of ``process_id``; its first steps run before this returns. ``files``
    (the intake's attachments) are checked and stored first and kept in the same transaction.

    If a step fails, the instance is still kept (status failed, with an incident), so the
    complaint is never lost. Raises DefinitionNotFound, Conflict, InvalidInput, IncidentRaised.
    """
    require_any(actor, START_ROLES, "start a process")
    data = check_data(data, rt.functions | SERVER_SET)
    key = business_key or new_business_key()
    if len(key) > 64:
        raise InvalidInput("the business key may have at most 64 characters")
    kept = attachments.prepare(rt, files) if files else []
    try:
        with rt.db.transaction() as session, failures_kept(None):
            loaded = start_in(rt, session, actor, process_id, key, data)
            if kept:
                attachments.add_in(session, actor, loaded.instance, kept, None)
            return Started(loaded.instance.saved_id, key, loaded.instance.status)
    except ExecutionFailed as err:
        return _keep_failed_start(rt, actor, process_id, key, data, err, kept)


def initiated_by(actor: Actor) -> dict:
    """What the server tells a new instance about who started it (never taken from the form)."""
    return {INITIATOR: actor.username, INITIATOR_ROLES: sorted(actor.roles)}


def start_in(rt: Runtime, session, actor: Actor, process_id: str, key: str, data: dict) -> Loaded:
    """Create, run and store a new instance inside the caller's transaction.

    The starting user is handed to the process as ``initiator``: the receiver of a complaint is its
    owner until it closes (首问负责制). A complaint is checked against the earlier ones first (a repeat
    is major before the severity table runs) and, once stored, linked and grouped (``prevention``).
    """
    data = {name: value for name, value in data.items() if name not in SERVER_SET}
    loaded, found = _create(rt, session, actor, process_id, key, {**data, **initiated_by(actor)})
    report = rt.engine.run(loaded.workflow)
    loaded.notices.extend(report.notices)
    save(rt, session, loaded, inserted=lambda: records.write(session, loaded.instance, data))  # its record first
    prevention.after_intake(rt, session, actor, loaded.instance, data, found, start_in)
    act_on(rt, session, loaded, actor, report)
    audit(session, loaded.instance, actor.username, "started", process=process_id,
          version=loaded.definition.version, data=data, automatic=report.names)
    return loaded


def _create(rt, session, actor: Actor, process_id: str, key: str, data: dict):
    """A new, not yet stored instance of the newest version of ``process_id``, and the earlier
    complaint it repeats (if any)."""
    ref = newest_definition(rt, session, process_id)
    if ref is None:
        raise DefinitionNotFound(f"no deployed process has the id '{process_id}'")
    if session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == key)):
        raise Conflict(f"an instance with the number {key} already exists")
    package = load_package(rt, session, ref.package_id, ref.content_hash)
    initiator = {name: data.pop(name) for name in SERVER_SET if name in data}
    data = forms.validate(session, ref.package_id, ref.content_hash, package.start_form(process_id), data)
    found = prevention.repeat_of(rt, session, data)
    workflow = rt.engine.start(package, process_id, {**data, **initiator, **prevention.server_fields(data, found)})
    now = clock.now()
    instance = InstanceRow(id=None, definition_id=ref.id, business_key=key, status=InstanceStatus.RUNNING, state=None,
                           version=0, serializer_version=rt.engine.serializer.version, library_version=LIBRARY_VERSION,
                           started_by=actor.username, started_at=now, updated_at=now, ended_at=None, projected={},
                           site=records.site_of(data))
    return Loaded(instance, ref, package, workflow), found


def _kept(session, write) -> bool:
    """Run one optional write of a failed start in a savepoint: if it fails again, the instance and
    its incident (which holds the intake data) are stored all the same."""
    try:
        with session.begin_nested():
            write()
        return True
    except Exception:  # noqa: BLE001 - the complaint must be kept whatever this write trips over
        return False


def _keep_failed_start(rt, actor, process_id, key, data, err: ExecutionFailed, kept: list):
    """Store the instance as it was before its first steps, with an incident that replays them.

    Even when the state itself cannot be written (the failure was in writing it), the complaint is
    kept: its record and the intake data, and an incident that starts it afresh when retried.
    """
    with rt.db.transaction() as session:
        loaded, _ = _create(rt, session, actor, process_id, key, {**data, **initiated_by(actor)})
        try:
            loaded.instance.state = pack_state(rt.engine.dump(loaded.workflow, loaded.spec_ref))
        except Exception:  # noqa: BLE001 - kept without state; the retry starts it from the intake data
            loaded.instance.state = None
        write_row(session, loaded.instance)
        _kept(session, lambda: records.write(session, loaded.instance, data))
        if kept:
            _kept(session, lambda: attachments.add_in(session, actor, loaded.instance, kept, None))
        if not _kept(session, lambda: audit(session, loaded.instance, actor.username, "started", process=process_id,
                                            version=loaded.definition.version, data=data)):
            audit(session, loaded.instance, actor.username, "started", process=process_id,
                  version=loaded.definition.version, data_kept_in_incident=True)
        instance_id = loaded.instance.saved_id
    action = {"kind": "run", "actor": actor.username}
    if loaded.instance.state is None:
        action = {"kind": "start", "actor": actor.username, "roles": sorted(actor.roles), "process_id": process_id,
                  "data": data}
    raise record(rt, instance_id, err, action) from err


REOPEN = "reopen_complaint"


def advance(rt: Runtime, session: Session, loaded: Loaded, actor: Actor) -> RunReport:
    """Run the engine on a stored instance and act on its report."""
    report = rt.engine.run(loaded.workflow)
    act_on(rt, session, loaded, actor, report)
    loaded.notices.extend(report.notices)
    if report.folded:
        audit(session, loaded.instance, actor.username, "reminders_folded",
              timers={element: missed for element, missed in report.folded})
    return report


def act_on(rt: Runtime, session: Session, loaded: Loaded, actor: Actor, report: RunReport) -> None:
    """Handle thrown messages (the instance row must exist); missed deadlines are recorded by the
    ``sla_clock`` projection at save."""
    for name, payload in report.messages:
        if name == REOPEN:
            _reopen(rt, session, loaded, actor, payload)
        elif name == collective.REPLY_MESSAGE:
            collective.record_reply(session, actor, dict(payload or {}))
        elif name == review_notes.MESSAGE:  # a shift review's notes go to their complaints' case files
            review_notes.keep(session, loaded.instance, actor, payload)
        else:
            audit(session, loaded.instance, actor.username, "message_unhandled", name=name)


def _reopen(rt: Runtime, session: Session, loaded: Loaded, actor: Actor, payload: Any) -> None:
    """An unsatisfied customer: a new complaint with the same record, linked both ways in the audit."""
    data = dict(payload or {})
    owner = Actor(str(data.pop("owner", None) or actor.username))
    data.update(reopened_from=loaded.instance.business_key)
    key = new_business_key()
    started = start_in(rt, session, owner, loaded.definition.process_id, key, data)
    audit(session, loaded.instance, actor.username, "reopened_as", reopened_as=key)
    audit(session, started.instance, owner.username, "reopened_from", reopened_from=loaded.instance.business_key)


def suspend(rt: Runtime, actor: Actor, business_key: str, reason: str, expected_version: int | None = None) -> None:
    """Pause an instance: its timers wait and its tasks cannot be claimed or completed."""
    require_any(actor, REPAIR_ROLES, "suspend instances")
    _set_status(rt, actor, business_key, reason, "suspended", ACTIVE, expected_version,
                lambda loaded: setattr(loaded.instance, "status", InstanceStatus.SUSPENDED))


def resume(rt: Runtime, actor: Actor, business_key: str, reason: str, expected_version: int | None = None) -> None:
    """Let a suspended instance run again; timers that fell due meanwhile fire on the next sweep."""
    require_any(actor, REPAIR_ROLES, "resume instances")
    _set_status(rt, actor, business_key, reason, "resumed", {InstanceStatus.SUSPENDED}, expected_version,
                lambda loaded: setattr(loaded.instance, "status", InstanceStatus.RUNNING))


def terminate(rt: Runtime, actor: Actor, business_key: str, reason: str, expected_version: int | None = None) -> None:
    """End an instance for good; its tasks, timers and subscriptions disappear."""
    require_any(actor, REPAIR_ROLES, "terminate instances")
    allowed = ACTIVE | {InstanceStatus.SUSPENDED, InstanceStatus.FAILED}

    with instance_action(rt, business_key=business_key, allowed=allowed, expected_version=expected_version) as act:
        rt.engine.cancel(act.workflow)
        act.instance.status = InstanceStatus.TERMINATED
        audit(act.session, act.instance, actor.username, "terminated", reason=reason)


def _set_status(rt, actor, business_key, reason, action, allowed, expected_version, change) -> None:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", field_errors={"reason": "required"})

    with instance_action(rt, business_key=business_key, allowed=allowed, expected_version=expected_version) as act:
        change(act.loaded)
        audit(act.session, act.instance, actor.username, action, reason=reason)
