"""Settings come from COMPLAINTFLOW_* variables, with safe embedded defaults."""
from __future__ import annotations

import pytest

from runtime.config import load_settings
from runtime.errors import ConfigurationError


def test_defaults_give_the_embedded_set_up_with_a_kept_secret(monkeypatch, tmp_path):
    for name in ("COMPLAINTFLOW_DATABASE_URL", "COMPLAINTFLOW_SECRET_KEY", "COMPLAINTFLOW_PROCESSES_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COMPLAINTFLOW_VAR_DIR", str(tmp_path))
    first = load_settings()
    assert first.database_url == f"sqlite:///{tmp_path / 'complaintflow.db'}"
    assert len(first.secret_key) == 64 and (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert load_settings().secret_key == first.secret_key  # sessions survive a restart
    assert first.processes_dir.name == "processes" and first.embedded_worker


def test_environment_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("COMPLAINTFLOW_DATABASE_URL", "postgresql+psycopg://cf@db/cf")
    monkeypatch.setenv("COMPLAINTFLOW_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("COMPLAINTFLOW_PROCESSES_DIR", str(tmp_path))
    monkeypatch.setenv("COMPLAINTFLOW_WORKER_POLL_SECONDS", "0.2")
    monkeypatch.setenv("COMPLAINTFLOW_EMBEDDED_WORKER", "0")
    settings = load_settings()
    assert (settings.database_url, settings.secret_key, settings.processes_dir) == (
        "postgresql+psycopg://cf@db/cf", "k" * 40, tmp_path)
    assert settings.worker_poll_seconds == 0.2 and not settings.embedded_worker


def test_a_bad_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("COMPLAINTFLOW_WORKER_POLL_SECONDS", "soon")
    with pytest.raises(ConfigurationError, match="COMPLAINTFLOW_WORKER_POLL_SECONDS must be a number"):
        load_settings()
