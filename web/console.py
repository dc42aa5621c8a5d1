"""The administrators' console beyond the list: dashboard with the diagram heatmap, one instance
with its live diagram, and the repairs (retry, suspend, resume, terminate, signal, reassign, move),
each confirmed in the page, reasoned and audited by the runtime; batch repairs over the list.
"""
from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime import services
from runtime.read import console, dashboard, dashboard_charts, definitions
from runtime.errors import ComplaintflowError, InvalidInput
from runtime.services import repair
from web import charts
from web.admin import _filter
from web.attachments import disposition
from web.params import whole_number
from web.context import current_actor, login_required, runtime
from web import error_messages

bp = Blueprint("console", __name__, url_prefix="/admin")
STATUS_ACTIONS = {"suspend": services.suspend, "resume": services.resume, "terminate": services.terminate}


@bp.get("/")
@login_required
def index():
    found = dashboard.page(runtime(), current_actor(), request.args.get("process"))
    figures = dashboard_charts.charts(runtime(), current_actor(), charts.requested_span())
    return render_template("admin_dashboard.html", overview=found.overview, processes=found.processes,
                           process=found.process, heat=found.heat, files=found.files, s=found.calendar,
                           charts=figures, chart_data=charts.chart_data(figures),
                           standard_names=charts.standard_names())


@bp.get("/instances/<number>")
@login_required
def instance(number: str):
    detail = console.instance_detail(runtime(), current_actor(), number)
    zone = ZoneInfo(runtime().settings.timezone)
    badges = {element: "⏰ " + due.astimezone(zone).strftime("%m/%d %H:%M") for element, _kind, due,
              _exact in detail.timers}
    return render_template("admin_instance.html", d=detail, badges=badges, open_incident=next(
        (i for i in detail.incidents if i.resolved_at is None), None))


@bp.post("/instances/<number>/<action>")
@login_required
def act(number: str, action: str):
    """One repair on one instance; the outcome (or why not) is flashed on the instance page."""
    form, rt, actor = request.form, runtime(), current_actor()
    reason = form.get("reason", "")
    version = whole_number(form.get("version"), "version")
    try:
        if action in STATUS_ACTIONS:
            STATUS_ACTIONS[action](rt, actor, number, repair.require_reason(reason), expected_version=version)
            flash(_("Done: %(action)s", action=_action_name(action)), "ok")
        elif action == "signal":
            repair.signal_instance(rt, actor, number, form.get("signal", ""), reason)
            flash(_("Signal sent"), "ok")
        elif action == "move":
            moved = repair.move_instance(rt, actor, number, form.get("target", ""), reason, _json(form.get("data")),
                                         expected_version=version)
            flash(_("Moved (%(how)s): %(steps)s", how=_("went back") if moved["how"] == "back" else _("skipped"),
                    steps=", ".join(moved["steps"])), "ok")
        elif action == "reassign":
            services.reassign_task(rt, actor, form.get("task_id", ""), form.get("to", ""),
                                   reason=repair.require_reason(reason))
            flash(_("Task reassigned"), "ok")
        else:
            return Response(status=404)
    except ComplaintflowError as e:
        flash(error_messages.message(e), "error")
    return redirect(url_for("console.instance", number=number))


def _action_name(action: str) -> str:
    return {"suspend": _("suspend"), "resume": _("resume"), "terminate": _("terminate")}[action]


def _json(raw: str | None) -> dict:
    if not raw or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as e:
        raise InvalidInput(f"data is not valid JSON: {e}", field_errors={"data": "not JSON"},
                           reason="not_json") from None
    if not isinstance(value, dict):
        raise InvalidInput("data must be a JSON object such as {\"validity\": \"valid\"}",
                           field_errors={"data": "object"}, reason="not_object")
    return value


@bp.post("/incidents/<int:incident_id>/retry")
@login_required
def retry(incident_id: int):
    number = request.form.get("number", "")
    try:
        status = services.retry_incident(runtime(), current_actor(), incident_id,
                                         repair.require_reason(request.form.get("reason", "")))
        flash(_("Retried: the instance is %(status)s again", status=status), "ok")
    except ComplaintflowError as e:
        flash(error_messages.message(e), "error")
    return redirect(url_for("console.instance", number=number) if number else url_for("console.index"))


@bp.post("/instances/batch")
@login_required
def batch():
    """Retry, suspend, resume or signal every instance the list's filter shows."""
    form = request.form
    result = repair.batch(runtime(), current_actor(), form.get("action", ""), _filter(), form.get("reason", ""),
                          signal=form.get("signal") or None)
    flash(_("%(action)s: %(done)s done, %(failed)s not possible", action=result.action, done=len(result.done),
            failed=len(result.failed)), "ok" if not result.failed else "error")
    for number, why in result.failed[:20]:
        flash(f"{number}: {why}", "error")
    return redirect(url_for("admin.instances", **request.args.to_dict()))


@bp.get("/packages/<int:package_id>/files/<path:name>")
@login_required
def package_file(package_id: int, name: str):
    """A file of a deployed package (the diagrams the viewer and modeler draw), always as a download:
    a process file is data, never a page (markup in it must not run in an administrator's session)."""
    content = definitions.file_content(runtime(), current_actor(), package_id, name)
    return Response(content, mimetype="application/octet-stream",
                    headers={"Content-Disposition": disposition(name.rsplit("/", 1)[-1])})
