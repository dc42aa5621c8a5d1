"""Slowing down password guessing at the door, with Flask-Limiter: per client address, and per
client address and account, counting failed sign-ins only. An attacker elsewhere cannot lock a
person out, and the answer is the same whether the name exists or not. Counts live in the process
(one web process on SQLite; behind several, each counts its own)."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

PER_CLIENT = "30 per minute"  # sign-in attempts from one address, whatever the account
PER_ACCOUNT = "5 per 15 minutes"  # failed sign-ins from one address for one account

limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", strategy="moving-window",
                  headers_enabled=True)


def account_key() -> str:
    return f"{get_remote_address()}|{(request.form.get('username') or '').strip().lower()[:80]}"


def failed(response) -> bool:
    return response.status_code == 401


def init(app) -> None:
    limiter.init_app(app)

    @app.errorhandler(429)
    def too_many(_error):
        return render_template("error.html", message=_("Too many sign-in attempts from here; please wait a few "
                                                         "minutes and try again.")), 429
