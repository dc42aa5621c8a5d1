"""E-mail delivery from the notification outbox, after the change that queued it has committed.

A batch is leased first in a short transaction (status ``sending``, due time pushed out by the
lease; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers share the queue without waiting on
each other), then sent over one SMTP connection, then marked ``sent``. A worker killed in between
leaves its lease to run out and another worker sends the batch: delivery is at least once, and
the Message-ID is derived from the event key, so a rare resend after a crash is recognisably the
same message. Refused or failing mail is retried with the same backoff as failing steps, then
marked ``failed`` with the server's answer.
"""
from __future__ import annotations

import hashlib
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from runtime.bootstrap import Runtime
from runtime.store.models import Notification
from runtime.worker.mail_texts import text, zone_name

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
QUEUED = ("pending", "sending")


@dataclass(frozen=True)
class Outgoing:
    id: int
    event_key: str
    kind: str
    email_to: str
    business_key: str | None
    title: str
    details: dict
    created_at: datetime
    attempts: int


def send_due(rt: Runtime, now: datetime, limit: int = 50) -> int:
    """Send the queued e-mails that are due; returns how many the SMTP server accepted."""
    if not rt.settings.smtp_host:
        return 0
    batch = _lease(rt, now, limit)
    if not batch:
        return 0
    sent, failed = _deliver(rt, batch)
    _finish(rt, now, batch, sent, failed)
    return len(sent)


def _lease(rt: Runtime, now: datetime, limit: int) -> list[Outgoing]:
    n = Notification
    with rt.db.transaction() as session:
        rows = session.execute(
            select(n.id, n.event_key, n.kind, n.email_to, n.business_key, n.title, n.details, n.created_at,
                   n.email_attempts)
            .where(n.email_status.in_(QUEUED), n.email_due_at <= now).order_by(n.email_due_at).limit(limit)
            .with_for_update(skip_locked=True)).all()
        if rows:
            session.execute(update(n).where(n.id.in_([r.id for r in rows]))
                            .values(email_status="sending", email_due_at=now + LEASE))
    return [Outgoing(*row) for row in rows]


def connect(settings) -> smtplib.SMTP:
    """An SMTP connection as the settings ask: implicit TLS or STARTTLS always verify the server's
    certificate and host name (the system's CAs, or ``smtp_ca_file``); the password is never sent
    over an unencrypted connection unless ``smtp_plain_login`` allows it."""
    host, context = settings.smtp_host or "localhost", None
    if settings.smtp_tls or settings.smtp_starttls:
        context = ssl.create_default_context(cafile=str(settings.smtp_ca_file) if settings.smtp_ca_file else None)
    smtp = smtplib.SMTP_SSL(host, settings.smtp_port, timeout=30, context=context) if settings.smtp_tls \
        else smtplib.SMTP(host, settings.smtp_port, timeout=30)
    try:
        if settings.smtp_starttls and not settings.smtp_tls:
            smtp.starttls(context=context)
        if settings.smtp_user:
            if context is None and not settings.smtp_plain_login:
                raise smtplib.SMTPException("refusing to send the SMTP password over an unencrypted connection; "
                                            "set COMPLAINTFLOW_SMTP_STARTTLS=1 or COMPLAINTFLOW_SMTP_TLS=1")
            smtp.login(settings.smtp_user, settings.smtp_password or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _deliver(rt: Runtime, batch: list[Outgoing]) -> tuple[list[int], dict[int, str]]:
    s = rt.settings
    sent, failed = [], {}
    try:
        with connect(s) as smtp:
            for mail in batch:
                try:
                    smtp.send_message(message(rt, mail))
                    sent.append(mail.id)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as e:
                    failed[mail.id] = f"{type(e).__name__}: {e}"
                except (OSError, smtplib.SMTPException):
                    raise  # the connection itself: the whole rest of the batch waits for the next attempt
                except Exception as e:  # noqa: BLE001 - one mail that cannot be written (its report's files)
                    log.exception("mail %s could not be written", mail.id)
                    failed[mail.id] = f"{type(e).__name__}: {e}"[:500]
    except (OSError, smtplib.SMTPException) as e:
        log.warning("SMTP server %s:%s: %s", s.smtp_host, s.smtp_port, e)
        failed.update({m.id: f"{type(e).__name__}: {e}" for m in batch if m.id not in sent and m.id not in failed})
    return sent, failed


def _finish(rt: Runtime, now: datetime, batch: list[Outgoing], sent: list[int], failed: dict[int, str]) -> None:
    n = Notification
    with rt.db.transaction() as session:
        if sent:
            session.execute(update(n).where(n.id.in_(sent)).values(
                email_status="sent", email_sent_at=now, email_due_at=None, email_attempts=n.email_attempts + 1))
        for mail in (m for m in batch if m.id in failed):
            attempts = mail.attempts + 1
            give_up = attempts >= rt.settings.retry_attempts
            session.execute(update(n).where(n.id == mail.id).values(
                email_status="failed" if give_up else "pending", email_attempts=attempts, email_error=failed[mail.id],
                email_due_at=None if give_up else now + timedelta(seconds=rt.settings.retry_delay(attempts))))


def _local(moment: datetime, zone: str) -> str:
    """When the notice was written, on the recipient's clock (the business time zone), not UTC."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def message(rt: Runtime, mail: Outgoing) -> EmailMessage:
    """The e-mail for one notice, in the recipient's language, with a stable Message-ID."""
    locale = mail.details.get("locale")
    line = text(locale, mail.kind, title=mail.title, actor=mail.details.get("actor", ""))
    msg = EmailMessage()
    msg["Subject"] = f"[{mail.business_key}] {line}" if mail.business_key else line
    msg["From"] = rt.settings.mail_from
    msg["To"] = mail.email_to
    msg["Date"] = format_datetime(mail.created_at)
    msg["Message-ID"] = f"<{hashlib.sha256(mail.event_key.encode()).hexdigest()[:32]}@complaintflow>"
    zone = rt.settings.timezone
    body = [line, text(locale, "when", at=_local(mail.created_at, zone), zone=zone_name(locale, zone))]
    if mail.details.get("message"):
        body.append(mail.details["message"])
    if mail.business_key:
        body.append(f"{text(locale, 'open_complaint')}: {rt.settings.base_url}/complaints/{mail.business_key}")
    if mail.kind == "digest":  # the day's notices, one line per complaint and kind (runtime/worker/digest.py)
        body += ["", *mail.details.get("lines", []), "",
                 f"{text(locale, 'open_notices')}: {rt.settings.base_url}/notifications/",
                 text(locale, "digest_footer")]
    if mail.kind == "monthly_report":
        body.append(f"{text(locale, 'open_report')}: {rt.settings.base_url}/reports/{mail.details.get('period', '')}")
    body += ["", text(locale, "footer")]
    msg.set_content("\n".join(body))
    if mail.kind == "monthly_report":
        from runtime.worker import report_mail  # renders the report's files: only for this kind of mail
        report_mail.attach(rt, msg, mail.details)
    return msg
