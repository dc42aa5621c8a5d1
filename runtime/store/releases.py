"""Which deployed package new instances start on. A deployment is immutable and keyed by its content;
a release says "from now on, this one". The newest release is current: a new deployment releases its
package, deploying files identical to an older package releases that one again, and a rollback
releases any earlier version on purpose, with a reason. Running instances stay where they started."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from runtime.store.db import Base, UTCDateTime

UTC = UTCDateTime()


class ProcessRelease(Base):
    __tablename__ = "process_release"
    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("process_package.id"))
    released_at: Mapped[datetime] = mapped_column(UTC)
    released_by: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20))  # deployed | deployed_again | rolled_back
    origin: Mapped[str] = mapped_column(String(20))  # files (the deploy command) | console (modeler, upload, rollback)
    reason: Mapped[str | None] = mapped_column(String(500))


@dataclass(frozen=True)
class Current:
    package_id: int
    origin: str
    released_by: str


def current(session: Session) -> Current | None:
    """The package new instances start on: the newest release (None before the first deployment)."""
    row = session.execute(select(ProcessRelease.package_id, ProcessRelease.origin, ProcessRelease.released_by)
                          .order_by(ProcessRelease.id.desc()).limit(1)).first()
    return None if row is None else Current(*row)


def current_package_query():
    """SQL scalar: the current package's id (for a query choosing definitions)."""
    return select(ProcessRelease.package_id).order_by(ProcessRelease.id.desc()).limit(1).scalar_subquery()
