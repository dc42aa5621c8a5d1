"""The process owners' view of what is deployed: every process with its versions, the files of a
version, and what changed between two versions (elements, names, timers, conditions, forms).

Versions are counted per process; each belongs to one immutable package (a set of files keyed by
content hash), so "the files of a version" are the files of its package.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from runtime import xmlsafe
from runtime.bpmn_ns import tag
from runtime.actors import OWNER_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import DefinitionNotFound, NotFound
from runtime.store import releases
from runtime.store.models import OPEN_STATUSES, ProcessDefinition, ProcessFile, ProcessInstance, ProcessPackage

BPMN = tag("")  # "{namespace}": element tags start with it
_TIMERS = ("timeDuration", "timeDate", "timeCycle")


@dataclass(frozen=True)
class Version:
    definition_id: int
    version: int
    package_id: int
    content_hash: str
    deployed_by: str
    deployed_at: datetime
    running: int
    total: int
    current: bool = False  # the version new instances start on (its package is released)


@dataclass
class Process:
    process_id: str
    name: str
    versions: list[Version] = field(default_factory=list)  # newest first

    @property
    def latest(self) -> Version:
        return self.versions[0]

    @property
    def current(self) -> Version:
        """The version new instances start on: the newest unless an earlier one was brought back."""
        return next((v for v in self.versions if v.current), self.versions[0])


def catalogue(rt: Runtime, actor: Actor) -> list[Process]:
    """Every deployed process with its versions and how many instances run on each."""
    require_any(actor, OWNER_ROLES, "see process definitions")
    d, p, i = ProcessDefinition, ProcessPackage, ProcessInstance
    with rt.db.reader() as session:
        counts = {row.definition_id: (row.running, row.total) for row in session.execute(
            select(i.definition_id, func.count().label("total"),
                   func.count().filter(i.status.in_(OPEN_STATUSES)).label("running")).group_by(i.definition_id))}
        rows = session.execute(select(d.id, d.process_id, d.name, d.version, p.id, p.content_hash, p.deployed_by,
                                      p.deployed_at).join(p).order_by(d.process_id, d.version.desc())).all()
        released = releases.current(session)
    processes: dict[str, Process] = {}
    for def_id, pid, name, version, package_id, digest, by, at in rows:
        process = processes.setdefault(pid, Process(pid, name))
        running, total = counts.get(def_id, (0, 0))
        process.versions.append(Version(def_id, version, package_id, digest, by, at, running, total,
                                        released is not None and released.package_id == package_id))
    return list(processes.values())


def version(rt: Runtime, actor: Actor, process_id: str, number: int | None = None) -> Version:
    """One version of ``process_id`` (the current one when ``number`` is None: what new instances start
    on, see runtime/services/releases.py); counts only its instances."""
    require_any(actor, OWNER_ROLES, "see process definitions")
    d, p, i = ProcessDefinition, ProcessPackage, ProcessInstance
    is_current = d.package_id == releases.current_package_query()
    query = (select(d.id, d.version, p.id, p.content_hash, p.deployed_by, p.deployed_at).join(p)
             .where(d.process_id == process_id).order_by(is_current.desc(), d.version.desc()).limit(1))
    if number is not None:
        query = query.where(d.version == number)
    with rt.db.reader() as session:
        row = session.execute(query).first()
        if row is None:
            raise DefinitionNotFound(f"process '{process_id}' has no version {number}" if number is not None
                                     else f"no deployed process has the id '{process_id}'")
        total, running = session.execute(select(func.count(), func.count().filter(i.status.in_(OPEN_STATUSES)))
                                         .where(i.definition_id == row[0])).one()
        released = releases.current(session)
    return Version(*row, running, total, released is not None and released.package_id == row[2])


def files(rt: Runtime, package_id: int) -> dict[str, bytes]:
    with rt.db.reader() as session:
        rows = session.scalars(select(ProcessFile).where(ProcessFile.package_id == package_id))
        found = {f.name: f.content for f in rows}
    if not found:
        raise NotFound(f"no deployed package {package_id}")
    return found


def file_content(rt: Runtime, actor: Actor, package_id: int, name: str) -> bytes:
    require_any(actor, OWNER_ROLES, "read process files")
    content = files(rt, package_id).get(name)
    if content is None:
        raise NotFound(f"package {package_id} has no file '{name}'")
    return content


def archive(rt: Runtime, actor: Actor, package_id: int) -> bytes:
    """Every file of a package as one zip, to open in a desktop modeler or keep."""
    require_any(actor, OWNER_ROLES, "download process files")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, content in sorted(files(rt, package_id).items()):
            zipped.writestr(name, content)
    return buffer.getvalue()


@dataclass(frozen=True)
class Change:
    file: str
    element_id: str
    kind: str  # added | removed | changed
    element_type: str
    name: str
    details: list[tuple[str, str, str]]  # (what, before, after)


def diff(rt: Runtime, actor: Actor, process_id: str, older: int, newer: int) -> list[Change]:
    """What changed between two versions: elements added, removed or changed (type, name, timer
    expression, condition, documentation, properties), and form or table files that differ."""
    a, b = version(rt, actor, process_id, older), version(rt, actor, process_id, newer)
    before, after = files(rt, a.package_id), files(rt, b.package_id)
    changes: list[Change] = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name.endswith(".bpmn") and old is not None and new is not None:
            changes += _element_changes(name, _elements(name, old), _elements(name, new))
        else:
            kind = "added" if old is None else "removed" if new is None else "changed"
            changes.append(Change(name, "", kind, "file", name, []))
    return changes


def _element_changes(file: str, old: dict, new: dict) -> list[Change]:
    out = []
    for element_id in sorted(set(old) | set(new)):
        o, n = old.get(element_id), new.get(element_id)
        if o == n:
            continue
        if o is None or n is None:
            kind, facts = ("added", n or {}) if o is None else ("removed", o)
            out.append(Change(file, element_id, kind, facts["type"], facts["name"], []))
            continue
        details = [(key, str(o.get(key) or ""), str(n.get(key) or "")) for key in sorted(set(o) | set(n))
                   if o.get(key) != n.get(key)]
        out.append(Change(file, element_id, "changed", n["type"], n["name"] or o["name"], details))
    return out


def _elements(name: str, content: bytes) -> dict[str, dict]:
    """Every BPMN element with an id: its type, name, timer, condition, documentation and properties."""
    tree = xmlsafe.parse(name, content)
    out = {}
    for element in tree.getroot().iter():
        if not isinstance(element.tag, str) or not element.tag.startswith(BPMN) or element.get("id") is None:
            continue
        tag = element.tag[len(BPMN):]
        if tag in ("definitions", "extensionElements") or tag.endswith("EventDefinition"):
            continue
        facts = {"type": tag, "name": element.get("name") or ""}
        for timer in _TIMERS if tag.endswith("Event") else ():
            found = element.find(f"{BPMN}timerEventDefinition/{BPMN}{timer}")
            if found is not None:
                facts["timer"] = f"{timer}: {(found.text or '').strip()}"
        for child, key in (("conditionExpression", "condition"), ("documentation", "documentation"),
                           ("script", "script")):
            found = element.find(f"{BPMN}{child}")
            if found is not None:
                facts[key] = (found.text or "").strip()
        for attr in ("attachedToRef", "calledElement", "sourceRef", "targetRef", "default", "cancelActivity"):
            if element.get(attr) is not None:
                facts[attr] = element.get(attr)
        extensions = element.find(f"{BPMN}extensionElements")
        props = {p.get("name"): p.get("value") for p in (extensions.iter() if extensions is not None else ())
                 if isinstance(p.tag, str) and p.tag.endswith("}property") and p.get("name")}
        if props:
            facts["properties"] = ", ".join(f"{k}={v}" for k, v in sorted(props.items()))
        out[element.get("id")] = facts
    return out
