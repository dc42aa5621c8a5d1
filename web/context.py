"""Access to the runtime and the signed-in actor from views."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, redirect, request, session, url_for

from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.errors import PermissionDenied, UserNotFound
from runtime.services.users import get_actor


def runtime() -> Runtime:
    return current_app.extensions["complaintflow"]


def current_actor() -> Actor:
    """The signed-in actor, in a view behind ``login_required`` (anonymous there cannot happen)."""
    actor = signed_in()
    if actor is None:
        raise PermissionDenied("sign in first")
    return actor


def signed_in() -> Actor | None:
    """The signed-in actor, or None for an anonymous visitor (sign-in page, header, errors)."""
    if "actor" not in g:
        username = session.get("user")
        try:
            g.actor = get_actor(runtime(), username) if username else None
        except UserNotFound:  # deactivated or deleted since sign-in
            session.clear()
            g.actor = None
    return g.actor


def login_required(view):
    """Send anonymous visitors to the sign-in page; roles are re-read on every request."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if signed_in() is None:
            return redirect(url_for("auth.login", next=request.full_path))
        return view(*args, **kwargs)
    return wrapped
