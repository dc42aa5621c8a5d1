"""``GET /api/v1/event-log``: the audit log of a date range as XES, for process-mining tools run by
the quality department and administrators (the same export as the console's download)."""
from __future__ import annotations

from flask import request

from web.api import bp, token_required
from web.charts import xes_response


@bp.get("/event-log")
@token_required
def event_log():
    return xes_response(request.args.get("from"), request.args.get("to"))
