"""Corrective and preventive actions (000, 003, 004) recorded by a complaint's closing review, each with
an owner and a due date, tracked until done and listed in the monthly report."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.db import Base, UTCDateTime

UTC = UTCDateTime()


class CorrectiveAction(Base):
    __tablename__ = "corrective_action"
    __table_args__ = (Index("ix_corrective_action_status_due", "status", "due_on"),
                      Index("ix_corrective_action_instance", "instance_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    business_key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))  # corrective | preventive
    root_cause: Mapped[str | None] = mapped_column(String(12))  # internal | external (000)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(80))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10))  # open | done
    created_at: Mapped[datetime] = mapped_column(UTC)
    created_by: Mapped[str] = mapped_column(String(80))
    done_at: Mapped[datetime | None] = mapped_column(UTC)
    done_by: Mapped[str | None] = mapped_column(String(80))
    done_note: Mapped[str | None] = mapped_column(Text)
    # when the owner was told it is overdue (the sweep tells them once, then skips the row)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTC)
