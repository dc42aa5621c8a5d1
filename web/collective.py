"""The collective case page (群诉): its members and where each stands, the plan and the reply to all.
The read is role-checked in the runtime (the oversight roles); this view only renders it."""
from __future__ import annotations

from flask import Blueprint, render_template

from runtime.read import prevention
from runtime.read.visibility import OVERSIGHT_ROLES
from web.context import current_actor, login_required, runtime

bp = Blueprint("collective", __name__, url_prefix="/collective")


def may_see_cases() -> bool:
    """Whether to offer the link to a case page (the page itself checks again)."""
    return bool(current_actor().roles & OVERSIGHT_ROLES)


@bp.get("/<int:case_id>")
@login_required
def show(case_id: int):
    return render_template("collective.html", case=prevention.case(runtime(), current_actor(), case_id))
