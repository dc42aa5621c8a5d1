"""What the health endpoints report: whether the database answers, and which workers are alive."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from runtime import clock
from runtime.bootstrap import Runtime
from runtime.store.models import WorkerHeartbeat

WORKER_SILENCE = timedelta(seconds=30)  # six missed heartbeats


def database_answers(rt: Runtime) -> str | None:
    """None when the database answers a trivial query, else why not (for the log)."""
    try:
        with rt.db.reader() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        return str(e).splitlines()[0]
    return None


def workers(rt: Runtime) -> list[dict]:
    """Every worker that ever reported, newest first; ``alive`` when running and heard from lately."""
    cutoff = clock.now() - WORKER_SILENCE
    with rt.db.reader() as session:
        rows = session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.seen_at.desc()).limit(50))
        return [{"name": w.name, "state": w.state, "seen_at": w.seen_at.isoformat(), "fired": w.fired,
                 "mailed": w.mailed, "alive": w.state == "running" and w.seen_at >= cutoff} for w in rows]
