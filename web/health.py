"""Health endpoints for load balancers, orchestrators and the test suite.

``/healthz``: this web process answers and reaches the database (503 when it cannot); ``calendar``
warns (still 200) from 60 days before the official holiday schedule runs out.
``/healthz/workers``: at least one background worker has sent a heartbeat recently (503 when none
has: timers would not fire), with what each worker reports.
"""
from __future__ import annotations

import logging

from flask import Blueprint

from runtime.read import health
from runtime.read import calendar_status
from web.context import runtime, signed_in

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz():
    problem = health.database_answers(runtime())
    if problem:
        log.error("health check: database unreachable: %s", problem)
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok", "calendar": calendar_status.outlook()}


@bp.get("/healthz/workers")
def workers():
    """Anyone (a load balancer) learns whether workers are alive; only a signed-in administrator learns
    their names (host:pid), which tell an outsider about the machines."""
    found = health.workers(runtime())
    actor = signed_in()
    if actor is None or not actor.is_admin:
        found = [{k: v for k, v in w.items() if k != "name"} for w in found]
    alive = [w for w in found if w["alive"]]
    return {"status": "ok" if alive else "no_worker", "alive": len(alive), "workers": found}, 200 if alive else 503
