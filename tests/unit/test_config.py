"""Settings come from COMPLAINTFLOW_* variables, with safe embedded defaults."""
from __future__ import annotations

import gc

import pytest

from runtime.bootstrap import bootstrap

from runtime.config import load_settings, s3_location
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


def test_the_collector_waits_for_more_new_objects_unless_told_otherwise(monkeypatch, tmp_path):
    """A process collects its youngest objects after 10,000 new ones and considers a full collection after
    50 middle ones (Python's 700 and 10 paused requests for a full collection every ~80 complaints); an
    operator can set another number or keep Python's."""
    before = gc.get_threshold()
    monkeypatch.setenv("COMPLAINTFLOW_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("COMPLAINTFLOW_DATABASE_URL", f"sqlite:///{tmp_path / 'cf.db'}")
    try:
        monkeypatch.delenv("COMPLAINTFLOW_GC_YOUNG_OBJECTS", raising=False)
        bootstrap(load_settings()).close()
        assert gc.get_threshold() == (10_000, before[1], 50)
        monkeypatch.setenv("COMPLAINTFLOW_GC_YOUNG_OBJECTS", "25000")
        bootstrap(load_settings()).close()
        assert gc.get_threshold()[0] == 25_000
        gc.set_threshold(700, 10, 10)
        monkeypatch.setenv("COMPLAINTFLOW_GC_YOUNG_OBJECTS", "0")
        bootstrap(load_settings()).close()
        assert gc.get_threshold() == (700, 10, 10)
        monkeypatch.setenv("COMPLAINTFLOW_GC_YOUNG_OBJECTS", "lots")
        with pytest.raises(ConfigurationError, match="COMPLAINTFLOW_GC_YOUNG_OBJECTS must be a number, got 'lots'"):
            load_settings()
    finally:
        gc.set_threshold(*before)


def test_a_bad_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("COMPLAINTFLOW_WORKER_POLL_SECONDS", "soon")
    with pytest.raises(ConfigurationError, match="COMPLAINTFLOW_WORKER_POLL_SECONDS must be a number"):
        load_settings()


def test_worker_retry_and_mail_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("COMPLAINTFLOW_RETRY_ATTEMPTS", "5")
    monkeypatch.setenv("COMPLAINTFLOW_RETRY_BACKOFF_SECONDS", "10")
    monkeypatch.setenv("COMPLAINTFLOW_SMTP_HOST", "mail.example.test")
    monkeypatch.setenv("COMPLAINTFLOW_SMTP_PORT", "587")
    monkeypatch.setenv("COMPLAINTFLOW_SMTP_STARTTLS", "yes")
    monkeypatch.setenv("COMPLAINTFLOW_MAIL_FROM", "complaints@example.test")
    monkeypatch.setenv("COMPLAINTFLOW_BASE_URL", "https://cf.example.test/")
    s = load_settings()
    assert (s.retry_attempts, s.smtp_host, s.smtp_port, s.smtp_starttls) == (5, "mail.example.test", 587, True)
    assert (s.mail_from, s.base_url) == ("complaints@example.test", "https://cf.example.test")
    assert [s.retry_delay(n) for n in (1, 2, 3)] == [10, 20, 40]  # doubling
    assert s.retry_delay(20) == 3600  # never more than an hour


def test_mail_is_off_unless_a_server_is_named_and_bad_ports_are_refused(monkeypatch):
    monkeypatch.delenv("COMPLAINTFLOW_SMTP_HOST", raising=False)
    assert load_settings().smtp_host is None
    monkeypatch.setenv("COMPLAINTFLOW_SMTP_PORT", "25.5")
    with pytest.raises(ConfigurationError, match="COMPLAINTFLOW_SMTP_PORT must be a whole number"):
        load_settings()


ATTACHMENT_VARIABLES = ("COMPLAINTFLOW_BLOB_STORE", "COMPLAINTFLOW_S3_ENDPOINT_URL", "COMPLAINTFLOW_S3_REGION",
                        "COMPLAINTFLOW_MAX_ATTACHMENT_BYTES")


def test_attachments_are_kept_under_var_by_default_and_in_s3_when_named(monkeypatch):
    for name in ATTACHMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    s = load_settings()
    assert (s.blob_store, s.s3_endpoint_url, s.s3_region, s.max_attachment_bytes) == ("", None, "us-east-1", 20 << 20)
    monkeypatch.setenv("COMPLAINTFLOW_BLOB_STORE", "s3://cf-attachments/prod/complaints/")
    monkeypatch.setenv("COMPLAINTFLOW_S3_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("COMPLAINTFLOW_S3_REGION", "cn-north-1")
    monkeypatch.setenv("COMPLAINTFLOW_MAX_ATTACHMENT_BYTES", "5242880")
    s = load_settings()
    assert (s.blob_store, s.s3_endpoint_url, s.s3_region, s.max_attachment_bytes) == (
        "s3://cf-attachments/prod/complaints/", "http://127.0.0.1:9000", "cn-north-1", 5 << 20)
    assert s3_location(s.blob_store) == ("cf-attachments", "prod/complaints/")
    assert s3_location("s3://cf-attachments") == ("cf-attachments", "")


@pytest.mark.parametrize(("name", "value", "message"), [
    ("COMPLAINTFLOW_BLOB_STORE", "/srv/blobs", "COMPLAINTFLOW_BLOB_STORE must be empty .* or s3://bucket/prefix"),
    ("COMPLAINTFLOW_BLOB_STORE", "s3://", "COMPLAINTFLOW_BLOB_STORE must be empty"),
    ("COMPLAINTFLOW_BLOB_STORE", "s3://My_Bucket/x", "with a valid bucket name, got 's3://My_Bucket/x'"),
    ("COMPLAINTFLOW_S3_ENDPOINT_URL", "minio:9000", "COMPLAINTFLOW_S3_ENDPOINT_URL must be an http:// or https:// URL"),
    ("COMPLAINTFLOW_S3_REGION", "US East", "COMPLAINTFLOW_S3_REGION must be a region name such as us-east-1"),
    ("COMPLAINTFLOW_MAX_ATTACHMENT_BYTES", "20MB", "COMPLAINTFLOW_MAX_ATTACHMENT_BYTES must be a number"),
    ("COMPLAINTFLOW_MAX_ATTACHMENT_BYTES", "1.5", "COMPLAINTFLOW_MAX_ATTACHMENT_BYTES must be a whole number"),
    ("COMPLAINTFLOW_MAX_ATTACHMENT_BYTES", "0", "COMPLAINTFLOW_MAX_ATTACHMENT_BYTES must be at least 1, got '0'"),
])
def test_a_bad_attachment_setting_is_refused_at_start_up_naming_the_variable(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        load_settings()
