"""The workflow a process keeps after an action (runtime/store/workflow_cache.py) is used for its next
action only while nobody else changed the complaint: a step done by another process is never undone
by a stale copy, and a step that was rolled back leaves nothing behind."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from runtime import services
from runtime.config import PROJECT_ROOT
from runtime.errors import IncidentRaised
from tests.conftest import ADMIN, ENGINEER, FRONT_DESK
from tests.helpers import INTAKE, audit, deploy_processes, incidents, task, tasks

TRIAGE = {"validity": "valid", "department": "engineering"}
HANDLE = {"investigation": "现场查看", "handling_result": "已协调停止夜间施工", "root_cause": "装修管理",
          "cannot_handle": False}

# Another process on the same database: its own runtime, its own cache, as a second web process is.
OTHER_PROCESS = textwrap.dedent("""
    import sys
    from pathlib import Path
    from runtime import services
    from runtime.actors import Actor
    from runtime.bootstrap import bootstrap
    from runtime.config import PROJECT_ROOT, Settings

    url, var_dir, task_id = sys.argv[1:4]
    rt = bootstrap(Settings(database_url=url, secret_key="test-secret", processes_dir=PROJECT_ROOT / "processes",
                            var_dir=Path(var_dir), embedded_worker=False))
    services.complete_task(rt, Actor("wang", frozenset({"front_desk"})), task_id, {"reply_summary": "另一进程答复"})
    rt.close()
""")


@pytest.fixture
def dispatched(rt):
    """A complaint the front desk dispatched in this process: its workflow is kept after each step."""
    deploy_processes(rt)
    key = services.start_instance(rt, FRONT_DESK, "complaint", INTAKE).business_key
    before = rt.workflows.hits
    services.complete_task(rt, FRONT_DESK, task(rt, key, "triage").id, TRIAGE)
    assert rt.workflows.hits == before + 1, "the triage should have run on the workflow kept at intake"
    return key


def names(rt, key) -> list[str]:
    return sorted(t.task_name for t in tasks(rt, key))


def test_a_step_another_process_did_is_not_undone_by_this_process_s_kept_workflow(rt, dispatched, settings):
    assert names(rt, dispatched) == ["first_reply", "handle"]
    subprocess.run([sys.executable, "-c", OTHER_PROCESS, settings.database_url, str(settings.var_dir),
                    task(rt, dispatched, "first_reply").id], check=True, cwd=PROJECT_ROOT, timeout=120)
    assert names(rt, dispatched) == ["handle"]
    hits, misses = rt.workflows.hits, rt.workflows.misses

    services.complete_task(rt, ENGINEER, task(rt, dispatched, "handle").id, HANDLE)

    assert (rt.workflows.hits, rt.workflows.misses) == (hits, misses + 1), "the kept copy was older than the row"
    assert names(rt, dispatched) == ["callback"]  # the first reply stays done: not waiting again
    done = [e.task_name for e in audit(rt, dispatched) if e.action == "task_completed"]
    assert done == ["triage", "first_reply", "handle"]
    # and the next action in this process runs on what it just committed
    services.complete_task(rt, FRONT_DESK, task(rt, dispatched, "callback").id,
                           {"satisfaction": "satisfied", "callback_channel": "phone"})
    assert rt.workflows.hits == hits + 1 and names(rt, dispatched) == ["confirm"]


def test_a_step_that_failed_after_the_engine_moved_leaves_no_copy_behind(rt, basic, partner):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", {"divisor": 2, "category": "noise",
                                                               "description": "噪音"}, business_key="C-1")
    partner.down = True  # the service task after the user task fails: the action is rolled back
    with pytest.raises(IncidentRaised):
        services.complete_task(rt, FRONT_DESK, task(rt, "C-1", "register").id, {"department": "engineering"})
    assert len(rt.workflows) == 0, "the workflow the failed step had moved on must not be kept"
    partner.down = False
    [incident] = incidents(rt, "C-1")
    misses = rt.workflows.misses
    services.retry_incident(rt, ADMIN, incident.id)  # replays the step on the state as committed
    assert rt.workflows.misses == misses + 1 and names(rt, "C-1") == ["handle"]
    assert [e.task_name for e in audit(rt, "C-1") if e.action == "task_completed"] == ["register"]


def test_a_process_that_keeps_no_workflows_acts_the_same(rt, settings):
    rt.workflows.size = 0
    deploy_processes(rt)
    key = services.start_instance(rt, FRONT_DESK, "complaint", INTAKE).business_key
    services.complete_task(rt, FRONT_DESK, task(rt, key, "triage").id, TRIAGE)
    assert names(rt, key) == ["first_reply", "handle"] and rt.workflows.hits == 0 and len(rt.workflows) == 0
