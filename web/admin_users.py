"""The console's accounts page: every user with roles, department and e-mail; an administrator resets a
password (a generated one, shown once on the answer page and never put into the session cookie) and
disables or enables an account. Each action is one runtime service, role-checked and audited there."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime.errors import InvalidInput
from runtime.services import accounts
from web.context import current_actor, login_required, runtime

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


@bp.get("/")
@login_required
def index():
    return _page()


def _page(new_password: tuple[str, str] | None = None, status: int = 200):
    people = accounts.list_accounts(runtime(), current_actor())
    response = render_template("admin_users.html", people=people, new_password=new_password)
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/<username>/password")
@login_required
def reset_password(username: str):
    """A new generated password for ``username``, shown once on this answer (no redirect, no flash)."""
    password = accounts.reset_password(runtime(), current_actor(), username[:80])
    return _page((username, password))


@bp.post("/<username>/active")
@login_required
def set_active(username: str):
    active = request.form.get("active") == "1"
    try:
        accounts.set_active(runtime(), current_actor(), username[:80], active)
    except InvalidInput:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for("admin_users.index")), 303
    flash(_("%(user)s was enabled.", user=username) if active else _("%(user)s was disabled.", user=username),
          "success")
    return redirect(url_for("admin_users.index"))
