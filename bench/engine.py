"""Benchmark: the cost of a runtime action against the bare engine step plus one commit.

Not a test. Runs the bundled ``complaint`` process on its normal path (intake → triage → reply + handle →
callback → confirm) N times three ways in the same run:

  bare     SpiffWorkflow alone, in memory, same BPMN and handler functions, no persistence;
  commit   one trivial UPDATE + COMMIT on the same database (what "one commit" costs there);
  runtime  our services: lock, load, act, run, save state + projections + audit, commit.

Prints medians/p95 per action and the ratio runtime / (bare step + commit); target <= 3x.
Also prints the stored state size of a finished ~20-task instance (target <= 12 KB).

    python -m bench.engine [--n 200] [--backends sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import datetime
from zoneinfo import ZoneInfo
from pathlib import Path

from sqlalchemy import event, select, text
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

import handlers
from bench.databases import each_backend
from runtime import services
from runtime.bootstrap import bootstrap
from runtime.config import PROJECT_ROOT, Settings
from runtime.services.deployment import deploy
from runtime.store.packages import read_directory
from runtime.store.migrate import upgrade
from runtime.store.models import HumanTask, ProcessInstance
from runtime.store.instance_store import unpack_state
from runtime.services.users import create_user, get_actor

PROCESS = "complaint"
START = {"channel": "phone", "category": "noise", "description": "楼上噪音", "customer_name": "张先生",
         "customer_unit": "3-502", "customer_phone": "13812341234", "demand": "停止夜间施工"}
FORMS = {  # the user tasks of a normal complaint in order, with the data each one is completed with
    "triage": {"validity": "valid", "department": "engineering", "dispatch_note": "请尽快处理",
               "coordination_needed": False},
    "first_reply": {"reply_summary": "已致电客户"},
    "handle": {"investigation": "现场查看", "handling_result": "已协调停止夜间施工", "root_cause": "装修管理",
               "cannot_handle": False},
    "callback": {"satisfaction": "satisfied", "callback_channel": "phone", "callback_note": "客户满意"},
    "confirm": {"record_checked": True, "handling_checked": True, "callback_checked": True,
                "cause_type": "internal", "cause_review": "装修管理未落实",
                "actions": [{"kind": "corrective", "description": "装修夜间巡查", "owner": "site",
                             "due_on": datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()}]},
}
# what the runtime adds at start: who started it, and whether it repeats an earlier complaint (it does not)
STARTED_BY = {"initiator": "frontdesk", "initiator_roles": ["front_desk"], "repeat_complaint": False,
              "repeat_of": None}


def form_defaults(form_file: str | None) -> dict:
    """A form's defaults, which the runtime fills in before the engine sees the data."""
    if not form_file:
        return {}
    schema = json.loads((PROJECT_ROOT / "processes" / "forms" / form_file).read_text())
    return {k: p["default"] for k, p in schema.get("properties", {}).items() if "default" in p}
USERS = {"triage": "frontdesk", "first_reply": "frontdesk", "handle": "eng", "callback": "frontdesk", "confirm": "site"}


class BareEnvironment(TaskDataEnvironment):
    """Plain SpiffWorkflow environment with our handler functions and service dispatch."""

    def call_service(self, context, operation_name=None, operation_params=None, **_):
        params = {k: v["value"] for k, v in (operation_params or {}).items()}
        return json.dumps(handlers.registry.services[operation_name](**params))


def _ms(samples):
    samples = sorted(samples)
    return statistics.median(samples) * 1000, samples[int(len(samples) * 0.95) - 1] * 1000


def bench_bare(n: int) -> dict[str, list[float]]:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_files([str(p) for p in (PROJECT_ROOT / "processes").glob("*.bpmn")])
    parser.add_dmn_files([str(p) for p in (PROJECT_ROOT / "processes").glob("*.dmn")])
    spec, subs = parser.get_spec(PROCESS), parser.get_subprocess_specs(PROCESS)
    engine = PythonScriptEngine(BareEnvironment(dict(handlers.registry.functions)))
    times: dict[str, list[float]] = {"start": [], **{k: [] for k in FORMS}}
    for _ in range(n):
        t0 = time.perf_counter()
        wf = BpmnWorkflow(spec, subs, script_engine=engine)
        wf.get_tasks(state=TaskState.READY)[0].data.update({**form_defaults("intake.schema.json"), **START,
                                                            **STARTED_BY})
        wf.do_engine_steps()
        times["start"].append(time.perf_counter() - t0)
        for name, form in FORMS.items():
            task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == name)
            props = (task.task_spec.extensions or {}).get("properties", {})
            data = {**form_defaults(props.get("formJsonSchemaFilename")), **form}
            t0 = time.perf_counter()
            task.data.update(data)
            task.run()
            wf.do_engine_steps()
            times[name].append(time.perf_counter() - t0)
        assert wf.is_completed(), [t.task_spec.bpmn_id for t in wf.get_tasks(state=TaskState.READY)]
    return times


def bench_commit(rt, n: int) -> list[float]:
    with rt.db.transaction() as s:
        s.execute(text("CREATE TABLE IF NOT EXISTS bench_commit (id INTEGER PRIMARY KEY, n INTEGER)"))
        s.execute(text("INSERT INTO bench_commit (id, n) VALUES (1, 0)"))
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        with rt.db.transaction() as s:
            s.execute(text("UPDATE bench_commit SET n = n + 1 WHERE id = 1"))
        out.append(time.perf_counter() - t0)
    return out


def counting(rt) -> list[str]:
    """The SQL statements the runtime sends, BEGIN left out (PostgreSQL's driver begins without one)."""
    sent: list[str] = []
    event.listen(rt.db.engine, "before_cursor_execute",
                 lambda _c, _cur, statement, *_: None if statement.startswith("BEGIN") else sent.append(statement))
    return sent


def bench_runtime(rt, n: int) -> tuple[dict[str, list[float]], int, int, dict[str, int]]:
    deploy(rt, read_directory(PROJECT_ROOT / "processes"), "bench", "processes/")
    for user, roles, dept in (("frontdesk", ["front_desk"], None), ("eng", ["department"], "engineering"),
                              ("site", ["site_manager"], None)):
        create_user(rt, user, "bench-password", roles, department=dept)
    actors = {u: get_actor(rt, u) for u in set(USERS.values())}
    times: dict[str, list[float]] = {"start": [], **{k: [] for k in FORMS}}
    sent, statements = counting(rt), {}
    for i in range(n):
        sent.clear()
        t0 = time.perf_counter()
        start = {**START, "customer_phone": f"138{i:08d}", "customer_unit": f"{i}-502"}  # one caller each: no repeats
        started = services.start_instance(rt, actors["frontdesk"], PROCESS, start, business_key=f"B-{i}")
        times["start"].append(time.perf_counter() - t0)
        statements["start"] = len(sent)
        for name, form in FORMS.items():
            with rt.db.reader() as s:
                task_id = s.scalar(select(HumanTask.id).where(HumanTask.instance_id == started.instance_id,
                                                              HumanTask.task_name == name))
            sent.clear()
            t0 = time.perf_counter()
            services.complete_task(rt, actors[USERS[name]], task_id, form)
            times[name].append(time.perf_counter() - t0)
            statements[name] = len(sent)
    with rt.db.reader() as s:
        state = s.scalar(select(ProcessInstance.state).where(ProcessInstance.business_key == "B-0"))
    tasks = json.loads(unpack_state(state))
    count = len(tasks["tasks"]) + sum(len(sp["tasks"]) for sp in tasks["subprocesses"].values())
    return times, len(state), count, statements


def runtime_for(url: str, workdir: Path):
    rt = bootstrap(Settings(database_url=url, secret_key="bench", processes_dir=PROJECT_ROOT / "processes",
                            var_dir=workdir, embedded_worker=False))
    upgrade(rt.db.engine)
    return rt


def report(n: int, backends: list[str]) -> None:
    bench_bare(max(20, n // 10))  # warm-up: imports, caches
    bare = bench_bare(n)
    print(f"complaint (normal path), {n} instances each; times in ms (median / p95)\n")
    print(f"{'bare SpiffWorkflow, in memory':<34}" + "".join(f"{k:>16}" for k in bare))
    print(f"{'':<34}" + "".join(f"{'{:.3f} / {:.3f}'.format(*_ms(v)):>16}" for v in bare.values()))
    with each_backend(backends, "bench_engine") as databases:
        for backend, url, workdir in databases:
            rt = runtime_for(url, workdir)
            commit = bench_commit(rt, n)
            actions, size, ntasks, statements = bench_runtime(rt, n)
            rt.close()
            commit_ms = _ms(commit)[0]
            print(f"\n{backend}: one bare commit {commit_ms:.3f} ms (median)")
            cells = "".join(f"{'{:.3f} / {:.3f}'.format(*_ms(v)):>16}" for v in actions.values())
            print(f"{'runtime action':<34}" + cells)
            ratios = [_ms(actions[k])[0] / (_ms(bare[k])[0] + commit_ms) for k in bare]
            print(f"{'ratio runtime / (bare + commit)':<34}" + "".join(f"{r:>15.2f}x" for r in ratios)
                  + f"   worst {max(ratios):.2f}x (target <= 3x)")
            print(f"{'SQL statements per action':<34}" + "".join(f"{statements[k]:>16}" for k in bare)
                  + f"   most {max(statements.values())} (target <= 7)")
            print(f"stored state of a finished instance: {size} bytes, {ntasks} tasks in 3 workflows "
                  "(target <= 12 KB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    report(args.n, args.backends.split(","))


if __name__ == "__main__":
    main()
