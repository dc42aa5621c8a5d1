"""A worker process of its own on PostgreSQL (``complaintflow worker``, not the embedded one) hears of a
timer another process wrote: the commit NOTIFYs, the sleeping worker LISTENs, so a one-second timer fires
after about a second although the worker's poll interval is half a minute."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from runtime import services
from runtime.services.deployment import deploy
from runtime.store.models import WorkerHeartbeat
from tests import bpmn_builder as b
from tests.conftest import FRONT_DESK
from tests.helpers import timers

pytestmark = pytest.mark.postgres_only
POLL = "30"  # seconds: the longest the worker sleeps when nobody wakes it


def started_worker(db_url, tmp_path) -> subprocess.Popen:
    env = dict(os.environ, COMPLAINTFLOW_DATABASE_URL=db_url, COMPLAINTFLOW_VAR_DIR=str(tmp_path),
               COMPLAINTFLOW_SECRET_KEY="test", COMPLAINTFLOW_WORKER_POLL_SECONDS=POLL)
    with open(tmp_path / "worker.log", "w") as log:
        return subprocess.Popen([sys.executable, "-m", "runtime.cli", "worker"], env=env, stdout=log,
                                stderr=subprocess.STDOUT)


def asleep(rt, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Until the worker has swept once (its heartbeat) and so lies in its long sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with rt.db.reader() as s:
            if s.scalar(select(WorkerHeartbeat.name).where(WorkerHeartbeat.name.contains(f":{proc.pid}:"))):
                time.sleep(0.5)
                return
        time.sleep(0.1)
    raise AssertionError("the worker process did not start")


def fired_after(rt, key: str, started: float, limit: float = 10.0) -> float:
    while timers(rt, key) and time.monotonic() - started < limit:
        time.sleep(0.05)
    assert timers(rt, key) == [], f"{key}: its timer had not fired after {limit} s"
    return time.monotonic() - started


def test_a_timer_written_by_another_process_wakes_the_worker(rt, db_url, tmp_path):
    deploy(rt, {"p.bpmn": b.boundary_timer('"PT1S"')}, "tester", "test")
    proc = started_worker(db_url, tmp_path)
    try:
        asleep(rt, proc)
        for key in ("NOTIFY-1", "NOTIFY-2"):  # the second proves the worker listens again after a wake-up
            started = time.monotonic()
            services.start_instance(rt, FRONT_DESK, "p", {}, business_key=key)
            assert timers(rt, key)  # waiting, due in a second
            assert 0.9 <= fired_after(rt, key, started) < 5  # not 30 s later
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert proc.returncode == 0, (tmp_path / "worker.log").read_text()  # and it still stops cleanly on SIGTERM
