"""Flask app factory: the staff-facing web app over the runtime services."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from runtime.bootstrap import Runtime, bootstrap

csrf = CSRFProtect()


def create_app(runtime: Runtime | None = None, config: dict | None = None) -> Flask:
    """Build the app around ``runtime`` (default: one bootstrapped from the environment)."""
    app = Flask(__name__)
    rt = runtime or bootstrap()
    app.config.update(SECRET_KEY=rt.settings.secret_key, WTF_CSRF_TIME_LIMIT=None)
    from web import security
    security.init(app, rt.settings.secure_cookies, rt.settings.max_upload_bytes)  # before any route is added
    app.config.update(config or {})
    app.extensions["complaintflow"] = rt
    csrf.init_app(app)
    from web import i18n, limits
    i18n.init(app)
    limits.init(app)
    zone = ZoneInfo(rt.settings.timezone)
    app.jinja_env.filters["local"] = lambda moment, fmt="%m/%d %H:%M": moment.astimezone(zone).strftime(fmt)
    app.jinja_env.filters["localtime"] = lambda moment: _localtime(moment, zone)
    from web.timefmt import time_left
    app.jinja_env.filters["time_left"] = time_left
    from runtime import clock
    app.jinja_env.globals["now"] = clock.now
    from runtime.services.reports import READ_ROLES
    app.jinja_env.globals["report_roles"] = READ_ROLES
    app.jinja_env.globals["choice_name"] = _choice_name
    app.jinja_env.globals["department_name"] = lambda code: _choice_name("department", code)
    app.jinja_env.filters["reject_keys"] = lambda mapping, *keys: {k: v for k, v in mapping.items() if k not in keys}

    from web import (actions, admin, api, attachments, auth, calendar, charts, complaints, console, errors, health,
                     inbox, notices, processes, reports, search)
    from web import api_actions, api_case, api_complaints, api_event_log  # noqa: F401 - routes of the API's blueprint
    csrf.exempt(api.bp)  # token-authenticated, no cookies: CSRF does not apply
    limits.limiter.exempt(api.bp)  # its limits guard the sign-in forms only: no API request looks them up
    from web import account, admin_users, collective
    for module in (api, auth, inbox, complaints, attachments, notices, admin, console, charts, calendar, processes,
                   search, reports, actions, collective, health, account, admin_users):
        app.register_blueprint(module.bp)
    app.jinja_env.globals["accepted_files"] = attachments.ACCEPTED_FILES
    app.jinja_env.globals["max_attachment_mb"] = rt.settings.max_attachment_bytes // 2**20
    app.jinja_env.globals["may_see_cases"] = collective.may_see_cases
    app.jinja_env.globals["unread_count"] = notices.unread_count
    errors.register(app)
    return app


def _localtime(moment, zone: ZoneInfo) -> str:
    """A moment kept as ISO text (a kept report's figures) or a datetime, as local date and time."""
    if not moment:
        return ""
    if isinstance(moment, str):
        from datetime import datetime
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")



def _choice_name(field: str, code: str | None) -> str:
    """A category, channel or department as the deployed forms name it (噪音扰民, 工程维修 — not ``noise``,
    ``engineering``), read once per request; a code no form knows is shown as it is."""
    from flask import g

    from runtime.read.dashboard_charts import department_names
    from web.context import runtime
    from web.i18n import authored
    from web.search import intake_names
    if "choice_names" not in g:
        rt = runtime()
        with rt.db.reader() as session:
            g.choice_names = {"department": department_names(rt, session), **intake_names()}
    return authored(g.choice_names.get(field, {}).get(code, code)) or "—" if code else "—"
