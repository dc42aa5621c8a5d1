"""The in-app side of the notification outbox: the count in the header and the list of notices."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from runtime.read import notices
from runtime.services.notices import mark_all_read
from web.context import current_actor, login_required, runtime, signed_in

bp = Blueprint("notices", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    return render_template("notifications.html", rows=notices.listing(runtime(), current_actor()))


@bp.post("/read")
@login_required
def read_all():
    mark_all_read(runtime(), current_actor())
    return redirect(url_for("notices.index"))


def unread_count() -> int:
    actor = signed_in()
    return notices.unread(runtime(), actor) if actor is not None else 0
