"""The monthly complaint reports (001: "a monthly report for the previous month before the 1st"), kept
as their figures: regenerating a period gives the same figures, and the console, the spreadsheet,
the PDF and the e-mail all render these."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.db import Base, UTCDateTime

UTC = UTCDateTime()


class MonthlyReport(Base):
    """One kept report: a calendar month (``period`` 2026-11) or a date range (2026-11-01..2026-11-15)."""

    __tablename__ = "monthly_report"
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(40), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)  # the last day included
    made_at: Mapped[datetime] = mapped_column(UTC)
    made_by: Mapped[str] = mapped_column(String(80))
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    mailed_at: Mapped[datetime | None] = mapped_column(UTC)
