"""The dashboard's charts (figures as a JSON block the static chart script draws, and as tables for
everyone without JavaScript), the list of complaints behind each bar, and the event-log download."""
from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _

from runtime.read import dashboard_charts as dc
from runtime.read import event_log
from runtime.errors import InvalidInput
from runtime.moments import report_day
from web.context import current_actor, login_required, runtime

bp = Blueprint("charts", __name__, url_prefix="/admin")


def standard_names() -> dict[str, str]:
    from web.reports import rate_names  # the monthly report's names of the same rates
    return rate_names()


def kind_names() -> dict[str, str]:
    return {"open_on": _("Open at the end of the day"), "breached_on": _("Deadlines missed on the day"),
            "department_open": _("Open complaints of the department"),
            "department_late": _("Open complaints of the department with a missed deadline"),
            "site_open": _("Open complaints at the site"), "site_breached": _("Deadlines missed at the site"),
            "standard_met": _("Deadlines met this month"), "standard_breached": _("Deadlines missed this month")}


def requested_span() -> dc.Span:
    """The ``from``/``to`` of the query string (YYYY-MM-DD); junk is a 400 naming the parameter."""
    return dc.span(runtime(), _day("from"), _day("to"))


def _day(name: str) -> date | None:
    raw = request.args.get(name, "")
    if not raw:
        return None
    day = report_day(raw)
    if day is None:
        raise InvalidInput(_("%(name)s must be a day like 2026-11-30, from 2000 to 2100.", name=name),
                           field_errors={name: raw[:40]}, said=True)
    return day


def chart_data(c: dc.Charts) -> dict:
    """What the chart script draws: per chart its categories, series and each bar's drill-down link."""
    span: dict[str, Any] = {"from": c.span.first.isoformat(), "to": c.span.last.isoformat()}

    def links(kind: str, keys) -> list[str]:
        return [url_for("charts.drill", kind=kind, key=k, **span) for k in keys]

    days = [d.isoformat() for d in c.span.days]
    departments, sites = [d for d, _n, _l in c.by_department], [s for s, _n, _m in c.by_site]
    names = standard_names()
    return {"charts": [
        {"id": "over-time", "categories": days, "series": [
            {"name": _("Open complaints"), "type": "line", "data": c.open_by_day, "links": links("open_on", days)},
            {"name": _("Deadlines missed"), "type": "bar", "data": c.breaches_by_day,
             "links": links("breached_on", days)}]},
        {"id": "by-department", "categories": [c.department_names.get(d, d) for d in departments], "series": [
            {"name": _("Open complaints"), "type": "bar", "data": [n for _d, n, _l in c.by_department],
             "links": links("department_open", departments)},
            {"name": _("With a missed deadline"), "type": "bar", "data": [late for _d, _n, late in c.by_department],
             "links": links("department_late", departments)}]},
        {"id": "by-site", "categories": sites, "series": [
            {"name": _("Open complaints"), "type": "bar", "data": [n for _s, n, _m in c.by_site],
             "links": links("site_open", sites)},
            {"name": _("Deadlines missed in the range"), "type": "bar", "data": [m for _s, _n, m in c.by_site],
             "links": links("site_breached", sites)}]},
        {"id": "rates", "stack": True, "categories": [_rate_label(names[r.standard], r) for r in c.rates], "series": [
            {"name": _("Met"), "type": "bar", "data": [r.met for r in c.rates],
             "links": links("standard_met", [r.standard for r in c.rates])},
            {"name": _("Missed"), "type": "bar", "data": [r.breached for r in c.rates],
             "links": links("standard_breached", [r.standard for r in c.rates])}]}]}


def _rate_label(name: str, rate: dc.Rate) -> str:
    return f"{name} {rate.percent:g}%" if rate.percent is not None else f"{name} —"


@bp.get("/charts/list")
@login_required
def drill():
    """The complaints behind one bar of a chart."""
    kind, key = request.args.get("kind", ""), request.args.get("key", "")
    found = dc.drill(runtime(), current_actor(), kind, key, requested_span())
    label = standard_names().get(key, key) if kind.startswith("standard_") else found.key_name
    return render_template("dashboard_list.html", d=found, title=kind_names()[kind], label=label,
                           limit=dc.LIST_LIMIT)


@bp.get("/event-log.xes")
@login_required
def event_log_download():
    """The audit log of ``from``..``to`` as an XES file for process mining (admin, quality)."""
    return xes_response(request.args.get("from"), request.args.get("to"))


def xes_response(raw_from: str | None, raw_to: str | None) -> Response:
    """The streamed XES download, shared by the console and the API."""
    first, last = event_log.date_range(runtime(), current_actor(), raw_from, raw_to)
    chunks = event_log.export_xes(runtime(), current_actor(), first, last)
    head = next(chunks)  # runs the role check before the response starts

    def body():
        yield head
        yield from chunks
    name = f"complaintflow-{first.isoformat()}-{last.isoformat()}.xes"
    return Response(stream_with_context(body()), mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
