"""The monthly complaint report in the console: the kept reports, any month or range of days with its 001 rates
(numerator and denominator, the month before and the same month last year beside each), breakdowns, breaches
with their rating, repeat and collective complaints and corrective actions, drawn with Apache ECharts; and the
same report as a spreadsheet or a PDF. The chart code is a static file (the CSP allows no inline script); the
figures travel in a JSON block that the tables below the charts also show, so every number reads without
JavaScript."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime import clock
from runtime.errors import InvalidInput
from runtime.reporting import labels
from runtime.reporting.tables import compared, ratio
from runtime.services import reports
from web.attachments import file_response
from web.context import current_actor, login_required, runtime

bp = Blueprint("reports", __name__, url_prefix="/reports")
FORMATS = ("xlsx", "pdf")


def _period(text: str | None) -> reports.Period:
    try:
        return reports.parse_period(text)
    except InvalidInput:
        raise InvalidInput(_("The period must be a month such as 2026-11, or a range of at most 366 days such as "
                             "2026-11-01..2026-11-15."), said=True) from None


@bp.get("/")
@login_required
def index():
    rt, actor = runtime(), current_actor()
    kept = reports.kept_list(rt, actor)
    wanted = request.args.get("period") or _range(request.args.get("from"), request.args.get("to"))
    if wanted:
        return redirect(url_for("reports.show", period=_period(wanted).key))
    today = clock.now().astimezone(ZoneInfo(rt.settings.timezone))
    return render_template("reports.html", kept=kept, this_month=f"{today:%Y-%m}", may_keep=_may_keep())


def _range(starts: str | None, ends: str | None) -> str | None:
    return f"{starts}..{ends}" if starts and ends else None


@bp.get("/<period>")
@login_required
def show(period: str):
    rt, actor = runtime(), current_actor()
    chosen = _period(period)
    found = reports.kept(rt, actor, chosen)
    figures = found.figures if found else reports.live(rt, actor, chosen)
    over = chosen.ends_on < clock.now().astimezone(ZoneInfo(rt.settings.timezone)).date()
    return render_template("report.html", period=chosen, kept=found, figures=figures, rows=_rate_rows(figures),
                           breakdowns=_breakdowns(rt, figures), may_keep=_may_keep() and found is None and over,
                           title=_title(chosen), rate_names=rate_names(), rating_names=rating_names())


@bp.get("/<period>/<kind>")
@login_required
def download(period: str, kind: str):
    if kind not in FORMATS:
        raise InvalidInput(_("A report is available as a spreadsheet (xlsx) or a PDF (pdf)."), said=True)
    doc = reports.document(runtime(), current_actor(), _period(period), kind)
    return file_response(doc.body, doc.media_type, doc.filename)


@bp.post("/<period>/keep")
@login_required
def keep(period: str):
    chosen = _period(period)
    try:
        reports.make_now(runtime(), current_actor(), chosen)
    except InvalidInput:
        flash(_("A period is kept once it is over; the worker keeps each month's report on its last working day."),
              "error")
        return redirect(url_for("reports.show", period=chosen.key))
    flash(_("The report was kept and sent to its recipients."), "ok")
    return redirect(url_for("reports.show", period=chosen.key))


def _may_keep() -> bool:
    return bool(reports.MAKE_ROLES & current_actor().roles)


def _title(period: reports.Period) -> str:
    if period.is_month:
        return _("Complaint report %(year)s-%(month)s", year=period.starts_on.year, month=f"{period.starts_on:%m}")
    return _("Complaint report %(start)s to %(end)s", start=period.starts_on.isoformat(),
             end=period.ends_on.isoformat())


def rate_names() -> dict[str, str]:
    return {"accepted": _("Acceptance rate"), "entered_2h": _("Entered within 2 hours"),
            "dispatched_20min": _("Dispatched within 20 minutes"), "replied_24h": _("Replied within 24 hours"),
            "handled_in_time": _("Handled within 3/5 working days"),
            "contacted_3_days": _("Customer contacted every 3 days"), "called_back": _("Called back in time"),
            "closed_accepted": _("Closed with the customer's acceptance"),
            "improper_closure": _("Improper closures (without acceptance, or reopened)")}


def rating_names() -> dict[str, str]:
    return {"serious": _("Serious"), "normal": _("Normal"), "minor": _("Minor")}


def dimension_names() -> dict[str, str]:
    return {"validity": _("Validity"), "category": _("Category"), "severity": _("Severity"),
            "department": _("Department"), "channel": _("Channel"), "site": _("Site")}


def _rate_rows(figures: dict) -> list[dict]:
    previous = {r["key"]: r for r in compared(figures, "previous").get("rates", [])}
    last_year = {r["key"]: r for r in compared(figures, "last_year").get("rates", [])}
    return [{**r, "rate": ratio(r), "previous": ratio(previous.get(r["key"])),
             "last_year": ratio(last_year.get(r["key"]))} for r in figures.get("rates", [])]


def _breakdowns(rt, figures: dict) -> list[dict]:
    forms_dir, names = rt.settings.processes_dir / "forms", dimension_names()
    severities = {"normal": _("Normal"), "major": _("Major"), "crisis": _("Crisis")}
    out = []
    for dimension, counts in figures["counts"]["by"].items():
        items = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
        shown = [(_name(forms_dir, severities, dimension, code), count) for code, count in items]
        out.append({"key": dimension, "name": names.get(dimension, dimension), "items": shown})
    return out


def _name(forms_dir, severities: dict, dimension: str, code: str | None) -> str:
    if code in labels.NOT_RECORDED:
        return _("(not recorded)")
    if dimension == "severity":
        return severities.get(code or "", code or "")
    return labels.value(forms_dir, dimension, code)
