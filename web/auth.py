"""Sign-in and sign-out."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from runtime.errors import PermissionDenied
from runtime.users import authenticate
from web.context import runtime

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("用户名 / User name", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("密码 / Password", validators=[DataRequired(), Length(max=200)])


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            actor = authenticate(runtime(), form.username.data, form.password.data)
        except PermissionDenied as e:
            flash(e.message, "error")
            return render_template("login.html", form=form), 401
        session.clear()
        session["user"] = actor.username
        target = request.args.get("next", "")
        return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("inbox.index"))
    return render_template("login.html", form=form)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("auth.login"))
