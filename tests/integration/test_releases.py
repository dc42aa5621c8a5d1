"""Versions that do what the process owner means: a broken version is rolled back and new complaints
start on the good one again (running ones stay), deploying identical files makes that version current
again, a deployment over a version made elsewhere is refused with what differs unless confirmed, and
the deployed files are exported back to the folder so the folder and the console agree."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from runtime import services
from runtime.actors import Actor
from runtime.errors import DefinitionNotFound, InvalidInput, PermissionDenied
from runtime.read import definitions
from runtime.services.deployment import deploy
from runtime.services.releases import rollback
from runtime.store.models import AuditEvent
from runtime.store.packages import read_directory
from tests.conftest import FIXTURES, FRONT_DESK, ROOT_DIR
from tests.helpers import task
from tests.integration.test_cli import cli, empty_db_url  # noqa: F401 - the real command, on both databases

OWNER = Actor("gu", frozenset({"process_owner"}))
START = {"divisor": 2, "category": "noise", "description": "噪音"}


def _renamed(files: dict[str, bytes]) -> dict[str, bytes]:
    changed = dict(files)
    changed["tiny_complaint.bpmn"] = files["tiny_complaint.bpmn"].replace("登记投诉".encode(),
                                                                          "登记投诉（新）".encode())
    return changed


def _current(rt, process_id: str) -> int:
    [process] = [p for p in definitions.catalogue(rt, OWNER) if p.process_id == process_id]
    return process.current.version


def test_new_complaints_start_on_the_version_brought_back_and_running_ones_stay(rt):
    files = read_directory(FIXTURES / "basic")
    deploy(rt, files, "gu", "basic/")
    deploy(rt, _renamed(files), "gu", "edit")
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="ON-V2")
    assert rollback(rt, OWNER, "tiny_complaint", 1, "第2版任务名称写错") > 0
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="AFTER")
    assert task(rt, "AFTER", "register").title == "登记投诉"  # started on version 1 again
    assert task(rt, "ON-V2", "register").title == "登记投诉（新）"  # stays on version 2
    assert _current(rt, "tiny_complaint") == 1
    with rt.db.reader() as session:
        [audited] = session.scalars(select(AuditEvent).where(AuditEvent.action == "process_rolled_back")).all()
    assert (audited.actor, audited.details["reason"]) == ("gu", "第2版任务名称写错")

    again = deploy(rt, _renamed(files), "gu", "edit")  # the same files as version 2: it is current again
    assert (again.created, again.released, again.definitions["tiny_complaint"]) == (False, True, 2)
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="V2-AGAIN")
    assert task(rt, "V2-AGAIN", "register").title == "登记投诉（新）" and _current(rt, "tiny_complaint") == 2
    assert deploy(rt, _renamed(files), "gu", "edit").released is False  # already current: nothing happens


def test_a_rollback_is_refused_with_what_is_wrong_and_changes_nothing(rt):
    files = read_directory(FIXTURES / "basic")
    deploy(rt, files, "gu", "basic/")
    deploy(rt, _renamed(files), "gu", "edit")
    cases = [(OWNER, "tiny_complaint", 1, "  ", InvalidInput, "say why"),
             (OWNER, "tiny_complaint", 9, "回退", DefinitionNotFound, "has no version 9"),
             (OWNER, "nothing_like_it", 1, "回退", DefinitionNotFound, "has no version 1"),
             (OWNER, "tiny_complaint", 2, "回退", InvalidInput, "already the one"),
             (OWNER, "tiny_complaint", 1, "长" * 501, InvalidInput, "longer than 500"),
             (FRONT_DESK, "tiny_complaint", 1, "回退", PermissionDenied, "choose the version")]
    for who, process_id, number, reason, error, words in cases:
        with pytest.raises(error, match=words):
            rollback(rt, who, process_id, number, reason)
    assert _current(rt, "tiny_complaint") == 2


def test_the_command_line_rolls_back_refuses_to_undo_a_console_version_and_exports_it(cli, tmp_path):  # noqa: F811
    folder = tmp_path / "processes"
    shutil.copytree(ROOT_DIR / "processes", folder)
    normal = folder / "complaint_normal.bpmn"
    normal.write_bytes(normal.read_bytes().replace("24小时未答复".encode(), "24小时未答复（改）".encode()))
    cli("db", "upgrade")
    assert "deployed: complaint v1" in cli("deploy")
    second = cli("deploy", str(folder))
    assert "deployed: complaint v2" in second and "changed: complaint_normal.bpmn (every process" in second
    assert "Missing option '--reason'" in cli("rollback", "complaint", "1", expect=2)
    assert "now start on version 1" in cli("rollback", "complaint", "1", "--reason", "第2版计时名称有误")
    assert "already the one new instances start on" in cli("rollback", "complaint", "1", "--reason", "再次", expect=1)
    refused = cli("deploy", str(folder), expect=3)  # the rollback was made in the console's name: not undone silently
    assert "differs from these files in: complaint_normal.bpmn" in refused and "complaintflow export" in refused
    assert "kept it; nothing deployed" in cli("deploy", str(folder), "--keep-console")
    assert "wrote complaint_normal.bpmn" in cli("export", str(folder))
    assert normal.read_bytes() == (ROOT_DIR / "processes" / "complaint_normal.bpmn").read_bytes()
    assert "the folder already has it" in cli("export", str(folder))
    assert "unchanged, nothing deployed" in cli("deploy", str(folder))  # folder and database agree
    normal.write_bytes(normal.read_bytes().replace("24小时未答复".encode(), "24小时未答复（再改）".encode()))
    assert "deployed: complaint v3" in cli("deploy", str(folder), "--force")
