"""整改措施: the open corrective and preventive actions (mine, all, overdue) and marking one done."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime.errors import Conflict, InvalidInput
from runtime.read.actions import SCOPES, open_actions
from runtime.services.actions import CLOSERS, mark_done
from web.context import current_actor, login_required, runtime
from web import error_messages

bp = Blueprint("actions", __name__, url_prefix="/actions")


@bp.get("/")
@login_required
def listing():
    scope = request.args.get("scope", "mine")
    scope = scope if scope in SCOPES else "mine"
    actor = current_actor()
    return render_template("actions.html", rows=open_actions(runtime(), actor, scope), scope=scope,
                           may_close_any=bool(actor.roles & CLOSERS))


@bp.post("/<int:action_id>/done")
@login_required
def done(action_id: int):
    """Refusals a person can act on (no note, already done) come back as a message on the page; one
    they may not make at all is the 403 page."""
    scope = request.form.get("scope", "mine")
    try:
        mark_done(runtime(), current_actor(), action_id, request.form.get("note", ""))
        flash(_("Marked done"), "ok")
    except (InvalidInput, Conflict) as e:
        flash(error_messages.message(e), "error")
    return redirect(url_for("actions.listing", scope=scope if scope in SCOPES else "mine"))
