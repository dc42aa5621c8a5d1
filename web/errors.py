"""The one place that maps runtime errors to HTTP status codes and pages."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from runtime import errors
from web import error_messages

STATUS = (
    (errors.NotFound, 404),
    (errors.PermissionDenied, 403),
    (errors.Conflict, 409),
    (errors.InvalidInput, 400),
    (errors.DeploymentRejected, 400),
    (errors.IncidentRaised, 409),
    (errors.Unavailable, 503),
    (errors.BlobCorrupt, 503),
    (errors.ConfigurationError, 503),  # an owner's settings file is wrong: nothing was done until it is fixed
)


def status_for(error: errors.ComplaintflowError) -> int:
    for cls, status in STATUS:
        if isinstance(error, cls):
            return status
    return 500


def register(app) -> None:
    @app.errorhandler(errors.ComplaintflowError)
    def runtime_error(error):
        return render_template("error.html", message=error_messages.message(error)), status_for(error)

    @app.errorhandler(HTTPException)
    def http_error(error):
        headers = [(k, v) for k, v in error.get_headers() if k.lower() == "allow"]  # a 405 names what is allowed
        if _wants_json():
            code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(error.code, "http_error")
            return jsonify({"error": {"code": code, "message": error.description}}), error.code, headers
        message = error_messages.http_message(error)
        if error.code == 413:  # files too large in all: said in the reader's language, with the limit
            message = _("What you sent is larger than %(mb)s MB in all; attach fewer or smaller files at a time.",
                        mb=app.config["MAX_CONTENT_LENGTH"] // 2**20)
        return render_template("error.html", message=message), error.code, headers

    @app.errorhandler(Exception)
    def unexpected(error):
        app.logger.exception("unhandled error")
        if _wants_json():
            return jsonify({"error": {"code": "internal", "message": "internal error; it was logged"}}), 500
        return render_template("error.html", message=_("Internal error; it was logged.")), 500


def _wants_json() -> bool:
    return request.path.startswith("/api/")
