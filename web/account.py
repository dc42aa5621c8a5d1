"""The signed-in user's own account: change the password (the current one first) and the interface language.

A wrong current password counts like a failed sign-in (five per quarter hour from one address for one
account), so a session left open on a shared desk does not let anyone guess it. Sessions are signed cookies
with no list on the server, so other sessions of the user are not ended here (see the README's accounts).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from runtime.errors import InvalidInput
from runtime.services import accounts
from runtime.services.users import MIN_PASSWORD, get_actor
from web.context import current_actor, login_required, remember, runtime
from web.i18n import CODES
from web.limits import PER_ACCOUNT, limiter

bp = Blueprint("account", __name__, url_prefix="/account")


def _password_key() -> str:
    return f"password|{session.get('user', '')}"


def _refused(response) -> bool:
    return response.status_code == 400


def _messages() -> dict[tuple[str, str], str]:
    return {("current", "wrong"): _("The current password is wrong."),
            ("repeated", "mismatch"): _("The new password and its repetition differ."),
            ("password", "short"): _("A password needs at least %(n)s characters.", n=MIN_PASSWORD),
            ("password", "long"): _("A password may have at most 200 characters."),
            ("password", "same"): _("The new password must differ from the current one.")}


@bp.get("/")
@login_required
def index():
    return _page()


def _page(errors: dict[str, str] | None = None, status: int = 200):
    return render_template("account.html", actor=current_actor(), errors=errors or {},
                           min_password=MIN_PASSWORD), status


@bp.post("/password")
@login_required
@limiter.limit(PER_ACCOUNT, key_func=_password_key, deduct_when=_refused)
def password():
    """Change the own password; a refusal keeps everything and says which field is wrong."""
    form = request.form
    try:
        accounts.change_own_password(runtime(), current_actor(), form.get("current", ""), form.get("password", ""),
                                     form.get("repeated", ""))
    except InvalidInput as error:
        messages = _messages()
        shown = {field: messages.get((field, code), _("Please check this field."))
                 for field, code in (error.field_errors or {}).items()}
        return _page(shown, 400)
    remember(get_actor(runtime(), current_actor().username))  # this session goes on; every other one ends
    flash(_("Your password was changed. You were signed out everywhere else."), "success")
    return redirect(url_for("account.index"))


@bp.post("/language")
@login_required
def language():
    """The user's own language: kept on the account for every later sign-in, and used now."""
    chosen = request.form.get("locale", "")
    try:
        accounts.set_locale(runtime(), current_actor(), chosen, frozenset(CODES))
    except InvalidInput:
        return _page({"locale": _("Choose one of the listed languages.")}, 400)
    session["lang"] = chosen
    flash(_("Your language setting was saved."), "success")
    return redirect(url_for("account.index"))
