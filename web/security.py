"""Security headers on every response, the session cookie's flags, the request size limit, and
route numbers bounded so a huge id is a 404, never an overflow in the database driver.

The Content-Security-Policy allows scripts only from this site (the vendored htmx and bpmn-js and
our own files: no inline script, no inline event handler); styles may be inline because bpmn-js
draws with style attributes. Pages may not be framed by other sites.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

from web.params import MAX, MAX_LOCATION, local_path

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class BoundedInt(IntegerConverter):
    """``<int:…>`` in routes, at most 2^31 - 1: larger numbers match no route (404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX)  # the same bound as numeric parameters
        super().__init__(url_map, *args, **kwargs)


def init(app, secure_cookies: bool, max_upload_bytes: int) -> None:
    app.url_map.converters["int"] = BoundedInt
    app.config.update(SESSION_COOKIE_SECURE=secure_cookies, SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax", MAX_CONTENT_LENGTH=max_upload_bytes)

    from web.context import check_upload_roles
    app.before_request(check_upload_roles)  # before CSRFProtect's hook, which parses the form

    @app.after_request
    def headers(response):
        if response.location and len(response.location) > MAX_LOCATION:  # built from a long address
            response.location = local_path(urlsplit(response.location).path, "/")
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if secure_cookies:  # served over HTTPS: browsers should never come back over plain HTTP
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html":  # pages show complainants' data: never kept in a shared cache
            response.headers.setdefault("Cache-Control", "no-store")
        return response
