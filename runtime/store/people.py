"""Tables about people rather than complaints: users and their roles, API tokens, saved inbox
views, the notification outbox, and worker heartbeats. Imported with the rest by ``models``."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from runtime.store.db import Base, UTCDateTime

UTC = UTCDateTime()


class Notification(Base):
    """One notice for one person, written in the transaction of the change it reports (the outbox).

    ``event_key`` is unique: the same event can never notify the same person twice. The e-mail
    columns are the delivery queue the worker drains after commit.
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_recipient_read", "recipient", "read_at"),
                      Index("ix_notification_email_queue", "email_status", "email_due_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # new_task | claimed | reminder | escalation | breach | incident
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    business_key: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTC)
    read_at: Mapped[datetime | None] = mapped_column(UTC)
    email_to: Mapped[str | None] = mapped_column(String(200))
    email_status: Mapped[str | None] = mapped_column(String(10))  # pending | sent | failed; None: no e-mail
    email_due_at: Mapped[datetime | None] = mapped_column(UTC)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_sent_at: Mapped[datetime | None] = mapped_column(UTC)
    email_error: Mapped[str | None] = mapped_column(Text)


class WorkerHeartbeat(Base):
    """Each worker process says it is alive here; the health endpoints read it."""

    __tablename__ = "worker_heartbeat"
    name: Mapped[str] = mapped_column(String(120), primary_key=True)  # host:pid
    started_at: Mapped[datetime] = mapped_column(UTC)
    seen_at: Mapped[datetime] = mapped_column(UTC)
    state: Mapped[str] = mapped_column(String(10))  # running | stopped
    fired: Mapped[int] = mapped_column(Integer, default=0)
    mailed: Mapped[int] = mapped_column(Integer, default=0)


class SavedFilter(Base):
    """A named inbox view (tab and filters) a user keeps, like Camunda Tasklist's saved filters."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("username", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(60))
    query: Mapped[str] = mapped_column(String(500))  # the inbox query string, known keys only
    created_at: Mapped[datetime] = mapped_column(UTC)


class ApiToken(Base):
    """A per-user token for the JSON API; only its SHA-256 is stored (the token is shown once)."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # shown in lists, so a token can be recognised
    created_at: Mapped[datetime] = mapped_column(UTC)
    created_by: Mapped[str] = mapped_column(String(80))
    last_used_at: Mapped[datetime | None] = mapped_column(UTC)
    revoked_at: Mapped[datetime | None] = mapped_column(UTC)


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(10), default="zh_Hans")
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTC)
    created_at: Mapped[datetime] = mapped_column(UTC)
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def role_codes(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles)


class UserRole(Base):
    __tablename__ = "user_role"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(40), primary_key=True)
