"""Deploying process files: every check first, then one immutable package keyed by content hash.

A bad file refuses the whole upload with every problem listed; redeploying identical files
creates nothing; running instances stay on the package they started with.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from runtime import clock, xmlsafe
from runtime.actors import OWNER_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.engine import PackageInvalid, ParsedPackage
from runtime.errors import DeploymentRejected, Problem
from runtime.lint import Linter
from runtime.models import ProcessDefinition, ProcessFile, ProcessPackage

KINDS = {".bpmn": "bpmn", ".dmn": "dmn", ".json": "form"}


@dataclass(frozen=True)
class DeployResult:
    package_id: int
    content_hash: str
    created: bool
    definitions: dict[str, int]  # process id -> version


def read_directory(directory: Path) -> dict[str, bytes]:
    """The deployable files of ``directory`` (and its sub-folders), keyed by file name."""
    files: dict[str, bytes] = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.suffix in KINDS:
            if path.name in files:
                raise DeploymentRejected([Problem(path.name, "two files share this name; names must be unique")])
            files[path.name] = path.read_bytes()
    return files


def content_hash(files: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return digest.hexdigest()


def check(rt: Runtime, files: dict[str, bytes]) -> ParsedPackage:
    """Run every check on ``files``; raise DeploymentRejected listing all problems found."""
    if not files:
        raise DeploymentRejected([Problem("(upload)", "no files were given")])
    kinds = {name: KINDS.get(Path(name).suffix.lower()) for name in files}
    problems = [Problem(n, "unsupported file type; expected .bpmn, .dmn or .json") for n, k in kinds.items() if not k]
    forms = {n: c for n, c in files.items() if kinds[n] == "form"}
    trees = _parse_xml(files, kinds, problems)
    linter = Linter(rt.functions, rt.services, forms)
    for name, tree in trees["bpmn"].items():
        linter.check_bpmn(name, tree)
    for name, tree in trees["dmn"].items():
        linter.check_dmn(name, tree)
    for name, content in forms.items():
        linter.check_form(name, content)
    problems += linter.problems
    if not trees["bpmn"] and not problems:
        problems.append(Problem("(upload)", "no BPMN file was given"))
    if problems:
        raise DeploymentRejected(problems)
    return _parse_package(rt, trees)


def _parse_xml(files: dict[str, bytes], kinds: dict[str, str | None], problems: list[Problem]) -> dict:
    trees: dict[str, dict] = {"bpmn": {}, "dmn": {}}
    for name, content in files.items():
        if kinds[name] in trees:
            try:
                trees[kinds[name]][name] = xmlsafe.parse(name, content)
            except xmlsafe.UnsafeXml as e:
                problems.append(e.problem)
    return trees


def _parse_package(rt: Runtime, trees: dict) -> ParsedPackage:
    try:
        return rt.engine.parse_package(trees["bpmn"], trees["dmn"])
    except PackageInvalid as e:
        raise DeploymentRejected(e.problems) from None


def deploy(rt: Runtime, files: dict[str, bytes], actor: str, source: str) -> DeployResult:
    """Check and store ``files`` as one package, or return the identical package already stored."""
    digest = content_hash(files)
    existing = _existing(rt, digest)
    if existing:
        return existing
    package = check(rt, files)
    try:
        with rt.db.transaction() as session:
            result = _store(session, files, digest, package, actor, source)
    except IntegrityError:  # someone deployed the same files at the same moment
        return _existing(rt, digest) or _raise_conflict(digest)
    rt.engine.package(digest, lambda: package)
    return result


def deploy_as(rt: Runtime, actor: Actor, files: dict[str, bytes], source: str) -> DeployResult:
    """A deployment from the web console or the API: only process owners and administrators."""
    require_any(actor, OWNER_ROLES, "deploy process files")
    return deploy(rt, files, actor.username, source)


def deploy_changed(rt: Runtime, actor: Actor, base_package_id: int, changed: dict[str, bytes],
                   source: str) -> DeployResult:
    """Deploy the files of package ``base_package_id`` with ``changed`` replacing or adding files:
    a diagram saved in the browser modeler, or uploaded files, on top of what is deployed."""
    require_any(actor, OWNER_ROLES, "deploy process files")
    with rt.db.reader() as session:
        base = {f.name: f.content for f in session.scalars(
            select(ProcessFile).where(ProcessFile.package_id == base_package_id))}
    if not base:
        raise DeploymentRejected([Problem("(upload)", f"there is no deployed package {base_package_id} to change")])
    return deploy(rt, {**base, **changed}, actor.username, source)


def _existing(rt: Runtime, digest: str) -> DeployResult | None:
    with rt.db.reader() as session:
        pkg = session.scalar(select(ProcessPackage).where(ProcessPackage.content_hash == digest))
        if pkg is None:
            return None
        return DeployResult(pkg.id, digest, False, {d.process_id: d.version for d in pkg.definitions})


def _store(session, files, digest, package: ParsedPackage, actor, source) -> DeployResult:
    pkg = ProcessPackage(content_hash=digest, deployed_at=clock.now(), deployed_by=actor[:80],
                         source=_clip(source, 200))
    session.add(pkg)
    for name, content in sorted(files.items()):
        session.add(ProcessFile(package=pkg, name=name, kind=KINDS[Path(name).suffix.lower()], content=content))
    versions = {}
    for pid in package.process_ids:
        latest = session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.process_id == pid))
        versions[pid] = (latest or 0) + 1
        session.add(ProcessDefinition(package=pkg, process_id=pid, name=package.process_name(pid), version=versions[pid]))
    session.flush()
    return DeployResult(pkg.id, digest, True, versions)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _raise_conflict(digest: str):
    raise DeploymentRejected([Problem("(upload)", f"a concurrent deployment of package {digest[:12]} failed")])


def load_package(rt: Runtime, session, package_id: int, content_hash: str) -> ParsedPackage:
    """The parsed form of a stored package, from the engine's cache or parsed from its files.

    Only parsed, not linted again: the lint ran at deployment, and re-running it against today's
    handlers would make running instances of an older version unloadable after a handler rename.
    """
    def parse() -> ParsedPackage:
        files = {f.name: f.content for f in session.scalars(
            select(ProcessFile).where(ProcessFile.package_id == package_id))}
        kinds = {name: KINDS.get(Path(name).suffix.lower()) for name in files}
        problems: list[Problem] = []
        trees = _parse_xml(files, kinds, problems)
        if problems:
            raise DeploymentRejected(problems)
        return _parse_package(rt, trees)
    return rt.engine.package(content_hash, parse)
