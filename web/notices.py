"""The in-app side of the notification outbox: the count in the header and the list of notices."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from runtime import notifications, queries
from web.context import current_actor, login_required, runtime

bp = Blueprint("notices", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    with runtime().db.reader() as session:
        rows = queries.notifications_for(session, current_actor().username)
    return render_template("notifications.html", rows=rows)


@bp.post("/read")
@login_required
def read_all():
    with runtime().db.transaction() as session:
        notifications.mark_read(session, current_actor().username)
    return redirect(url_for("notices.index"))


def unread_count() -> int:
    actor = current_actor()
    if actor is None:
        return 0
    with runtime().db.reader() as session:
        return queries.unread_notifications(session, actor.username)
