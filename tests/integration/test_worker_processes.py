"""Several worker processes on one PostgreSQL database: every due timer fires exactly once, also
when a worker is killed mid-batch; SIGTERM stops a worker cleanly; a timer due while a user action
holds the instance fires after it, on the state the user committed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from runtime import clock, services, worker
from runtime.store.models import AuditEvent, HumanTask, InstanceStatus, Notification, ProcessInstance, WorkerHeartbeat
from runtime.services.users import create_user
from tests.conftest import FRONT_DESK
from tests.helpers import audit, task
from tools.run_pg import stop_all

pytestmark = pytest.mark.postgres_only
TIMERS = 2000


def start_due_timers(rt, n: int) -> None:
    """``n`` instances whose timer fell due half an hour ago (started an hour ago, 30-minute wait)."""
    clock.freeze(clock.now() - timedelta(hours=1))

    def start(i):
        services.start_instance(rt, FRONT_DESK, "load_timer", {"delay": 30}, business_key=f"L-{i:05d}")

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(start, range(n)))
    clock.unfreeze()


def spawn_workers(db_url, tmp_path, count: int) -> list[subprocess.Popen]:
    env = dict(os.environ, COMPLAINTFLOW_DATABASE_URL=db_url, COMPLAINTFLOW_VAR_DIR=str(tmp_path),
               COMPLAINTFLOW_SECRET_KEY="test")
    workers = []
    for i in range(count):
        with open(tmp_path / f"worker-{i}.log", "w") as log:  # the child keeps its own descriptor
            workers.append(subprocess.Popen([sys.executable, "-m", "runtime.cli", "worker", "--poll", "0.2"],
                                            env=env, stdout=log, stderr=subprocess.STDOUT))
    return workers


def completed(rt) -> int:
    with rt.db.reader() as s:
        return s.scalar(select(func.count()).where(ProcessInstance.status == InstanceStatus.COMPLETED))


def wait_for(condition, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the workers")
        time.sleep(0.1)


def fire_counts(rt) -> list[int]:
    """How often each instance's timer fired (one audit event per firing)."""
    with rt.db.reader() as s:
        return list(s.scalars(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "timers_fired")
                              .group_by(AuditEvent.instance_id)))


def test_three_workers_fire_two_thousand_due_timers_exactly_once(rt, worker_processes, db_url, tmp_path):
    start_due_timers(rt, TIMERS)
    assert completed(rt) == 0
    workers = spawn_workers(db_url, tmp_path, 3)
    try:
        wait_for(lambda: completed(rt) == TIMERS)
    finally:
        codes = stop_all(workers)
    counts = fire_counts(rt)
    assert len(counts) == TIMERS and set(counts) == {1}
    assert codes == [0, 0, 0]  # SIGTERM: each finished its sweep and exited cleanly
    with rt.db.reader() as s:
        beats = s.execute(select(WorkerHeartbeat.state, WorkerHeartbeat.fired)).all()
    assert [state for state, _ in beats] == ["stopped"] * 3
    assert sum(fired for _, fired in beats) == TIMERS  # no instance was counted by two workers
    for i in range(3):
        log = (tmp_path / f"worker-{i}.log").read_text()
        assert "stopped" in log and "Traceback" not in log


def test_a_worker_killed_mid_batch_loses_nothing_and_fires_nothing_twice(rt, worker_processes, db_url, tmp_path):
    start_due_timers(rt, TIMERS)
    workers = spawn_workers(db_url, tmp_path, 3)
    try:
        wait_for(lambda: completed(rt) >= TIMERS // 5)
        workers[0].send_signal(signal.SIGKILL)  # no chance to finish its transaction
        assert workers[0].wait(timeout=10) == -signal.SIGKILL
        wait_for(lambda: completed(rt) == TIMERS)
    finally:
        stop_all(workers)
    counts = fire_counts(rt)
    assert len(counts) == TIMERS and set(counts) == {1}
    with rt.db.reader() as s:
        assert s.scalar(select(func.count()).where(ProcessInstance.status != InstanceStatus.COMPLETED)) == 0


def test_a_timer_due_during_a_user_action_fires_after_it_on_the_new_state(rt, worker_processes):
    create_user(rt, "wang", "password-123", ["front_desk"])
    clock.freeze(clock.now())
    services.start_instance(rt, FRONT_DESK, "race", {}, business_key="R-1")
    answer = task(rt, "R-1", "answer")
    clock.advance(timedelta(minutes=9))
    blocker = rt.db.engine.connect()  # someone else holds the task row: the claim will wait on it...
    blocker.execute(select(HumanTask).where(HumanTask.id == answer.id).with_for_update())
    claim = threading.Thread(target=services.claim_task, args=(rt, FRONT_DESK, answer.id))
    sweeper, stop_worker = worker.Worker(rt), threading.Event()
    sweeping = threading.Thread(target=sweeper.run_forever, args=(stop_worker, 0.05))
    claim.start()
    try:
        wait_for(lambda: waiting_on_locks(rt) == 1, timeout=10)  # ...holding the instance lock meanwhile
        clock.advance(timedelta(minutes=2))  # the 10-minute deadline passes during the user's action
        sweeping.start()
        wait_for(lambda: sweeper.last_sweep_at is not None, timeout=10)
        time.sleep(0.3)  # several sweeps: none waits on the user, none fires on the old state
        assert sweeper.fired == 0 and [e.action for e in audit(rt, "R-1")] == ["started"]
        blocker.rollback()
        claim.join(10)
        wait_for(lambda: sweeper.fired == 1, timeout=10)
    finally:
        blocker.close()
        stop_worker.set()
        claim.join(10)
        if sweeping.is_alive():
            sweeping.join(10)
    assert [e.action for e in audit(rt, "R-1")] == ["started", "claimed", "timers_fired"]
    with rt.db.reader() as s:
        [breach] = s.scalars(select(Notification).where(Notification.kind == "breach")).all()
    assert breach.recipient == "wang"  # the deadline went to the task's holder: the state after the claim


def waiting_on_locks(rt) -> int:
    with rt.db.reader() as s:
        return s.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                             "AND datname = current_database()"))
