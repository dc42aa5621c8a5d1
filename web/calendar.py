"""The business calendar page (administrators and process owners): which years are exact, the
warning before the official schedule runs out with how to enter the next year, a refused edit of
the calendar file, and recomputing the deadlines that were computed on a provisional year."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime.errors import InvalidInput
from runtime.read import calendar_status
from runtime.services import calendar
from web.context import current_actor, login_required, runtime

bp = Blueprint("calendar", __name__, url_prefix="/admin/calendar")


@bp.get("/")
@login_required
def page():
    return render_template("calendar.html", s=calendar_status.status(runtime(), current_actor()),
                           path=runtime().settings.calendar_path)


@bp.post("/recompute")
@login_required
def recompute():
    try:
        result = calendar.recompute_provisional(runtime(), current_actor(), request.form.get("reason", ""))
    except InvalidInput:  # no reason given: said on the page; a role refusal is a 403
        flash(_("A reason is required: it goes into each complaint's audit log."), "error")
        return redirect(url_for("calendar.page"))
    flash(_("Deadlines computed anew for %(n)s complaint(s).", n=len(result.done)), "ok")
    for number, why in result.failed:
        flash(f"{number}: {why}", "error")
    return redirect(url_for("calendar.page"))
