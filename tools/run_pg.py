"""``make run-pg``: the scaled-out set-up on one machine.

A PostgreSQL cluster kept under var/pg, several gunicorn web processes and several background
workers, all configured through the same environment variables a production deployment uses
(COMPLAINTFLOW_DATABASE_URL, COMPLAINTFLOW_EMBEDDED_WORKER=0, ...). Ctrl+C stops the workers
(each finishes its sweep), then the web processes, then the database.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

from tools.pg_cluster import Cluster

ROOT = Path(__file__).resolve().parent.parent


def stop_all(children: list[subprocess.Popen], timeout: float = 30.0) -> list[int]:
    """SIGTERM every child still running (each finishes what it is doing), then wait; exit codes."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    return [child.wait(timeout=timeout) for child in children]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
    parser.add_argument("--web", type=int, default=int(os.environ.get("WEB_PROCESSES", "3")))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "2")))
    parser.add_argument("--pg-port", type=int, default=int(os.environ.get("PG_PORT", "54329")))
    args = parser.parse_args()

    cluster = Cluster(root=ROOT / "var" / "pg", port=args.pg_port)
    running = (cluster.data / "postmaster.pid").exists()
    if not running:
        cluster.start()
    env = dict(os.environ, COMPLAINTFLOW_DATABASE_URL=cluster.create_database("complaintflow"),
               COMPLAINTFLOW_EMBEDDED_WORKER="0")
    cf = [sys.executable, "-m", "runtime.cli"]
    for step in (["db", "upgrade"], ["deploy", "--keep-console"], ["demo-data"]):
        subprocess.run(cf + step, env=env, check=True, cwd=ROOT)
    children = [subprocess.Popen(cf + ["worker", "--health-port", str(args.port + 100 + i)], env=env, cwd=ROOT)
                for i in range(args.workers)]
    children.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(args.web), "-b",
                                      f"{args.host}:{args.port}", "--graceful-timeout", "20", "web.wsgi:app"],
                                     env=env, cwd=ROOT))
    print(f"complaintflow on http://{args.host}:{args.port}/ ({args.web} web processes, {args.workers} workers; "
          f"worker health on ports {args.port + 100}..{args.port + 99 + args.workers}); Ctrl+C stops", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        for child in children:
            child.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop_all(children)
        if not running:
            cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
