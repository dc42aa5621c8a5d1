"""Links between complaints found at intake: repeats (同人同事: the same customer, the same category,
within a window) and collective cases (群诉: several customers of one site with the same problem)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.db import Base, UTCDateTime

UTC = UTCDateTime()


class ComplaintLink(Base):
    """``instance_id`` is linked to the earlier ``related_id`` (kind ``repeat``), found when it was accepted."""

    __tablename__ = "complaint_link"
    __table_args__ = (UniqueConstraint("instance_id", "related_id", "kind"),
                      Index("ix_complaint_link_related", "related_id"))
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    related_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTC)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CollectiveCase(Base):
    """A group of complaints from different customers of one site about one problem, handled together."""

    __tablename__ = "collective_case"
    __table_args__ = (Index("ix_collective_case_site", "site", "category", "opened_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))  # the case's own process
    site: Mapped[str | None] = mapped_column(String(300))
    category: Mapped[str | None] = mapped_column(String(80))
    opened_at: Mapped[datetime] = mapped_column(UTC)
    status: Mapped[str] = mapped_column(String(10))  # open, then replied once the reply to all is given
    reason: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    plan: Mapped[str | None] = mapped_column(Text)  # 统一处理方案, and 统一答复: told to every member's case file
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(UTC)


class CollectiveMember(Base):
    __tablename__ = "collective_member"
    collective_id: Mapped[int] = mapped_column(ForeignKey("collective_case.id"), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(UTC)
