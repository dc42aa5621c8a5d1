"""The staff task list: claim, release and complete (the full inbox is built on this)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime import inbox, queries, services
from runtime.errors import Conflict, InvalidInput
from web import schema_form
from web.context import current_actor, login_required, runtime

bp = Blueprint("inbox", __name__)


@bp.get("/")
@login_required
def index():
    actor = current_actor()
    flt = _filter()
    result = inbox.page(runtime(), actor, flt)
    return render_template("inbox.html", result=result, flt=flt, tabs=inbox.tabs_for(actor),
                           options=inbox.filter_options(runtime()), filters=inbox.FILTERS)


def _filter() -> inbox.InboxFilter:
    """The tab, filters and page from the query string; unknown values are ignored, not errors."""
    args = request.args
    page = args.get("page", "1")
    values = {name: (args.get(name) or None) for name in inbox.FILTERS}
    return inbox.InboxFilter(tab=args.get("tab", "available"), page=int(page) if page.isdigit() else 1, **values)


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id):
    try:
        services.claim_task(runtime(), current_actor(), task_id, _version())
        notice = ("ok", _("Claimed"))
    except Conflict as e:
        notice = ("error", e.message)
    return _answer(task_id, notice)


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id):
    try:
        services.release_task(runtime(), current_actor(), task_id, _version())
        notice = ("ok", _("Released"))
    except Conflict as e:
        notice = ("error", e.message)
    return _answer(task_id, notice)


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def task(task_id):
    row = queries.task(runtime(), task_id)
    if row is None:
        abort(404, _("This task does not exist or is already done."))
    schema = _schema(row)
    errors, values = {}, {}
    if request.method == "POST":
        values = schema_form.parse(schema, request.form)
        try:
            services.complete_task(runtime(), current_actor(), task_id, values, _version())
            flash(_("Completed: %(title)s", title=row.title), "ok")
            return redirect(url_for("inbox.index"))
        except InvalidInput as e:
            errors = e.field_errors or {"(form)": e.message}
    status = 400 if errors else 200
    return render_template("task.html", task=row, fields=schema_form.fields(schema), errors=errors,
                           values=values, timeline=queries.timeline(runtime(), row.instance_id)), status


def _answer(task_id: str, notice: tuple[str, str]):
    """htmx swaps in the task's fresh row with the outcome; a plain form post goes back to the list."""
    if request.headers.get("HX-Request"):
        row = inbox.row(runtime(), task_id)
        if row is None:
            return render_template("_gone_row.html", notice=notice)
        return render_template("_task_row.html", t=row, notice=notice)
    flash(notice[1], notice[0])
    return redirect(_back())


def _back() -> str:
    """Where the user came from (same tab, filters and page), if it is a path of this site."""
    target = request.form.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else url_for("inbox.index")


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def _schema(row) -> dict:
    return queries.task_form(runtime(), row) or {"type": "object", "properties": {}}
