"""Health endpoint for load balancers and the test suite."""
from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text

from web.context import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    with runtime().db.reader() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ok"}
