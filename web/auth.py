"""Sign-in and sign-out."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from runtime.errors import PermissionDenied
from runtime.services.users import authenticate
from web.params import local_path
from web.context import keep_language_only, remember, runtime
from web.limits import PER_ACCOUNT, PER_CLIENT, account_key, failed, limiter

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("User name", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT, methods=["POST"])
@limiter.limit(PER_ACCOUNT, methods=["POST"], key_func=account_key, deduct_when=failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            actor = authenticate(runtime(), form.username.data, form.password.data)
        except PermissionDenied:  # one answer for an unknown name and a wrong password
            flash(_("Wrong user name or password."), "error")
            return render_template("login.html", form=form), 401
        remember(actor)
        target = request.args.get("next", "")
        return redirect(local_path(target, url_for("inbox.index")))
    return render_template("login.html", form=form)


@bp.post("/language")
def language():
    """Switch the interface language for this session (and come back to the same page)."""
    from web.i18n import CODES
    chosen = request.form.get("lang", "")
    if chosen in CODES:
        session["lang"] = chosen
    target = request.form.get("next", "")
    return redirect(local_path(target, url_for("inbox.index")))


@bp.post("/logout")
def logout():
    keep_language_only()
    return redirect(url_for("auth.login"))
