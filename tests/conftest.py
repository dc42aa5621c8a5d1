"""Shared fixtures: a runtime on a real SQLite file or a real PostgreSQL database, per test.

Each test gets a fresh database cloned from a migrated template (a file copy for SQLite,
``CREATE DATABASE ... TEMPLATE`` for PostgreSQL), so tests can commit, race and read freely.
"""
from __future__ import annotations

import itertools
from contextlib import contextmanager
import os
import shutil
from pathlib import Path

import pytest

# every state the suite saves is also dumped by SpiffWorkflow's own converters and must be the same
# (runtime/engine/serializer.py SettledTaskConverter); web and worker processes the tests start inherit it
os.environ["COMPLAINTFLOW_CHECK_DUMPS"] = "1"

import handlers  # noqa: E402
from sqlalchemy import create_engine, text

from runtime import clock
from runtime.actors import Actor
from runtime.bootstrap import bootstrap
from runtime.config import PROJECT_ROOT, Settings
from runtime.store.db import make_engine
from runtime.services.deployment import deploy
from runtime.store.packages import read_directory
from runtime.store.migrate import upgrade
from tools.pg_cluster import Cluster
from tests.s3_server import s3_server  # noqa: F401 - one S3-compatible server for the whole suite

FIXTURES = Path(__file__).parent / "fixtures"
ROOT_DIR = PROJECT_ROOT
BACKENDS = ["sqlite", "postgresql"]
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_cluster():
    url = os.environ.get("COMPLAINTFLOW_TEST_PG_URL")
    if url:
        yield url
        return
    cluster = Cluster().start()
    try:
        yield cluster.url()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster):
    admin = create_engine(pg_cluster, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS cf_template"))
        conn.execute(text("CREATE DATABASE cf_template"))
    engine = make_engine(pg_cluster.rsplit("/", 1)[0] + "/cf_template")
    upgrade(engine)
    engine.dispose()
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@contextmanager
def pg_database(admin, template: str | None = None):
    """A new PostgreSQL database (a copy of ``template`` if given), dropped afterwards; yields its URL."""
    name = f"cf_test_{os.getpid()}_{next(_counter)}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")))
    try:
        yield str(admin.url.set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path):
    """A fresh, migrated database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "complaintflow.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    with pg_database(request.getfixturevalue("pg_template"), template="cf_template") as url:
        yield url


@pytest.fixture
def settings(db_url, tmp_path) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret", processes_dir=PROJECT_ROOT / "processes",
                    var_dir=tmp_path, worker_poll_seconds=0.05, embedded_worker=False)


@pytest.fixture
def rt(settings):
    runtime = bootstrap(settings)
    yield runtime
    runtime.close()


@pytest.fixture(autouse=True)
def _real_clock_after_test():
    yield
    clock.unfreeze()


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing():
    """Argon2 at its cheapest in this test process only (production cost made the role matrix 60 % slower)."""
    from argon2 import PasswordHasher, profiles

    from runtime.services import users
    production, users._hasher = users._hasher, PasswordHasher.from_parameters(profiles.CHEAPEST)
    yield
    users._hasher = production


@pytest.fixture
def basic(rt):
    """The small test process (script, service, form, timers, signal) deployed."""
    return deploy(rt, read_directory(FIXTURES / "basic"), "tester", "fixtures/basic")


FRONT_DESK = Actor("wang", frozenset({"front_desk"}))
ENGINEER = Actor("li", frozenset({"department"}), "engineering")
SECURITY = Actor("zhao", frozenset({"department"}), "security")
ADMIN = Actor("root", frozenset({"admin"}))


class PartnerSystem:
    """Stands in for an outside system a service task calls (a fake at the edge, not our stack)."""

    def __init__(self) -> None:
        self.down = False
        self.broken_for: set[str] = set()
        self.calls: list[str] = []

    def __call__(self, department: str = "") -> dict:
        self.calls.append(department)
        if self.down or department in self.broken_for:
            raise ConnectionError("partner system unreachable")
        return {"ok": True, "department": department}


PARTNER = PartnerSystem()
handlers.registry.service("test.partner_system")(PARTNER)


@pytest.fixture
def partner():
    PARTNER.down, PARTNER.calls, PARTNER.broken_for = False, [], set()
    yield PARTNER
    PARTNER.down, PARTNER.broken_for = False, set()


class MailSink:
    """What a real SMTP server (aiosmtpd, started per test on a free port) received."""

    def __init__(self) -> None:
        self.messages: list = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's handler API)
        from email import message_from_bytes
        from email.policy import default
        self.messages.append(message_from_bytes(envelope.content, policy=default))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]

    def subjects(self, address: str | None = None) -> list[str]:
        return [str(m["Subject"]) for m in self.messages if address is None or m["To"] == address]


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    sink = MailSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres_only`` (row locks, several processes) run on PostgreSQL only, those marked
    ``sqlite_only`` (a page's role check, decided in Python) on SQLite only."""
    keep, dropped = [], []
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("db_url")
        other = {"sqlite": "postgres_only", "postgresql": "sqlite_only"}.get(backend)
        (dropped if other and item.get_closest_marker(other) else keep).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


@pytest.fixture
def worker_processes(rt):
    """The processes the worker tests use (timer-only load, a user action racing a timer), deployed."""
    return deploy(rt, read_directory(FIXTURES / "workers"), "tester", "fixtures/workers")
