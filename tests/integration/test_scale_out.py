"""The scaled-out set-up: several gunicorn web processes and several workers on one PostgreSQL
database, configured only through environment variables, each with a health endpoint."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest

from runtime import clock, services
from runtime.read import health
from runtime.store.models import InstanceStatus
from runtime.services.users import create_user
from tests.conftest import FRONT_DESK, free_port
from tests.helpers import instance, login
from tools.run_pg import stop_all

pytestmark = pytest.mark.postgres_only


def get(url: str, opener=None) -> tuple[int, str]:
    try:
        with (opener or urllib.request.build_opener()).open(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def wait_until_up(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if get(url)[0] in (200, 503):
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def until_ok(url: str, timeout: float = 30.0) -> tuple[int, str]:
    """A worker answers 503 until its first sweep is done (daily checks included): wait for that sweep."""
    deadline = time.monotonic() + timeout
    answer = get(url)
    while answer[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
        answer = get(url)
    return answer


@pytest.fixture
def cluster(rt, worker_processes, db_url, tmp_path):
    """Two gunicorn web processes and two workers, as `make run-pg` starts them."""
    env = dict(os.environ, COMPLAINTFLOW_DATABASE_URL=db_url, COMPLAINTFLOW_VAR_DIR=str(tmp_path),
               COMPLAINTFLOW_SECRET_KEY="shared-by-every-web-process", COMPLAINTFLOW_EMBEDDED_WORKER="0")
    web_port, health_ports = free_port(), [free_port(), free_port()]
    procs = []
    with open(tmp_path / "processes.log", "w") as log:
        procs.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{web_port}",
                                       "web.wsgi:app"], env=env, stdout=log, stderr=subprocess.STDOUT))
        procs += [subprocess.Popen([sys.executable, "-m", "runtime.cli", "worker", "--poll", "0.2",
                                    "--health-port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
                  for port in health_ports]
    try:
        wait_until_up(f"http://127.0.0.1:{web_port}/healthz")
        for port in health_ports:
            wait_until_up(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{web_port}", [f"http://127.0.0.1:{p}" for p in health_ports], procs
    finally:
        stop_all(procs)


def test_web_processes_and_workers_share_one_database(rt, cluster):
    web, workers, procs = cluster
    answer = json.loads(get(f"{web}/healthz")[1])
    assert (answer["status"], answer["database"], answer["calendar"]["exact_until"]) == ("ok", "ok", "2026-12-31")
    assert workers
    for url in workers:
        status, body = until_ok(f"{url}/healthz")
        assert status == 200 and json.loads(body)["status"] == "ok"
        assert get(f"{url}/other")[0] == 404

    deadline = time.monotonic() + 15
    while json.loads(get(f"{web}/healthz/workers")[1])["alive"] < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    status, body = get(f"{web}/healthz/workers")
    assert status == 200 and json.loads(body)["alive"] == 2

    # a signed-in session keeps working whichever web process answers
    create_user(rt, "wang", "password-123", ["front_desk"])
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', get(f"{web}/login", opener)[1]).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "username": "wang", "password": "password-123"}).encode()
    with opener.open(f"{web}/login", data=form, timeout=5) as response:
        assert response.status == 200 and "wang · 客服前台" in response.read().decode()
    for _ in range(6):
        status, page = get(f"{web}/", opener)
        assert status == 200 and "wang · 客服前台" in page

    # a timer started from elsewhere is fired by one of the workers
    services.start_instance(rt, FRONT_DESK, "load_timer", {"delay": 0.01}, business_key="L-1")
    deadline = time.monotonic() + 15
    while instance(rt, "L-1").status != InstanceStatus.COMPLETED and time.monotonic() < deadline:
        time.sleep(0.1)
    assert instance(rt, "L-1").status == InstanceStatus.COMPLETED

    assert stop_all(procs) == [0, 0, 0]
    assert [w["state"] for w in health.workers(rt)] == ["stopped", "stopped"]


def test_web_health_says_so_when_no_worker_runs(rt, settings):
    from web import create_app
    client = create_app(runtime=rt, config={"TESTING": True}).test_client()
    response = client.get("/healthz/workers")
    assert response.status_code == 503 and response.get_json() == {"status": "no_worker", "alive": 0, "workers": []}
    from runtime.worker import Worker
    Worker(rt, name="w1").heartbeat("running")
    [seen] = client.get("/healthz/workers").get_json()["workers"]
    assert seen["alive"] and seen["state"] == "running" and "name" not in seen  # no host names for anyone
    create_user(rt, "root", "password-123", ["admin"])
    login(client, "root")
    assert [w["name"] for w in client.get("/healthz/workers").get_json()["workers"]] == ["w1"]  # but the admin
    clock.freeze(clock.now() + timedelta(minutes=2))  # a worker that went silent is not counted
    assert client.get("/healthz/workers").status_code == 503
