"""Stored process packages: reading a folder of process files, their content hash, and the parsed
form of a stored package (from the engine's cache, or parsed from its files on first use)."""
from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

from sqlalchemy import select

from runtime import xmlsafe
from runtime.bootstrap import Runtime
from runtime.engine import PackageInvalid, ParsedPackage
from runtime.errors import DeploymentRejected, Problem
from runtime.store.models import ProcessFile

KINDS = {".bpmn": "bpmn", ".dmn": "dmn", ".json": "form"}


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


def parse_xml(files: dict[str, bytes], kinds: dict[str, str | None], problems: list[Problem]) -> dict:
    trees: dict[str, dict] = {"bpmn": {}, "dmn": {}}
    for name, content in files.items():
        kind = kinds[name]
        if kind in trees:
            try:
                trees[kind][name] = xmlsafe.parse(name, content)
            except xmlsafe.UnsafeXml as e:
                problems.append(e.problem)
    return trees


def parse_package(rt: Runtime, trees: dict) -> ParsedPackage:
    try:
        return rt.engine.parse_package(trees["bpmn"], trees["dmn"])
    except PackageInvalid as e:
        raise DeploymentRejected(e.problems) from None


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
        trees = parse_xml(files, kinds, problems)
        if problems:
            raise DeploymentRejected(problems)
        return parse_package(rt, trees)
    return rt.engine.package(content_hash, parse)


_forms: dict[tuple[str, str], dict] = {}


def form_schema(session, package_id: int, content_hash: str, name: str) -> dict | None:
    """The JSON Schema of form file ``name`` of a package, read once per (content hash, file): packages
    are immutable. The one lookup of a form, for validation and for drawing it."""
    key = (content_hash, name)
    if key not in _forms:
        content = session.scalar(select(ProcessFile.content).where(ProcessFile.package_id == package_id,
                                                                   ProcessFile.name == name))
        if content is None:
            return None
        _forms[key] = json.loads(content)
    return copy.deepcopy(_forms[key])  # callers may fill in defaults or choices; the cache stays as deployed


def files_of(session, package_id: int) -> dict[str, bytes]:
    return {f.name: f.content for f in session.scalars(select(ProcessFile).where(ProcessFile.package_id == package_id))}


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
