"""Versions that do what the process owner means (see runtime/store/releases.py for what a release is).

- **Rollback**: any earlier version becomes the one new complaints start on again, audited with a reason.
- **Drift**: a deployment from the folder (``complaintflow deploy``) over a version made in the console,
  or a console deployment over one made from the folder or meanwhile in another tab, would silently
  undo someone's edit; it is refused with the difference (``DeployDrift``) unless confirmed.
- **Export**: the current version's files written back to a folder, so the folder and the console agree.
"""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime import clock
from runtime.actors import OWNER_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import DefinitionNotFound, InvalidInput
from runtime.store.models import AuditEvent, ProcessDefinition
from runtime.store.packages import files_of
from runtime.store.releases import ProcessRelease, current

REASON_LIMIT = 500


def release(session: Session, package_id: int, actor: str, kind: str, origin: str, reason: str | None = None) -> None:
    session.add(ProcessRelease(package_id=package_id, released_at=clock.now(), released_by=actor[:80], kind=kind,
                               origin=origin, reason=reason))
    session.add(AuditEvent(actor=actor[:80], action=f"process_{kind}", at=clock.now(),
                           details={k: v for k, v in {"package": package_id, "origin": origin,
                                                      "reason": reason}.items() if v}))


def rollback(rt: Runtime, actor: Actor, process_id: str, version: int, reason: str) -> int:
    """Make ``version`` of ``process_id`` (its package: the processes it calls come with it) the one new
    instances start on. Returns the package id. Raises PermissionDenied, DefinitionNotFound, InvalidInput."""
    require_any(actor, OWNER_ROLES, "choose the version new complaints start on")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why this version is brought back", field_errors={"reason": "required"})
    if len(reason) > REASON_LIMIT:
        raise InvalidInput(f"the reason is longer than {REASON_LIMIT} characters", field_errors={"reason": "long"})
    with rt.db.transaction() as session:
        package_id = session.scalar(select(ProcessDefinition.package_id).where(
            ProcessDefinition.process_id == process_id, ProcessDefinition.version == version))
        if package_id is None:
            raise DefinitionNotFound(f"process '{process_id}' has no version {version}")
        now = current(session)
        if now is not None and now.package_id == package_id:
            raise InvalidInput(f"version {version} of '{process_id}' is already the one new instances start on",
                               reason="already_current")
        release(session, package_id, actor.username, "rolled_back", "console", reason)
    return package_id


def export(rt: Runtime, folder: Path) -> tuple[int, list[str]]:
    """Write the current version's files into ``folder`` laid out as processes/ is (forms in forms/);
    returns (package id, the files written because they were missing or differed)."""
    with rt.db.reader() as session:
        now = current(session)
        if now is None:
            raise DefinitionNotFound("nothing is deployed yet")
        files = files_of(session, now.package_id)
    written = []
    for name, content in sorted(files.items()):
        target = folder / ("forms" if name.endswith(".json") else "") / name
        if not target.exists() or target.read_bytes() != content:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            written.append(str(target.relative_to(folder)))
    return now.package_id, written


def package_number(session: Session, package_id: int) -> dict[str, int]:
    """Process id -> version of the package's definitions (how a release is told to people)."""
    return {pid: v for pid, v in session.execute(select(ProcessDefinition.process_id, ProcessDefinition.version)
                                                 .where(ProcessDefinition.package_id == package_id))}
