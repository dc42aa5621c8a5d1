"""Deploying process files: every check first, then one immutable package keyed by content hash.

A bad file refuses the whole upload with every problem listed; redeploying identical files
creates nothing (it makes that package current again if it was not); running instances stay on the package
they started with. Which package new instances start on is its release (runtime/services/releases.py).
"""
from __future__ import annotations

import re

from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from runtime import clock
from runtime.actors import OWNER_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.engine import ParsedPackage
from runtime.errors import DeployDrift, DeploymentRejected, Problem
from runtime.xml_namespaces import foreign_markup
from runtime.lint import Linter
from runtime.services import releases
from runtime.store import releases as released
from runtime.store.models import ProcessDefinition, ProcessFile, ProcessPackage
from runtime.store import packages
from runtime.store.packages import KINDS, content_hash, parse_package, parse_xml

SAFE_NAME = re.compile(r"(?!\.)[^/\\\x00-\x1f]{1,200}")


@dataclass(frozen=True)
class DeployResult:
    package_id: int
    content_hash: str
    created: bool
    definitions: dict[str, int]  # process id -> version
    released: bool = True  # new instances start on it now (false: it already was the current version)
    # The files that differ from the version current before (every process of a package gets a new
    # version together: they call each other inside the package, so a version is the whole set).
    changed: tuple[str, ...] = ()


def check(rt: Runtime, files: dict[str, bytes]) -> ParsedPackage:
    """Run every check on ``files``; raise DeploymentRejected listing all problems found."""
    if not files:
        raise DeploymentRejected([Problem("(upload)", "no files were given")])
    unsafe = [Problem(n[:200], "a file name may not contain a folder, '..' or control characters") for n in files
              if not SAFE_NAME.fullmatch(n)]
    if unsafe:
        raise DeploymentRejected(unsafe)
    kinds = {name: KINDS.get(Path(name).suffix.lower()) for name in files}
    problems = [Problem(n, "unsupported file type; expected .bpmn, .dmn or .json") for n, k in kinds.items() if not k]
    forms = {n: c for n, c in files.items() if kinds[n] == "form"}
    trees = parse_xml(files, kinds, problems)
    linter = Linter(rt.functions, rt.services, forms)
    for name, tree in trees["bpmn"].items():
        linter.check_bpmn(name, tree)
    for name, tree in trees["dmn"].items():
        linter.check_dmn(name, tree)
    for name, tree in (*trees["bpmn"].items(), *trees["dmn"].items()):
        for element, message in foreign_markup(tree):
            linter.add(name, element, message)
    for name, content in forms.items():
        linter.check_form(name, content)
    problems += linter.problems
    if not trees["bpmn"] and not problems:
        problems.append(Problem("(upload)", "no BPMN file was given"))
    if problems:
        raise DeploymentRejected(problems)
    return parse_package(rt, trees)


def deploy(rt: Runtime, files: dict[str, bytes], actor: str, source: str, origin: str = "files",
           force: bool = True, base_package_id: int | None = None) -> DeployResult:
    """Check and store ``files`` as one package (or find the identical package already stored) and make
    it the one new instances start on. Unless ``force``, refuse with DeployDrift what would replace a
    version made elsewhere (see ``runtime.services.releases``)."""
    digest = content_hash(files)
    if not force:
        _refuse_drift(rt, files, origin, base_package_id)
    existing = _existing(rt, digest)
    package = None if existing else check(rt, files)
    try:
        with rt.db.transaction() as session:
            result = existing or _store(session, files, digest, package, actor, source)
            result = _release(session, result, actor, origin)
    except IntegrityError:  # someone deployed the same files at the same moment
        return _existing(rt, digest) or _raise_conflict(digest)
    if package is not None:
        rt.engine.package(digest, lambda: package)
    return result


def deploy_as(rt: Runtime, actor: Actor, files: dict[str, bytes], source: str, force: bool = False) -> DeployResult:
    """A deployment from the web console or the API: only process owners and administrators."""
    require_any(actor, OWNER_ROLES, "deploy process files")
    return deploy(rt, files, actor.username, source, "console", force)


def deploy_changed(rt: Runtime, actor: Actor, base_package_id: int, changed: dict[str, bytes],
                   source: str, force: bool = False) -> DeployResult:
    """Deploy the files of package ``base_package_id`` with ``changed`` replacing or adding files:
    a diagram saved in the browser modeler, or uploaded files, on top of what is deployed."""
    require_any(actor, OWNER_ROLES, "deploy process files")
    with rt.db.reader() as session:
        base = packages.files_of(session, base_package_id)
    if not base:
        raise DeploymentRejected([Problem("(upload)", f"there is no deployed package {base_package_id} to change")])
    return deploy(rt, {**base, **changed}, actor.username, source, "console", force, base_package_id)


def _refuse_drift(rt: Runtime, files: dict[str, bytes], origin: str, base_package_id: int | None) -> None:
    """DeployDrift when these files would replace a version made elsewhere: from the folder, over one the
    console released (a modeler edit, an upload, a rollback); from the console, over one deployed since
    the edited version ``base_package_id`` was opened (from the folder or another tab)."""
    with rt.db.reader() as session:
        now = released.current(session)
        if now is None:
            return
        stale = base_package_id is not None and base_package_id != now.package_id
        if not stale and not (origin == "files" and now.origin != "files"):
            return
        differ = packages.changed_files(packages.files_of(session, now.package_id), files)
        if not differ:
            return
        versions = releases.package_number(session, now.package_id)
    raise DeployDrift(f"the deployed version (package {now.package_id}, {now.origin}, by {now.released_by}) "
                      f"was made elsewhere; deploying would replace {', '.join(differ)}",
                      package_id=now.package_id, origin=now.origin, released_by=now.released_by, files=differ,
                      versions=versions, reason="stale" if stale else "elsewhere")


def _release(session, result: DeployResult, actor: str, origin: str) -> DeployResult:
    """Make the deployed package current (a new one, or an older one deployed again)."""
    now = released.current(session)
    if now is not None and now.package_id == result.package_id:
        return replace(result, released=False)
    releases.release(session, result.package_id, actor, "deployed" if result.created else "deployed_again", origin)
    changed = packages.changed_files(packages.files_of(session, now.package_id),
                                     packages.files_of(session, result.package_id)) if now else []
    return replace(result, released=True, changed=tuple(changed))


def _existing(rt: Runtime, digest: str) -> DeployResult | None:
    with rt.db.reader() as session:
        pkg = session.scalar(select(ProcessPackage).where(ProcessPackage.content_hash == digest))
        if pkg is None:
            return None
        return DeployResult(pkg.id, digest, False, {d.process_id: d.version for d in pkg.definitions})


def _store(session, files, digest, package: ParsedPackage | None, actor, source) -> DeployResult:
    assert package is not None  # checked before the transaction
    pkg = ProcessPackage(content_hash=digest, deployed_at=clock.now(), deployed_by=actor[:80],
                         source=_clip(source, 200))
    session.add(pkg)
    for name, content in sorted(files.items()):
        session.add(ProcessFile(package=pkg, name=name, kind=KINDS[Path(name).suffix.lower()], content=content))
    versions = {}
    for pid in package.process_ids:
        latest = session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.process_id == pid))
        versions[pid] = (latest or 0) + 1
        session.add(ProcessDefinition(package=pkg, process_id=pid, name=package.process_name(pid),
                                      version=versions[pid]))
    session.flush()
    return DeployResult(pkg.id, digest, True, versions)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _raise_conflict(digest: str):
    raise DeploymentRejected([Problem("(upload)", f"a concurrent deployment of package {digest[:12]} failed")])


