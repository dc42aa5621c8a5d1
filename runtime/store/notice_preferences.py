"""How a person wants to hear about things beyond the in-app bell: today, whether they get one
digest e-mail a day instead of an e-mail per notice (urgent ones still go at once)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.db import Base, UTCDateTime


class NoticePreference(Base):
    """One row per person who chose something; no row means an e-mail per notice (the default)."""

    __tablename__ = "notice_preference"
    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    daily_digest: Mapped[bool] = mapped_column(default=False)
    # the local day the last digest was queued, and when: the next one covers what came since
    last_digest_on: Mapped[date | None] = mapped_column(Date)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
