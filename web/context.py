"""Access to the runtime and the signed-in actor from views."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, redirect, request, session, url_for

from runtime.actors import Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import PermissionDenied, UserNotFound
from runtime.services.users import get_actor
from web.params import local_path


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
            g.actor = None
        if g.actor is not None and session.get("credential") != g.actor.credential:
            g.actor = None  # the password changed since this session signed in (elsewhere, or reset)
        if username and g.actor is None:
            keep_language_only()
    return g.actor


def remember(actor: Actor) -> None:
    """Sign ``actor`` in to a fresh session (the language chosen before it stays), tied to the password
    it signed in with (see ``Actor.credential``)."""
    keep_language_only()
    session["user"] = actor.username
    session["credential"] = actor.credential


def keep_language_only() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def login_required(view):
    """Send anonymous visitors to the sign-in page; roles are re-read on every request."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        if signed_in() is None:
            return redirect(url_for("auth.login", next=local_path(request.full_path, request.path)))
        return view(*args, **kwargs)
    return wrapped


def roles_required(roles: frozenset[str], what: str):
    """Mark a view that takes an upload: ``check_upload_roles`` refuses (403) anyone without one of
    ``roles`` before anything reads the body, CSRF check included, so a stranger's upload is never
    parsed or spooled to disk. The runtime checks again; this only makes the refusal early and cheap."""
    def decorate(view):
        view.required_roles = (roles, what)
        return view
    return decorate


def check_upload_roles():
    """Before every request (registered ahead of the CSRF check): the role check of ``roles_required``;
    an anonymous visitor goes to the sign-in page, as ``login_required`` would send them."""
    view = current_app.view_functions.get(request.endpoint or "")
    required = getattr(view, "required_roles", None)
    if required is None:
        return None
    if signed_in() is None:
        return redirect(url_for("auth.login"))
    require_any(current_actor(), *required)
    return None
