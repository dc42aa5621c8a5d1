"""A timer written by an action of this process wakes the worker sleeping beside it (the embedded worker
of `complaintflow serve`): a one-second timer fires after about a second, not when a long poll interval
would have ended."""
from __future__ import annotations

import threading
import time

from runtime import services
from runtime.services.deployment import deploy
from runtime.worker.sweep import Worker
from tests import bpmn_builder as b
from tests.conftest import FRONT_DESK
from tests.helpers import timers

POLL = 30.0  # seconds: the worker's longest sleep in this test


def test_a_timer_written_while_the_worker_sleeps_fires_on_time(rt):
    deploy(rt, {"p.bpmn": b.boundary_timer('"PT1S"')}, "tester", "test")
    worker, stop = Worker(rt), threading.Event()
    sleeping = threading.Thread(target=worker.run_forever, args=(stop, POLL), daemon=True)
    sleeping.start()
    try:
        deadline = time.monotonic() + 10
        while worker.last_sweep_at is None and time.monotonic() < deadline:
            time.sleep(0.02)  # its first sweep found nothing: it sleeps for the whole poll interval
        time.sleep(0.2)
        started = time.monotonic()
        services.start_instance(rt, FRONT_DESK, "p", {}, business_key="WAKE-1")
        assert timers(rt, "WAKE-1")  # waiting, due in a second
        while timers(rt, "WAKE-1") and time.monotonic() - started < 8:
            time.sleep(0.05)
        fired_after = time.monotonic() - started
        assert timers(rt, "WAKE-1") == [] and 0.9 <= fired_after < 5, fired_after  # not POLL seconds later
    finally:
        stop.set()
        sleeping.join(5)
    assert not sleeping.is_alive()  # and it still stops at once
