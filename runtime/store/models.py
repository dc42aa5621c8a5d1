"""Tables: deployed definitions, instances, their projections, audit, incidents and users.

Lists and inboxes read the projection tables (``human_task``, ``timer``, ``waiting_event``); only
the runtime services deserialize ``process_instance.state``.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from runtime.store.db import Base, UTCDateTime

UTC = UTCDateTime()


class InstanceStatus(StrEnum):
    RUNNING = "running"      # has work ready for people or the engine
    WAITING = "waiting"      # only waits for timers, signals or messages
    SUSPENDED = "suspended"
    FAILED = "failed"        # an open incident stops it
    COMPLETED = "completed"
    TERMINATED = "terminated"


OPEN_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.SUSPENDED, InstanceStatus.FAILED)


class ProcessPackage(Base):
    """One immutable deployment: a set of files, keyed by the hash of all of them."""

    __tablename__ = "process_package"
    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    deployed_at: Mapped[datetime] = mapped_column(UTC)
    deployed_by: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(200))
    files: Mapped[list[ProcessFile]] = relationship(back_populates="package", order_by="ProcessFile.name")
    definitions: Mapped[list[ProcessDefinition]] = relationship(back_populates="package")


class ProcessFile(Base):
    __tablename__ = "process_file"
    __table_args__ = (UniqueConstraint("package_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("process_package.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # bpmn | dmn | form
    content: Mapped[bytes] = mapped_column(LargeBinary)
    package: Mapped[ProcessPackage] = relationship(back_populates="files")


class ProcessDefinition(Base):
    """One executable process of a package; ``version`` counts per process id."""

    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("process_id", "version"), UniqueConstraint("package_id", "process_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("process_package.id"))
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    name: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer)
    package: Mapped[ProcessPackage] = relationship(back_populates="definitions")


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    __table_args__ = (Index("ix_process_instance_owner_status", "owner", "status"),
                      # the dashboard counts the open complaints by these from the index alone
                      Index("ix_process_instance_status", "status", "severity"),
                      Index("ix_process_instance_status_site", "status", "site"),
                      # the administrators' list is sorted by these: an index walk instead of sorting a million rows
                      Index("ix_process_instance_started_at", "started_at"),
                      Index("ix_process_instance_updated_at", "updated_at"),
                      Index("ix_process_instance_ended_at", "ended_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    business_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    state: Mapped[bytes | None] = mapped_column(LargeBinary)  # zlib-compressed JSON (instance_store)
    version: Mapped[int] = mapped_column(Integer)
    serializer_version: Mapped[str] = mapped_column(String(20))
    library_version: Mapped[str] = mapped_column(String(40))
    started_by: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTC)
    updated_at: Mapped[datetime] = mapped_column(UTC)
    ended_at: Mapped[datetime | None] = mapped_column(UTC)
    # From the process data at every save (inboxes, urgency): the first receiver who owns it (首问负责人), the severity.
    owner: Mapped[str | None] = mapped_column(String(80))
    severity: Mapped[str | None] = mapped_column(String(10))
    site: Mapped[str | None] = mapped_column(String(300))  # the record's site (发生地点), written at intake
    # What its page shows about where it stands (runtime.engine.snapshot.CASE_FACTS), kept after it ends.
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    # What the projection tables last received, so the next save diffs without reading them (projections.py).
    projected: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    definition: Mapped[ProcessDefinition] = relationship()
    # ``version`` is checked and bumped by runtime.store.instance_store.write_row (compare-and-set).


class HumanTask(Base):
    """A ready user task, as the inbox sees it; the id is the engine's task id (queue index: inbox's order)."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_queue", "role", "assignee", "due_at", "created_at", "department"),
        Index("ix_human_task_assignee_due", "assignee", "due_at"),
        Index("ix_human_task_department", "department", "instance_id"),  # the dashboard's count per department
        Index("ix_human_task_definition", "definition_id", "task_name"),  # the heat: open tasks per element
        Index("ix_human_task_category_site", "category", "site"),  # the inbox's filters (category, both)
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    definition_id: Mapped[int | None] = mapped_column(Integer)  # its instance's (a copy: the heat counts by it)
    task_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    role: Mapped[str | None] = mapped_column(String(40))
    department: Mapped[str | None] = mapped_column(String(80))
    assignee: Mapped[str | None] = mapped_column(String(80))
    delegated_by: Mapped[str | None] = mapped_column(String(80))  # while delegated: who reviews it, and completes it
    # Copied from the complaint's record when the task appears: inbox filters and counts read this table alone.
    category: Mapped[str | None] = mapped_column(String(80))
    channel: Mapped[str | None] = mapped_column(String(40))
    site: Mapped[str | None] = mapped_column(String(300), index=True)  # the inbox's filter by site alone
    form: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC)
    due_at: Mapped[datetime | None] = mapped_column(UTC, index=True)
    # The deadline's rule (``slaRule``); not exact: due on a provisional calendar year. Kept after it passed.
    due_rule: Mapped[str | None] = mapped_column(String(80))
    due_exact: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Timer(Base):
    """A waiting timer event and when it is due; the worker walks the due_at index."""

    __tablename__ = "timer"
    __table_args__ = (UniqueConstraint("instance_id", "task_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    task_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # date | duration | cycle
    due_at: Mapped[datetime] = mapped_column(UTC, index=True)
    # When it began waiting: a migration that changes its expression recomputes it from here.
    started_at: Mapped[datetime | None] = mapped_column(UTC)
    exact: Mapped[bool] = mapped_column(default=True)  # False: due time computed on a provisional calendar year


class TaskHistory(Base):
    """A human task that is no longer open, and how long it was: the dashboard's average wait."""

    __tablename__ = "task_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTC)
    ended_at: Mapped[datetime] = mapped_column(UTC, index=True)


class WaitingEvent(Base):
    """A signal or message an instance waits for, so senders find instances without loading them."""

    __tablename__ = "waiting_event"
    __table_args__ = (UniqueConstraint("instance_id", "kind", "name"), Index("ix_waiting_event_name", "kind", "name"))
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    kind: Mapped[str] = mapped_column(String(10))  # signal | message
    name: Mapped[str] = mapped_column(String(200))


class AuditEvent(Base):
    """Append-only: who did what, when, to which task (database triggers refuse edits). Read by day (the
    event-log export) and by actor (the complaints someone acted on, which they may read: inbox, search)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"), Index("ix_audit_event_actor", "actor", "instance_id", "action"))
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(36), index=True)
    task_name: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTC)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# Clocks late at some moment (breached, running, met after due): the report's breaches, by ix_sla_clock_late.
LATE_EVER = "breached_at IS NOT NULL OR met_at IS NULL OR met_at > due_at"
LATE_COLUMNS = ("instance_id", "rule", "due_at", "started_at", "met_at", "breached_at", "late_until", "late_days",
                "late_hours")


class SlaClock(Base):
    """One deadline of one instance (a timer marked ``slaRule``): when its clock started, when it is
    due, and whether it was met (the timer went away unfired in time) or breached (it fired, or went
    away after its due time), written in the transaction of the action. ``exact`` is false when the
    due time was computed on a provisional year of the business calendar. The dashboard's
    missed-deadline figures (and the monthly report to come) read this table."""

    __tablename__ = "sla_clock"
    __table_args__ = (UniqueConstraint("instance_id", "timer_id", name="uq_sla_clock_timer"),
                      Index("ix_sla_clock_rule_started", "rule", "started_at"),
                      Index("ix_sla_clock_breached_at", "breached_at", "instance_id"),
                      # the monthly report reads a month's clocks from this index alone (migration 0017)
                      Index("ix_sla_clock_report", "instance_id", "rule", "started_at", "due_at", "met_at",
                            "breached_at"),
                      # the clocks that were ever late (the report's breaches), a few of every month's (0022)
                      Index("ix_sla_clock_late", *LATE_COLUMNS, sqlite_where=text(LATE_EVER),
                            postgresql_where=text(LATE_EVER)))
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    business_key: Mapped[str] = mapped_column(String(64))
    timer_id: Mapped[str] = mapped_column(String(60))  # the timer's task id in the instance
    rule: Mapped[str] = mapped_column(String(80))
    element_id: Mapped[str] = mapped_column(String(200))
    element_name: Mapped[str] = mapped_column(String(300))
    task_id: Mapped[str | None] = mapped_column(String(36))  # the user task the deadline sits on, if any
    started_at: Mapped[datetime] = mapped_column(UTC)
    due_at: Mapped[datetime] = mapped_column(UTC)
    met_at: Mapped[datetime | None] = mapped_column(UTC)
    breached_at: Mapped[datetime | None] = mapped_column(UTC)
    exact: Mapped[bool] = mapped_column(default=True)
    # a breached clock's lateness, written once when it ends (see runtime/store/sla_clocks.py)
    late_until: Mapped[datetime | None] = mapped_column(UTC)
    late_days: Mapped[float | None] = mapped_column(Float)
    late_hours: Mapped[float | None] = mapped_column(Float)


class Incident(Base):
    """A failed step: the error, the task, and the action to replay when an admin retries."""

    __tablename__ = "incident"
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    task_name: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    action: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTC)
    resolved_at: Mapped[datetime | None] = mapped_column(UTC)
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    # Automatic retries: attempts made so far, when the worker tries again (None: an administrator decides).
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    retry_at: Mapped[datetime | None] = mapped_column(UTC, index=True)


class ComplaintRecord(Base):
    """The searchable part of a complaint's record (登记), written once when it is accepted.

    Inbox filters (category, channel, site) and the duplicate warning (same phone and category
    while another complaint is open) read this table, never the instance state.
    """

    __tablename__ = "complaint_record"
    __table_args__ = (Index("ix_complaint_record_phone_category", "customer_phone", "category"),
                      Index("ix_complaint_record_unit_category", "customer_unit", "category"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    channel: Mapped[str | None] = mapped_column(String(40), index=True)
    category: Mapped[str | None] = mapped_column(String(80), index=True)
    site: Mapped[str | None] = mapped_column(String(300), index=True)  # where it happened (发生地点)
    subject: Mapped[str | None] = mapped_column(String(200))
    customer_name: Mapped[str | None] = mapped_column(String(120))
    customer_phone: Mapped[str | None] = mapped_column(String(40))
    reopened_from: Mapped[str | None] = mapped_column(String(64), index=True)
    # The integrator's own ticket id (a 12345 hotline number, a CRM case id): found by search.
    external_ref: Mapped[str | None] = mapped_column(String(80), index=True)
    customer_unit: Mapped[str | None] = mapped_column(String(200))
    # Facts the monthly report groups and counts by (runtime.read.report), copied from the instance's
    # ``facts`` at every save that changes them (``records.follow``): a month of complaints is then one
    # GROUP BY on this table, never a scan of JSON. The ``*_at`` columns say since when a fact holds,
    # so a report made "as of" a moment counts only what had happened by then.
    accepted_at: Mapped[datetime | None] = mapped_column(UTC, index=True)  # received by the front desk (受理)
    taken_at: Mapped[datetime | None] = mapped_column(UTC)  # since when a receiver owns it (首问负责人)
    classified_at: Mapped[datetime | None] = mapped_column(UTC)  # since when its validity is decided
    validity: Mapped[str | None] = mapped_column(String(20))
    department: Mapped[str | None] = mapped_column(String(80))  # the responsible department it was dispatched to
    severity: Mapped[str | None] = mapped_column(String(10))
    outcome: Mapped[str | None] = mapped_column(String(10))  # closed | reopen
    satisfaction: Mapped[str | None] = mapped_column(String(20))


# The tables about people live in their own module; every table is importable from here.
from runtime.store.people import ApiToken, Notification, SavedFilter, User, UserRole, WorkerHeartbeat  # noqa: E402
from runtime.store.files import Attachment, CaseArchive  # noqa: E402
from runtime.store.search_index import ComplaintSearch  # noqa: E402
from runtime.store.reports import MonthlyReport  # noqa: E402
from runtime.store.links import CollectiveCase, CollectiveMember, ComplaintLink  # noqa: E402
from runtime.store.actions import CorrectiveAction  # noqa: E402
from runtime.store.releases import ProcessRelease  # noqa: E402
from runtime.store.notice_preferences import NoticePreference  # noqa: E402

__all__ = ["OPEN_STATUSES", "ApiToken", "Attachment", "AuditEvent", "CaseArchive", "CollectiveCase", "CollectiveMember",
           "ComplaintLink", "ComplaintRecord", "ComplaintSearch", "CorrectiveAction", "HumanTask", "Incident",
           "InstanceStatus", "MonthlyReport", "NoticePreference", "Notification", "ProcessDefinition", "ProcessFile",
           "ProcessInstance", "ProcessPackage", "ProcessRelease", "SavedFilter", "SlaClock", "TaskHistory", "Timer",
           "User", "UserRole", "WaitingEvent", "WorkerHeartbeat"]
