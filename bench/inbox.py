"""Benchmark: inbox and complaint-page queries on a large database. Not a test.

Fills SQLite and PostgreSQL with 100,000 open and 1,000,000 closed complaints (instance rows,
record rows, one open task per open complaint, audit events), then times, per query, the
median and p95 over repeated runs with varying users and filters:

  inbox tab pages (available / mine / my complaints / overdue / team, with the five tab counts),
  a filtered inbox page, and the complaint page (record, tasks, timers, history).

Target: p95 under 50 ms. The bulk rows are written with INSERT ... SELECT over a generated
series (instance state left empty: these queries never read it); one complaint is real.

    python -m bench.inbox [--open 100000] [--closed 1000000] [--backends sqlite,postgresql] [--runs 60]
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from bench.databases import each_backend
from runtime import clock
from runtime.read import dashboard, inbox, monitoring, queries
from runtime.actors import Actor
from runtime.bootstrap import bootstrap
from runtime.config import PROJECT_ROOT, Settings
from runtime.services.deployment import deploy
from runtime.store.packages import read_directory
from runtime.store.migrate import upgrade

CATEGORIES = ["noise", "parking", "lift", "water", "hygiene", "safety", "renovation", "property_fee"]
DEPARTMENTS = ["engineering", "security", "cleaning"]
ROLES = ["front_desk", "department", "department", "department", "cs_manager", "duty_manager"]


def runtime_for(url: str, workdir: Path):
    rt = bootstrap(Settings(database_url=url, secret_key="bench", processes_dir=PROJECT_ROOT / "processes",
                            var_dir=workdir, embedded_worker=False))
    upgrade(rt.db.engine)
    deploy(rt, read_directory(PROJECT_ROOT / "processes"), "bench", "processes/")
    return rt


def series(n: int) -> str:
    return f"WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {n})"


def fill(rt, open_n: int, closed_n: int) -> None:
    """Bulk rows: instances, records, an open task per open complaint, audit events."""
    total, now = open_n + closed_n, clock.now()
    params = {"now": now, "day": timedelta(days=1)}
    pg = not rt.db.is_sqlite
    ago = (lambda expr: f"(CAST(:now AS TIMESTAMPTZ) - ({expr}) * INTERVAL '1 minute')") if pg else \
        (lambda expr: f"datetime(:now, '-' || ({expr}) || ' minutes')")
    ahead = (lambda expr: f"(CAST(:now AS TIMESTAMPTZ) + ({expr}) * INTERVAL '1 minute')") if pg else \
        (lambda expr: f"datetime(:now, '+' || ({expr}) || ' minutes')")
    if not pg:
        params["now"] = now.replace(tzinfo=None).isoformat(sep=" ")
    definition = "(SELECT MAX(id) FROM process_definition WHERE process_id = 'complaint')"
    cats = "CASE x % 8 " + " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(CATEGORIES)) + " END"
    roles = "CASE x % 6 " + " ".join(f"WHEN {i} THEN '{r}'" for i, r in enumerate(ROLES)) + " END"
    depts = "CASE x % 3 " + " ".join(f"WHEN {i} THEN '{d}'" for i, d in enumerate(DEPARTMENTS)) + " END"
    statements = [
        f"""{series(total)} INSERT INTO process_instance (definition_id, business_key, status, state, version,
            serializer_version, library_version, started_by, started_at, updated_at, ended_at, projected, owner,
            severity)
            SELECT {definition}, 'B-' || x, CASE WHEN x <= {open_n} THEN 'running' ELSE 'completed' END, NULL, 2,
                   'bench', 'bench', 'user' || (x % 200), {ago('x % 40000')}, {ago('x % 40000')},
                   CASE WHEN x <= {open_n} THEN NULL ELSE {ago('x % 30000')} END, '{{}}', 'user' || (x % 200),
                   CASE WHEN x % 50 = 0 THEN 'major' WHEN x % 997 = 0 THEN 'crisis' ELSE 'normal' END FROM g""",
        f"""INSERT INTO complaint_record (instance_id, channel, category, site, subject, customer_name, customer_phone)
            SELECT p.id, CASE p.id % 3 WHEN 0 THEN 'phone' WHEN 1 THEN 'visit' ELSE 'wechat' END,
                   {cats.replace('x %', 'p.id %')}, 'site' || ((p.id / 8) % 50), NULL, '客户' || p.id,
                   '138' || (10000000 + p.id)
            FROM process_instance p WHERE p.business_key LIKE 'B-%'""",
        f"""INSERT INTO human_task (id, instance_id, task_name, title, role, department, assignee, form, created_at,
            due_at, version, delegated_by, category, channel, site)
            SELECT 'T-' || p.id, p.id, 'handle', '部门调查处理', {roles.replace('x %', 'p.id %')},
                   CASE WHEN {roles.replace('x %', 'p.id %')} = 'department' THEN {depts.replace('x %', 'p.id %')} END,
                   CASE WHEN p.id % 10 < 3 THEN 'user' || (p.id % 200) END, NULL, {ago('p.id % 6000')},
                   {ahead('(p.id % 9000) - 3000')}, 1, NULL, r.category, r.channel, r.site
            FROM process_instance p JOIN complaint_record r ON r.instance_id = p.id
            WHERE p.status = 'running' AND p.business_key LIKE 'B-%'""",
        """INSERT INTO audit_event (instance_id, business_key, task_id, task_name, actor, action, at, details)
            SELECT p.id, p.business_key, NULL, NULL, p.started_by, 'started', p.started_at, '{}'
            FROM process_instance p WHERE p.business_key LIKE 'B-%'""",
        """INSERT INTO audit_event (instance_id, business_key, task_id, task_name, actor, action, at, details)
            SELECT p.id, p.business_key, 'T-' || p.id, 'triage', p.started_by, 'task_completed', p.updated_at, '{}'
            FROM process_instance p WHERE p.business_key LIKE 'B-%'""",
    ]
    t0 = time.perf_counter()
    with rt.db.transaction() as s:
        for sql in statements:
            s.execute(text(sql), params)
    if pg:
        with rt.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("ANALYZE"))
    else:
        with rt.db.engine.connect() as c:
            c.exec_driver_sql("ANALYZE")
    print(f"  filled {open_n:,} open + {closed_n:,} closed complaints in {time.perf_counter() - t0:.0f} s")


def timed(fn, runs: int) -> tuple[float, float]:
    fn()  # warm caches
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    samples.sort()
    return statistics.median(samples) * 1000, samples[max(0, int(len(samples) * 0.95) - 1)] * 1000


def scenarios(rt, open_n: int) -> dict:
    users = [Actor(f"user{i}", frozenset({"front_desk"})) for i in range(0, 200, 7)]
    engineer = Actor("user1", frozenset({"department"}), "engineering")
    manager = Actor("user2", frozenset({"cs_manager"}))
    admin = Actor("root", frozenset({"admin"}))
    pick = lambda seq: seq[random.randrange(len(seq))]  # noqa: E731
    return {
        "available (front desk)": lambda: inbox.page(rt, pick(users), inbox.InboxFilter("available")),
        "available (department)": lambda: inbox.page(rt, engineer, inbox.InboxFilter("available")),
        "mine": lambda: inbox.page(rt, pick(users), inbox.InboxFilter("mine")),
        "my complaints": lambda: inbox.page(rt, pick(users), inbox.InboxFilter("owned")),
        "overdue (manager)": lambda: inbox.page(rt, manager, inbox.InboxFilter("overdue")),
        "team (manager)": lambda: inbox.page(rt, manager, inbox.InboxFilter("team")),
        "filtered (category+site)": lambda: inbox.page(rt, manager, inbox.InboxFilter(
            "team", category=pick(CATEGORIES), site=f"site{random.randrange(50)}")),
        "page 40 of available": lambda: inbox.page(rt, engineer, inbox.InboxFilter("available", page=40)),
        "admin list, all (issue 6)": lambda: monitoring.instances(rt, admin, monitoring.InstanceFilter()),
        "admin list, owner + status": lambda: monitoring.instances(rt, admin, monitoring.InstanceFilter(
            owner=f"user{random.randrange(200)}", status="running")),
        "admin list, overdue": lambda: monitoring.instances(rt, admin, monitoring.InstanceFilter(overdue=True)),
        "dashboard figures": lambda: dashboard.overview(rt, admin),
        "dashboard heat (package 1)": lambda: dashboard.heat(rt, admin, 1),
        "complaint page (open)": lambda: queries.complaint(rt, f"B-{random.randrange(1, open_n)}"),
        "complaint page (closed)": lambda: queries.complaint(rt, f"B-{random.randrange(open_n + 1, open_n * 2)}"),
    }


def report(backends: list[str], open_n: int, closed_n: int, runs: int) -> None:
    print(f"inbox and complaint page, {open_n:,} open + {closed_n:,} closed complaints; ms median / p95 "
          f"over {runs} runs (target p95 < 50 ms)")
    with each_backend(backends, "bench_inbox") as databases:
        for backend, url, workdir in databases:
            rt = runtime_for(url, workdir)
            print(f"== {backend}")
            fill(rt, open_n, closed_n)
            for name, fn in scenarios(rt, open_n).items():
                median, p95 = timed(fn, runs)
                flag = "" if p95 < 50 else "   <-- over target"
                print(f"  {name:<28} {median:8.2f} / {p95:8.2f}{flag}")
            rt.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--closed", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    report(args.backends.split(","), args.open, args.closed, args.runs)


if __name__ == "__main__":
    main()
