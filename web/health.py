"""Health endpoints for load balancers, orchestrators and the test suite.

``/healthz``: this web process answers and reaches the database (503 when it cannot); ``calendar``
warns (still 200) from 60 days before the official holiday schedule runs out.
``/healthz/workers``: at least one background worker has sent a heartbeat recently (503 when none
has: timers would not fire), with what each worker reports.
"""
from __future__ import annotations

import logging

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from runtime.read import queries
from runtime.services import calendar
from web.context import runtime

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    try:
        with runtime().db.reader() as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        log.error("health check: database unreachable: %s", e)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok", "calendar": calendar.outlook()}


@bp.get("/healthz/workers")
def workers():
    with runtime().db.reader() as session:
        found = queries.workers(session)
    alive = [w for w in found if w["alive"]]
    return {"status": "ok" if alive else "no_worker", "alive": len(alive), "workers": found}, 200 if alive else 503
