"""The in-app side of the notification outbox: the count in the header, the grouped list of notices,
and the person's choice of a daily digest e-mail (kept here, beside what it summarises)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime.read import notices
from runtime.services.notices import mark_all_read, set_daily_digest
from web.context import current_actor, login_required, runtime, signed_in

bp = Blueprint("notices", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    actor = current_actor()
    return render_template("notifications.html", rows=notices.listing(runtime(), actor),
                           delivery=notices.delivery(runtime(), actor), digest_hour=runtime().settings.digest_hour,
                           mail_on=bool(runtime().settings.smtp_host))


@bp.post("/read")
@login_required
def read_all():
    mark_all_read(runtime(), current_actor())
    return redirect(url_for("notices.index"))


@bp.post("/digest")
@login_required
def digest():
    """A checkbox: present means on. Anything else in the field is read as off, never an error."""
    on = request.form.get("daily_digest") == "on"
    set_daily_digest(runtime(), current_actor(), on)
    flash(_("You will get one summary e-mail a day.") if on else _("You will get an e-mail for each notice."), "ok")
    return redirect(url_for("notices.index"))


def unread_count() -> int:
    actor = signed_in()
    return notices.unread(runtime(), actor) if actor is not None else 0
