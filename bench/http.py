"""Benchmark: the HTTP figures of issue #19, with a real server on loopback.

Not a test. The product's WSGI app (``web.wsgi:app``) runs under gunicorn; clients complete the department's
real handling step (``handle``, data from bench/engine.py FORMS) with ``POST /api/v1/tasks/<id>/complete`` and
the department user's bearer token. Every complaint is started and brought to ``handle`` through the runtime
services before the clock starts, so each client completes distinct tasks.

  SQLite      one gunicorn process, 8 threads (gthread): SQLite has one writer at a time and its writers take
              turns in arrival order only inside one process (runtime/store/db.py); several processes would
              fall back to sqlite's busy-wait. It is the embedded set-up ``complaintflow serve`` runs.
  PostgreSQL  ``gunicorn -w 2`` and ``-w 4`` (sync workers, as the README's scaled-out line), durable cluster.

Rows, each beside its goal, and the bare engine's ``handle`` step (bench.engine.bench_bare) of the same run:
  (a) one client, SQLite: median and p95 ms;
  (b) web layer overhead: in-process Flask test client minus the service call, the same kind of task;
  (c) N concurrent keep-alive clients, SQLite: completions/s and p99;
  (d) the same on PostgreSQL, with the server CPU per completion (gunicorn processes; PostgreSQL's apart).

    python -m bench.http [--n 200] [--per-run 300] [--clients 8,32,64] [--backends sqlite,postgresql]
                         [--pg-threads 1]
    python -m bench.http --profile     # cProfile of one in-process completion's web layer, then exit
"""
from __future__ import annotations

import argparse
import cProfile
import http.client
import json
import os
import pstats
import queue
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import cast
from collections.abc import Iterator

from sqlalchemy import select

from bench.databases import each_backend
from bench.engine import FORMS, PROCESS, START, USERS, bench_bare
from runtime import services
from runtime.bootstrap import Runtime, bootstrap
from runtime.config import PROJECT_ROOT, Settings
from runtime.services.api_tokens import create_token
from runtime.services.deployment import deploy
from runtime.services.users import create_user, get_actor
from runtime.store.migrate import upgrade
from runtime.store.models import HumanTask
from runtime.store.packages import read_directory

SECRET = "bench-http"
TICK = os.sysconf("SC_CLK_TCK")
FORM_DATA: dict[str, dict] = cast(dict, FORMS)  # each step's form data
BODY = json.dumps(FORMS["handle"]).encode()
BEFORE_HANDLE = ("triage", "first_reply")


def pct(samples: list[float], p: float) -> float:
    """The p-th percentile of ``samples`` (seconds) in ms, nearest rank."""
    ordered = sorted(samples)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))] * 1000


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


# --- the database, prepared through the services -------------------------------------------------------

def runtime_for(url: str, workdir: Path) -> Runtime:
    rt = bootstrap(Settings(database_url=url, secret_key=SECRET, processes_dir=PROJECT_ROOT / "processes",
                            var_dir=workdir, embedded_worker=False))
    upgrade(rt.db.engine)
    return rt


def seed(rt: Runtime) -> str:
    """Deploy processes/, create the users the normal path needs; returns the department user's API token."""
    deploy(rt, read_directory(PROJECT_ROOT / "processes"), "bench", "processes/")
    for user, roles, dept in (("frontdesk", ["front_desk"], None), ("eng", ["department"], "engineering"),
                              ("site", ["site_manager"], None), ("admin", ["admin"], None)):
        create_user(rt, user, "bench-password", roles, department=dept)
    return create_token(rt, get_actor(rt, "admin"), USERS["handle"], "bench.http")


def _to_handle(rt: Runtime, i: int) -> str:
    """Start complaint ``i`` and complete what comes before ``handle``; returns the ``handle`` task's id."""
    start = {**START, "customer_phone": f"139{i:08d}", "customer_unit": f"{i}-502"}  # distinct callers
    started = services.start_instance(rt, get_actor(rt, "frontdesk"), PROCESS, start, business_key=f"H-{i}")
    for name in (*BEFORE_HANDLE, "handle"):
        with rt.db.reader() as s:
            task_id = s.scalar(select(HumanTask.id).where(HumanTask.instance_id == started.instance_id,
                                                          HumanTask.task_name == name))
        assert task_id is not None, f"complaint {i} has no '{name}' task"
        if name == "handle":
            return task_id
        services.complete_task(rt, get_actor(rt, USERS[name]), task_id, FORM_DATA[name])
    raise AssertionError("unreachable")


def prepare(rt: Runtime, start: int, count: int) -> list[str]:
    """``count`` complaints waiting at ``handle`` (8 threads: the preparation is not what is measured;
    on PostgreSQL concurrent commits share their WAL flushes)."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda i: _to_handle(rt, i), range(start, start + count)))


# --- (b) the web layer in process ---------------------------------------------------------------------

def web_overhead(rt: Runtime, token: str, tasks: list[str]) -> tuple[list[float], list[float]]:
    """Alternate a service call and a test-client request, each on its own ``handle`` task."""
    from web import create_app
    client = create_app(runtime=rt).test_client()
    eng = get_actor(rt, USERS["handle"])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    service, web = [], []
    for a, b in zip(tasks[::2], tasks[1::2], strict=False):
        t0 = time.perf_counter()
        services.complete_task(rt, eng, a, FORM_DATA["handle"])
        service.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        response = client.post(f"/api/v1/tasks/{b}/complete", data=BODY, headers=headers)
        web.append(time.perf_counter() - t0)
        assert response.status_code == 200, response.get_data(as_text=True)
    return service, web


def profile_web_layer(rt: Runtime, token: str, tasks: list[str]) -> None:
    """cProfile of test-client completions; the service call's own share is printed by its name."""
    from web import create_app
    client = create_app(runtime=rt).test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    client.post(f"/api/v1/tasks/{tasks[0]}/complete", data=BODY, headers=headers)  # warm-up
    profiler = cProfile.Profile()
    profiler.enable()
    for task_id in tasks[1:]:
        client.post(f"/api/v1/tasks/{task_id}/complete", data=BODY, headers=headers)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(12)
    for caller in ("wsgi_app", "full_dispatch_request", "api.py.*wrapped", "preprocess_request", "finalize_request",
                   "process_response", "forms.py"):
        stats.print_callees(caller)


# --- the server and its CPU ---------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            out += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
        except OSError:
            continue
    return out


def cpu_seconds(pid: int) -> float:
    """CPU time of ``pid`` and its descendants, those that ended included (cutime/cstime)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    own = sum(int(f) for f in fields[11:15]) / TICK  # utime stime cutime cstime
    return own + sum(cpu_seconds(child) for child in _children(pid))


@contextmanager
def gunicorn(url: str, workdir: Path, options: list[str]) -> Iterator[tuple[int, int]]:
    """``gunicorn <options> web.wsgi:app`` on a free loopback port; yields (port, master pid)."""
    from tools.pg_cluster import _free_port
    port = _free_port()
    env = dict(os.environ, COMPLAINTFLOW_DATABASE_URL=url, COMPLAINTFLOW_SECRET_KEY=SECRET,
               COMPLAINTFLOW_VAR_DIR=str(workdir), COMPLAINTFLOW_EMBEDDED_WORKER="0",
               PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
    with open(workdir / "gunicorn.log", "ab") as log:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", *options, "-b", f"127.0.0.1:{port}",
                                   "web.wsgi:app"], env=env, cwd=PROJECT_ROOT, stdout=log, stderr=log)
        try:
            _wait_healthy(port, server)
            yield port, server.pid
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_healthy(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited; see gunicorn.log in the work folder")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not become healthy in 60 s")


def postgres_pid(url: str) -> int | None:
    """The postmaster's pid of a cluster started by tools/pg_cluster (its data folder's postmaster.pid)."""
    import psycopg
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT setting FROM pg_settings WHERE name = 'data_directory'").fetchone()
    if row is None:
        return None
    try:
        return int((Path(row[0]) / "postmaster.pid").read_text().split()[0])
    except (OSError, TypeError, ValueError, IndexError):
        return None


# --- the clients --------------------------------------------------------------------------------------

def client_loop(port: int, token: str, work: queue.SimpleQueue, latencies: list[float]) -> None:
    """One keep-alive client: completes tasks from ``work`` until it is empty (http.client reopens the
    connection by itself when the server closes it, as gunicorn's sync workers do after each answer)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    while True:
        try:
            task_id = work.get_nowait()
        except queue.Empty:
            return
        t0 = time.perf_counter()
        conn.request("POST", f"/api/v1/tasks/{task_id}/complete", body=BODY, headers=headers)
        response = conn.getresponse()
        text = response.read()
        latencies.append(time.perf_counter() - t0)
        if response.status != 200:
            raise RuntimeError(f"complete {task_id}: {response.status} {text[:200]!r}")


def drive(port: int, token: str, tasks: list[str], clients: int) -> tuple[float, list[float]]:
    """``clients`` threads complete ``tasks``; returns (wall seconds, every latency)."""
    work: queue.SimpleQueue = queue.SimpleQueue()
    for task_id in tasks:
        work.put(task_id)
    latencies: list[float] = []
    threads = [threading.Thread(target=client_loop, args=(port, token, work, latencies)) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if len(latencies) != len(tasks):
        raise RuntimeError(f"{len(tasks) - len(latencies)} completions failed (see above)")
    return wall, latencies


# --- the report ---------------------------------------------------------------------------------------

def row(label: str, figures: str, goal: str, ratio: str = "") -> None:
    print(f"  {label:<62}{figures:<42}goal {goal:<34}{ratio}")


class Plan:
    """How many tasks each part takes from the prepared pool, in order."""

    def __init__(self, tasks: list[str]):
        self.tasks, self.next = tasks, 0

    def take(self, count: int) -> list[str]:
        taken = self.tasks[self.next:self.next + count]
        self.next += count
        assert len(taken) == count, "not enough prepared tasks"
        return taken


def concurrency_rows(port: int, pids: tuple[int, int | None], token: str, plan: Plan, clients: list[int],
                     per_run: int, label: str, cpu_goal: bool, bare_ms: float) -> None:
    server_pid, pg_pid = pids
    for n in clients:
        cpu0, pg0 = cpu_seconds(server_pid), cpu_seconds(pg_pid) if pg_pid else 0.0
        wall, lat = drive(port, token, plan.take(per_run), n)
        rate = len(lat) / wall
        figures = f"{rate:6.0f}/s  p99 {pct(lat, 99):6.1f} ms"
        row(f"{label}, {n} clients", figures, ">= 250/s, p99 <= 100 ms" if not cpu_goal else ">= 300/s, p99 <= 100",
            f"median {median_ms(lat):.1f} ms = {median_ms(lat) / bare_ms:.0f}x bare")
        if cpu_goal:
            web_cpu = (cpu_seconds(server_pid) - cpu0) / len(lat) * 1000
            pg_cpu = (cpu_seconds(pg_pid) - pg0) / len(lat) * 1000 if pg_pid else float("nan")
            row("    server CPU per completion", f"gunicorn {web_cpu:.2f} ms, PostgreSQL {pg_cpu:.2f} ms",
                "<= 4 ms (gunicorn + PostgreSQL)", f"= {web_cpu / bare_ms:.0f}x bare (gunicorn)")


def sqlite_rows(url: str, workdir: Path, rt: Runtime, token: str, plan: Plan, args, bare_ms: float) -> None:
    service, web = web_overhead(rt, token, plan.take(2 * args.n))
    overhead = median_ms(web) - median_ms(service)
    row("(b) web layer: test client - service call", f"{overhead:.2f} ms ({median_ms(web):.2f} - "
        f"{median_ms(service):.2f})", "<= 1.5 ms", f"service call = {median_ms(service) / bare_ms:.0f}x bare")
    with gunicorn(url, workdir, ["-w", "1", "-k", "gthread", "--threads", "8"]) as (port, pid):
        drive(port, token, plan.take(20), 4)  # warm-up: imports, caches, connections
        _, lat = drive(port, token, plan.take(args.n), 1)
        row("(a) handle over HTTP, 1 client, SQLite", f"median {median_ms(lat):.1f} ms, p95 {pct(lat, 95):.1f} ms",
            "median <= 8 ms, p95 <= 15", f"= {median_ms(lat) / bare_ms:.0f}x bare")
        concurrency_rows(port, (pid, None), token, plan, args.clients, args.per_run,
                         "(c) SQLite, gunicorn -w 1 --threads 8", False, bare_ms)


def postgres_rows(url: str, workdir: Path, token: str, plan: Plan, args, bare_ms: float) -> None:
    pg_pid = postgres_pid(url)
    threads = ["-k", "gthread", "--threads", str(args.pg_threads)] if args.pg_threads > 1 else []
    for workers in (2, 4):
        options = ["-w", str(workers), *threads]
        with gunicorn(url, workdir, options) as (port, pid):
            drive(port, token, plan.take(10 * workers), workers)  # warm-up of every worker
            concurrency_rows(port, (pid, pg_pid), token, plan, args.clients, args.per_run,
                             f"(d) PostgreSQL, gunicorn {' '.join(options)}", True, bare_ms)


def needed(backend: str, args) -> int:
    runs = len(args.clients) * args.per_run
    return 2 * args.n + 20 + args.n + runs if backend == "sqlite" else 10 * 6 + 2 * runs


def report(args) -> None:
    bench_bare(20)  # warm-up
    bare_ms = median_ms(bench_bare(args.n)["handle"])
    print(f"HTTP: the 'handle' step of a normal complaint; bare SpiffWorkflow step {bare_ms:.3f} ms (median, "
          f"N={args.n}, same run)")
    with each_backend(args.backends, "bench_http") as backends:
        for backend, url, workdir in backends:
            t0 = time.perf_counter()
            rt = runtime_for(url, workdir)
            token = seed(rt)
            plan = Plan(prepare(rt, 0, needed(backend, args)))
            print(f"\n{backend}: {len(plan.tasks)} complaints brought to 'handle' through the services in "
                  f"{time.perf_counter() - t0:.0f} s; {args.per_run} completions per concurrent run")
            if backend == "sqlite":
                sqlite_rows(url, workdir, rt, token, plan, args, bare_ms)
            else:
                postgres_rows(url, workdir, token, plan, args, bare_ms)
            rt.close()


def profile(args) -> None:
    with each_backend(args.backends[:1], "bench_http_profile") as backends:
        for _backend, url, workdir in backends:
            rt = runtime_for(url, workdir)
            token = seed(rt)
            tasks = prepare(rt, 0, args.n + 1)
            profile_web_layer(rt, token, tasks)
            rt.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="completions for (a) and (b) each")
    parser.add_argument("--per-run", type=int, default=300, help="completions per concurrent run")
    parser.add_argument("--clients", default="8,32,64")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-threads", type=int, default=1,
                        help="threads per gunicorn worker on PostgreSQL (1: sync workers, as the README says)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the web layer (on the first of --backends) and exit")
    args = parser.parse_args()
    args.clients = [int(c) for c in args.clients.split(",")]
    args.backends = args.backends.split(",")
    profile(args) if args.profile else report(args)


if __name__ == "__main__":
    main()
