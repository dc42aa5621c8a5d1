"""The ``complaintflow`` command, run as a real process against a real database."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import func, inspect, select

from runtime.store.db import make_engine
from runtime.store.models import AuditEvent, CaseArchive, ProcessInstance, User
from tests.conftest import ROOT_DIR, pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db_url(request, tmp_path):
    """A database with no tables at all, on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with pg_database(request.getfixturevalue("pg_template")) as url:
        yield url


@pytest.fixture
def cli(empty_db_url, tmp_path):
    env = {**os.environ, "COMPLAINTFLOW_DATABASE_URL": empty_db_url, "COMPLAINTFLOW_VAR_DIR": str(tmp_path)}

    def run(*args, expect=0):
        result = subprocess.run([sys.executable, "-m", "runtime.cli", *args], cwd=ROOT_DIR, env=env,
                                capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == expect, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        return result.stdout + result.stderr
    run.url = empty_db_url
    return run


def scalar(url, query):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(query).scalar()
    finally:
        engine.dispose()


def test_set_up_from_nothing_and_run_twice_without_duplicates(cli):
    assert "database is up to date" in cli("db", "upgrade")
    engine = make_engine(cli.url)
    assert {"process_instance", "human_task", "timer", "audit_event"} <= set(inspect(engine).get_table_names())
    engine.dispose()
    assert "deployed: complaint v1, complaint_closing v1, complaint_collective v1, complaint_crisis v1, " \
           "complaint_major v1, complaint_normal v1, shift_review v1" in cli("deploy")
    assert "unchanged, nothing deployed" in cli("deploy")
    first = cli("demo-data")
    assert "passwords are shown only this once" in first and "frontdesk" in first
    second = cli("demo-data")
    assert "already exist" in second and "frontdesk " not in second
    assert scalar(cli.url, select(func.count()).select_from(User)) == 13
    assert scalar(cli.url, select(User.email).where(User.username == "frontdesk")) == "frontdesk@example.com"
    assert scalar(cli.url, select(func.count()).select_from(User).where(User.email.is_(None))) == 0
    assert scalar(cli.url, select(func.count()).select_from(ProcessInstance)) == 7
    assert "fired timers of 0 instance(s)" in cli("worker", "--once")
    # the closed sample's case file was archived by that sweep, the rest are open
    assert scalar(cli.url, select(CaseArchive.status).where(CaseArchive.business_key == "DEMO-0007")) == "ready"


def test_bad_deploy_and_bad_user_input_give_one_clear_line(cli, tmp_path):
    cli("db", "upgrade")
    bad = tmp_path / "bad.bpmn"
    bad.write_bytes(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    out = cli("deploy", str(bad), expect=1)
    assert "error: The process files were refused" in out and "bad.bpmn: a DOCTYPE declaration" in out
    assert "unknown roles: janitor" in cli("users", "create", "li", "--role", "janitor", expect=1)


def test_users_create_list_and_roles(cli):
    cli("db", "upgrade")
    out = cli("users", "create", "li", "--role", "department", "--department", "engineering", "--name", "李强")
    assert out.startswith("created li with password ")
    cli("users", "create", "chen", "--role", "cs_manager", "--role", "duty_manager", "--password", "s3cret-pass")
    listing = cli("users", "list")
    assert "li " in listing and "engineering" in listing and "cs_manager,duty_manager" in listing
    assert "already exists" in cli("users", "create", "li", "--role", "department", expect=1)
    roles = cli("users", "roles")
    assert "front_desk" in roles and "客服前台" in roles and "site_manager" in roles


def test_api_tokens_are_shown_once_and_can_be_revoked(cli):
    cli("db", "upgrade")
    cli("users", "create", "hotline", "--role", "front_desk", "--password", "s3cret-pass")
    token = cli("tokens", "create", "hotline", "--name", "hotline integration").strip().splitlines()[-1]
    assert token.startswith("cft_") and len(token) > 40
    assert "no active user nobody" in cli("tokens", "create", "nobody", "--name", "x", expect=1)
    assert f"revoked {token[:12]}" in cli("tokens", "revoke", token[:12])
    assert "no active API token" in cli("tokens", "revoke", token[:12], expect=1)


def test_accounts_are_disabled_enabled_given_roles_and_new_passwords(cli):
    cli("db", "upgrade")
    cli("users", "create", "li", "--role", "department", "--department", "engineering", "--password", "old-pass-1",
        "--email", "li@example.com")
    assert "li@example.com" in cli("users", "list")
    assert "disabled li" in cli("users", "disable", "li")
    assert "li was already disabled" in cli("users", "disable", "li")
    assert "(disabled)" in cli("users", "list")
    assert scalar(cli.url, select(User.active).where(User.username == "li")) is False
    assert "no active user li" in cli("tokens", "create", "li", "--name", "x", expect=1)
    assert "enabled li" in cli("users", "enable", "li")
    assert "(disabled)" not in cli("users", "list")
    assert "li now has the roles cs_manager,department" in cli("users", "roles", "set", "li", "--role", "department",
                                                                "--role", "cs_manager")
    assert "department,cs_manager" not in cli("users", "list") and "cs_manager,department" in cli("users", "list")
    assert "unknown roles: janitor" in cli("users", "roles", "set", "li", "--role", "janitor", expect=1)
    assert "no user nobody" in cli("users", "roles", "set", "nobody", "--role", "quality", expect=1)
    assert "front_desk" in cli("users", "roles")  # the list of roles is still there
    before = scalar(cli.url, select(User.password_hash).where(User.username == "li"))
    generated = cli("users", "reset-password", "li").strip().splitlines()[-1]
    assert generated.startswith("new password for li: ") and len(generated.split(": ")[1]) >= 8
    assert scalar(cli.url, select(User.password_hash).where(User.username == "li")) != before
    assert cli("users", "reset-password", "li", "--password", "new-pass-22").strip().endswith("new password for li")
    assert "at least 8 characters" in cli("users", "reset-password", "li", "--password", "short", expect=1)
    assert "no user nobody" in cli("users", "reset-password", "nobody", expect=1)
    actions = scalar(cli.url, select(func.count()).select_from(AuditEvent)
                     .where(AuditEvent.action.in_(["user_disabled", "user_enabled", "user_roles_set",
                                                   "password_reset"])))
    assert actions == 5  # disabled, enabled, roles set, two resets: refusals and repeats write nothing


def test_api_tokens_are_listed_by_prefix_only(cli):
    cli("db", "upgrade")
    cli("users", "create", "hotline", "--role", "front_desk", "--password", "s3cret-pass")
    first = cli("tokens", "create", "hotline", "--name", "hotline integration").strip().splitlines()[-1]
    second = cli("tokens", "create", "hotline", "--name", "wechat bridge").strip().splitlines()[-1]
    listing = cli("tokens", "list")
    assert first[:12] in listing and second[:12] in listing and "hotline integration" in listing
    assert first not in listing and second not in listing and "never used" in listing
    cli("tokens", "revoke", first[:12])
    assert first[:12] not in cli("tokens", "list") and second[:12] in cli("tokens", "list")
    everything = cli("tokens", "list", "--all")
    assert first[:12] in everything and "revoked" in everything


def test_deploy_takes_explicit_files(cli):
    cli("db", "upgrade")
    processes = ROOT_DIR / "processes"
    files = [processes / "complaint_normal.bpmn", *sorted((processes / "forms").glob("*.json"))]
    assert "complaint_normal v1" in cli("deploy", *map(str, files))
    out = cli("deploy", str(processes / "complaint_normal.bpmn"), expect=1)
    assert "form file 'first_reply.schema.json' is not part of the deployment" in out


def test_serve_answers_over_http_and_stops_cleanly_on_sigint(cli, empty_db_url, tmp_path):
    import re
    import signal
    import socket
    import time
    import urllib.request

    cli("db", "upgrade")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "COMPLAINTFLOW_DATABASE_URL": empty_db_url, "COMPLAINTFLOW_VAR_DIR": str(tmp_path)}
    server = subprocess.Popen([sys.executable, "-m", "runtime.cli", "serve", "--port", str(port)], cwd=ROOT_DIR,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, server.stdout.read()
                time.sleep(0.2)
        assert b'"status":"ok"' in health.replace(b" ", b"")
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5).read().decode()
        assert "csrf_token" in page and "登录" in page
    finally:
        server.send_signal(signal.SIGINT)
        output = server.communicate(timeout=20)[0]
    assert server.returncode in (0, -signal.SIGINT, 130) and "Traceback" not in output
    assert re.search(r"worker \S+ started", output) and re.search(r"worker \S+ stopped", output)
