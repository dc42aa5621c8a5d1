"""The administrators' console: the instance list with its filters, sorting, pages and exports (CSV, XLSX).
(Dashboard, instance page with the diagram, repairs and definitions come with issue 6.)"""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, render_template, request, stream_with_context

from runtime.read import monitoring
from runtime.errors import InvalidInput
from web import exports
from web.params import short_text, whole_number
from web.context import current_actor, login_required, runtime

bp = Blueprint("admin", __name__, url_prefix="/admin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUSES = ("running", "waiting", "suspended", "failed", "completed", "terminated")


@bp.get("/instances")
@login_required
def instances():
    flt = _filter()
    page = monitoring.instances(runtime(), current_actor(), flt)
    return render_template("admin_instances.html", page=page, flt=flt, statuses=STATUSES,
                           cap=monitoring.COUNT_CAP, sorts=list(monitoring.SORTS), signals=_signals())


def _signals() -> dict[str, str]:
    """The signals the current version's diagrams catch, by the name of the event that catches each."""
    from runtime.read.element_names import signal_names
    from runtime.store.releases import current
    with runtime().db.reader() as session:
        now = current(session)
        return signal_names(session, now.package_id) if now else {}


@bp.get("/instances.csv")
@login_required
def instances_csv():
    """UTF-8 with a BOM (Excel then reads Chinese), headers and names in the reader's language, local times."""
    rows = monitoring.export_rows(runtime(), current_actor(), _filter())
    first = next(rows, None)  # runs the role check before the response starts
    chunks = exports.csv_chunks(_chain(first, rows), exports.wording(runtime()))
    return Response(stream_with_context(chunks), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=complaintflow-instances.csv"})


@bp.get("/instances.xlsx")
@login_required
def instances_xlsx():
    """The same list as an Excel workbook: times as date-times one can sort and compute with."""
    rows = monitoring.export_rows(runtime(), current_actor(), _filter())
    body = exports.xlsx_bytes(rows, exports.wording(runtime()))
    return Response(body, mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=complaintflow-instances.xlsx"})


def _chain(first, rest):
    if first is not None:
        yield first
        yield from rest


def _filter() -> monitoring.InstanceFilter:
    """The filter from the query string; malformed dates or numbers are a 400 naming the field."""
    a = request.args
    zone = ZoneInfo(runtime().settings.timezone)

    def text(name: str) -> str | None:
        return short_text(a.get(name), name)

    return monitoring.InstanceFilter(
        process=text("process"), version=_int(a, "version"), status=text("status"), severity=text("severity"),
        overdue=a.get("overdue") == "1", department=text("department"), owner=text("owner"),
        started_from=_day(a, "started_from", zone), started_to=_day(a, "started_to", zone, 1),
        ended_from=_day(a, "ended_from", zone), ended_to=_day(a, "ended_to", zone, 1), number=text("number"),
        text=text("text"), sort=a.get("sort", "started"), descending=a.get("order", "desc") != "asc",
        page=_int(a, "page") or 1)


def _int(args, name: str) -> int | None:
    return whole_number(args.get(name), name)


def _day(args, name: str, zone, plus_days: int = 0) -> datetime | None:
    """A YYYY-MM-DD in the business time zone; 'to' dates include the whole day."""
    raw = args.get(name, "")
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2025-10-09", field_errors={name: raw[:40]},
                           reason="date", name=name) from None
    from datetime import timedelta
    return datetime.combine(day + timedelta(days=plus_days), time(0), zone)
