"""Settings, read once from ``COMPLAINTFLOW_*`` environment variables.

Defaults give the embedded set-up: an SQLite file under ./var, the bundled processes/, and a
secret key generated on first use and kept in ./var so sessions survive a restart.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from runtime.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    processes_dir: Path
    var_dir: Path
    calendar_file: Path | None = None  # default: <processes_dir>/business_calendar.toml
    timezone: str = "Asia/Shanghai"
    worker_poll_seconds: float = 0.5
    embedded_worker: bool = True
    retry_attempts: int = 3           # attempts of a failing step before it waits for an administrator
    retry_backoff_seconds: float = 30.0  # first wait between attempts; doubles each time
    smtp_host: str | None = None      # None: notifications stay in the app, no e-mail
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False       # upgrade the connection with STARTTLS (certificate and host verified)
    smtp_tls: bool = False            # implicit TLS from the first byte (port 465)
    smtp_ca_file: Path | None = None  # CA bundle to verify the server with, instead of the system's
    smtp_plain_login: bool = False    # allow sending the password over an unencrypted connection
    mail_from: str = "complaintflow@localhost"
    base_url: str = "http://localhost:8000"  # for links in e-mails
    secure_cookies: bool = False  # set when served over HTTPS: the session cookie is sent over HTTPS only
    max_upload_bytes: int = 64 * 1024 * 1024  # the largest request body (process files; several attachments)
    blob_store: str = ""  # where attachments' bytes live: "" a folder under var_dir, "s3://bucket/prefix" S3
    s3_endpoint_url: str | None = None  # None: AWS itself; else an S3-compatible server (MinIO, Ceph, ...)
    s3_region: str = "us-east-1"
    max_attachment_bytes: int = 20 * 1024 * 1024  # the largest single attachment
    chart_max_days: int = 366      # the longest range the dashboard's charts draw, in days
    event_log_max_days: int = 366  # the longest range one event-log (XES) export covers, in days
    inbox_poll_seconds: float = 15.0  # how often an open inbox asks whether its list changed (one cheap read)
    workflow_cache_size: int = 256  # workflows kept deserialized per process for the next action (0: none)
    gc_young_objects: int = 10_000  # new objects between young collections (runtime/bootstrap.py; 0: Python's)
    digest_hour: int = 8  # the local hour (business time zone) from which the daily digest e-mails go out

    def retry_delay(self, attempts: int) -> float:
        """Seconds before attempt ``attempts + 1``: exponential backoff, capped at one hour."""
        return min(self.retry_backoff_seconds * 2 ** (attempts - 1), 3600.0)

    @property
    def calendar_path(self) -> Path:
        return self.calendar_file or self.processes_dir / "business_calendar.toml"


def _secret_key(var_dir: Path) -> str:
    """Use COMPLAINTFLOW_SECRET_KEY, else a key generated once and stored under var/."""
    key = os.environ.get("COMPLAINTFLOW_SECRET_KEY")
    if key:
        return key
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # created with its permissions: never readable by others, not even for a moment
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None


def _int(name: str, default: int) -> int:
    value = _float(name, default)
    if value != int(value) or value < 0:
        raise ConfigurationError(f"{name} must be a whole number >= 0, got {os.environ[name]!r}")
    return int(value)


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None else raw.strip().lower() not in ("0", "false", "no", "off", "")


# S3's rules for bucket names: 3-63 lower-case letters, digits, dots and hyphens, a letter or digit at each end
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_BLOB_STORE = "COMPLAINTFLOW_BLOB_STORE"


def s3_location(blob_store: str) -> tuple[str, str]:
    """Split ``s3://bucket/prefix`` into the bucket and a key prefix ending in "/" (or "" for none), so
    that config refuses a bad value at start-up and the store never sees one."""
    bucket, _, prefix = blob_store.removeprefix("s3://").partition("/")
    if not blob_store.startswith("s3://") or not _BUCKET.fullmatch(bucket):
        raise ConfigurationError(f"{_BLOB_STORE} must be empty (files under the var folder) or "
                                 f"s3://bucket/prefix with a valid bucket name, got {blob_store!r}")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def _blob_store() -> str:
    value = os.environ.get(_BLOB_STORE, "").strip()
    if value:
        s3_location(value)
    return value


def _endpoint_url(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    if value and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise ConfigurationError(f"{name} must be an http:// or https:// URL, got {value!r}")
    return value or None


def _region(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", value):  # R2 says "auto", Garage "garage"
        raise ConfigurationError(f"{name} must be a region name such as us-east-1 (lower-case letters, digits "
                                 f"and hyphens), got {value!r}")
    return value


def _positive_int(name: str, default: int) -> int:
    value = _int(name, default)
    if value < 1:
        raise ConfigurationError(f"{name} must be at least 1, got {os.environ[name]!r}")
    return value


def load_settings() -> Settings:
    """Build the settings from the environment, with the embedded defaults."""
    var_dir = Path(os.environ.get("COMPLAINTFLOW_VAR_DIR", PROJECT_ROOT / "var"))
    default_db = f"sqlite:///{var_dir / 'complaintflow.db'}"
    return Settings(
        database_url=os.environ.get("COMPLAINTFLOW_DATABASE_URL", default_db),
        secret_key=_secret_key(var_dir),
        processes_dir=Path(os.environ.get("COMPLAINTFLOW_PROCESSES_DIR", PROJECT_ROOT / "processes")),
        calendar_file=Path(os.environ["COMPLAINTFLOW_CALENDAR_FILE"]) if "COMPLAINTFLOW_CALENDAR_FILE" in os.environ
        else None,
        var_dir=var_dir,
        timezone=os.environ.get("COMPLAINTFLOW_TIMEZONE", "Asia/Shanghai"),
        worker_poll_seconds=_float("COMPLAINTFLOW_WORKER_POLL_SECONDS", 0.5),
        embedded_worker=_flag("COMPLAINTFLOW_EMBEDDED_WORKER", True),
        retry_attempts=max(1, _int("COMPLAINTFLOW_RETRY_ATTEMPTS", 3)),
        retry_backoff_seconds=_float("COMPLAINTFLOW_RETRY_BACKOFF_SECONDS", 30.0),
        smtp_host=os.environ.get("COMPLAINTFLOW_SMTP_HOST") or None,
        smtp_port=_int("COMPLAINTFLOW_SMTP_PORT", 25),
        smtp_user=os.environ.get("COMPLAINTFLOW_SMTP_USER") or None,
        smtp_password=os.environ.get("COMPLAINTFLOW_SMTP_PASSWORD") or None,
        smtp_starttls=_flag("COMPLAINTFLOW_SMTP_STARTTLS", False),
        smtp_tls=_flag("COMPLAINTFLOW_SMTP_TLS", False),
        smtp_ca_file=Path(os.environ["COMPLAINTFLOW_SMTP_CA_FILE"]) if os.environ.get("COMPLAINTFLOW_SMTP_CA_FILE")
        else None,
        smtp_plain_login=_flag("COMPLAINTFLOW_SMTP_PLAIN_LOGIN", False),
        mail_from=os.environ.get("COMPLAINTFLOW_MAIL_FROM", "complaintflow@localhost"),
        base_url=os.environ.get("COMPLAINTFLOW_BASE_URL", "http://localhost:8000").rstrip("/"),
        secure_cookies=_flag("COMPLAINTFLOW_SECURE_COOKIES", False),
        max_upload_bytes=_int("COMPLAINTFLOW_MAX_UPLOAD_MB", 64) * 1024 * 1024,
        blob_store=_blob_store(),
        s3_endpoint_url=_endpoint_url("COMPLAINTFLOW_S3_ENDPOINT_URL"),
        s3_region=_region("COMPLAINTFLOW_S3_REGION", "us-east-1"),
        max_attachment_bytes=_positive_int("COMPLAINTFLOW_MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024),
        chart_max_days=_positive_int("COMPLAINTFLOW_CHART_MAX_DAYS", 366),
        event_log_max_days=_positive_int("COMPLAINTFLOW_EVENT_LOG_MAX_DAYS", 366),
        inbox_poll_seconds=max(1.0, _float("COMPLAINTFLOW_INBOX_POLL_SECONDS", 15.0)),
        digest_hour=min(23, max(0, _int("COMPLAINTFLOW_DIGEST_HOUR", 8))),
        workflow_cache_size=max(0, _int("COMPLAINTFLOW_WORKFLOW_CACHE", 256)),
        gc_young_objects=_int("COMPLAINTFLOW_GC_YOUNG_OBJECTS", 10_000),
    )
