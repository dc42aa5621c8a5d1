"""Tables of the case file's evidence: attachments (photos, PDFs, office documents) of a complaint.

The bytes live in a content-addressed blob store (``runtime.files.blobs``: a folder under var/ or
S3-compatible object storage), keyed by their SHA-256; a row here says which complaint, which step
and which form field it belongs to, who gave it and what it is (type detected from the content).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.db import Base, UTCDateTime

UTC = UTCDateTime()


class Attachment(Base):
    """One file given to one complaint; never changed once written (the same bytes on two
    complaints are two rows sharing one blob)."""

    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_instance", "instance_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    business_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))  # as the uploader named it, cleaned
    media_type: Mapped[str] = mapped_column(String(120))  # detected from the content, never from the name
    size: Mapped[int] = mapped_column(Integer)
    thumbnail_sha256: Mapped[str | None] = mapped_column(String(64))  # images only (JPEG, 320 px)
    task_id: Mapped[str | None] = mapped_column(String(36))  # the step it was given in, if any
    task_name: Mapped[str | None] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(UTC)


class CaseArchive(Base):
    """The archived case file of an ended complaint (003: a complete file is a condition of closing):
    one PDF of everything and a zip of the original files, kept in the blob store. Requested in the
    transaction that ends the complaint (``pending``), made by the worker (``ready``) or on the first
    download; ``failed`` after repeated errors (retried with a growing wait), the last one kept. A
    comment added after closing asks for it again."""

    __tablename__ = "case_archive"
    __table_args__ = (Index("ix_case_archive_status", "status", "requested_at"),)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    business_key: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))  # pending | ready | failed
    requested_at: Mapped[datetime] = mapped_column(UTC)  # when to (re)try: pushed back after a failure
    made_at: Mapped[datetime | None] = mapped_column(UTC)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_size: Mapped[int | None] = mapped_column(BigInteger)
    zip_sha256: Mapped[str | None] = mapped_column(String(64))
    zip_size: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))
