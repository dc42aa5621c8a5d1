"""The names a diagram gives its elements (``dispatch_late`` -> 20分钟未派单), read from the BPMN files
of the package an instance runs on, so pages show a timer or a step as the process owner named it."""
from __future__ import annotations

from sqlalchemy import select

from runtime import xmlsafe
from runtime.store.models import ProcessFile, ProcessPackage

# a deployed package never changes: read once per process, by id and content (another database, as in
# tests or after a restore, may give the same id to other diagrams)
_CACHE: dict[tuple[int, str], dict[str, str]] = {}
_SIGNALS: dict[tuple[int, str], dict[str, str]] = {}
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def signal_names(session, package_id: int) -> dict[str, str]:
    """Each signal's name (``media_exposure``, what is sent) -> the name of an event that catches it
    (媒体曝光), for lists where an administrator chooses a signal to send."""
    def read(root, found: dict[str, str]) -> None:
        signals = {e.get("id"): e.get("name") for e in root.iter(f"{BPMN}signal") if e.get("name")}
        for definition in root.iter(f"{BPMN}signalEventDefinition"):
            event, signal = definition.getparent(), signals.get(definition.get("signalRef"))
            if signal and event is not None and event.get("name"):
                found.setdefault(signal, " ".join(event.get("name").split()))
    return _per_package(_SIGNALS, session, package_id, read)


def element_names(session, package_id: int) -> dict[str, str]:
    """Every named element of the package's diagrams, by its id."""
    def read(root, found: dict[str, str]) -> None:
        for element in root.iter():
            if isinstance(element.tag, str) and element.get("id") and element.get("name"):
                found[element.get("id")] = " ".join(element.get("name").split())
    return _per_package(_CACHE, session, package_id, read)


def _per_package(cache: dict, session, package_id: int, read) -> dict[str, str]:
    """What ``read`` gathers from the package's diagrams, once per package (by id and content)."""
    key = (package_id, session.scalar(select(ProcessPackage.content_hash).where(ProcessPackage.id == package_id)))
    found = cache.get(key)
    if found is None:
        found = {}
        for name, content in session.execute(select(ProcessFile.name, ProcessFile.content).where(
                ProcessFile.package_id == package_id, ProcessFile.kind == "bpmn")):
            read(xmlsafe.parse(name, content).getroot(), found)
        cache[key] = found
    return found
