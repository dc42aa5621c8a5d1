"""Complaint intake (front desk) and the complaint page: record, steps, deadlines, timeline,
comments, linked complaints, escalation reports, and the audited reveal of contact data."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from runtime import clock, services
from runtime.read import complaint_page, queries
from runtime.actors import require_any
from runtime.errors import IncidentRaised, InstanceNotFound, InvalidInput
from runtime.read.standing import standing
from runtime.services.events import REPORTABLE_SIGNALS, URGENCY_MESSAGE, dispatch_missed, may_correct_urgency
from runtime.services.instances import START_ROLES
from runtime.services import archive
from runtime.services.contact import reveal_contact
from web import file_messages, schema_form
from web.attachments import uploads
from web.context import current_actor, login_required, runtime
from web import error_messages, form_messages

bp = Blueprint("complaints", __name__, url_prefix="/complaints")
PROCESS = "complaint"
REPORTABLE = REPORTABLE_SIGNALS  # the same list as the API's


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require_any(current_actor(), START_ROLES, "accept complaints")  # before showing or checking anything
    schema = queries.start_form(runtime(), PROCESS)
    if schema is None:
        abort(404, _("The complaint process is not deployed."))
    errors, values, duplicates = {}, {}, []
    if request.method == "POST":
        values = schema_form.parse(schema, request.form)
        duplicates = queries.duplicates(runtime(), values.get("customer_phone"), values.get("category"))
        if duplicates and request.form.get("confirm_duplicate") != "yes":
            errors = {"(form)": _("An open complaint from this phone in this category exists. "
                                  "Add to it instead, or confirm that this is a new complaint.")}
        else:
            try:
                started = services.start_instance(runtime(), current_actor(), PROCESS, values, files=uploads("files"))
                flash(_("Complaint %(number)s accepted; you own it until it closes.", number=started.business_key),
                      "ok")
                return redirect(url_for("complaints.show", number=started.business_key))
            except InvalidInput as e:
                errors = form_messages.field_messages(schema, e) or {"(form)": error_messages.message(e)}
                if "files" in errors:  # a refused attachment, in the reader's language
                    errors = {"(form)": file_messages.message(e, runtime().settings.max_attachment_bytes)}
            except IncidentRaised as e:  # kept, with an incident: the receiver still owns a number
                flash(_("Complaint %(number)s is recorded, but an automatic step failed; the administrators were "
                        "told and it will be retried. You own it until it closes.", number=e.business_key), "warn")
                return redirect(url_for("complaints.show", number=e.business_key))
    status = 400 if errors else 200
    return render_template("complaint_new.html", fields=schema_form.fields(schema), values=values, errors=errors,
                           duplicates=duplicates), status


@bp.get("/<number>")
@login_required
def show(number: str):
    return _page(number)


def _page(number: str, revealed: dict | None = None, status: int = 200):
    found = complaint_page.page(runtime(), current_actor(), number, PROCESS, revealed)
    if found is None:
        raise InstanceNotFound(f"no complaint {number}", number=number)
    now = clock.now()
    deadlines = [(t.title, t.due_at, t.due_at < now, t.due_exact) for t in found.view.tasks if t.due_at]
    return render_template("complaint.html", view=found.view, record=found.record, labels=found.labels,
                           chosen=found.chosen, masked=found.masked, deadlines=deadlines, links=found.links,
                           reportable=[n for n in REPORTABLE if n in found.view.waiting_signals],
                           outcome=found.view.outcome, standing=standing(found.view.facts),
                           correctable=_correctable(found.view, now), case=found.case_file, archive=found.archive,
                           may_archive=archive.may_download(current_actor())), status


def _correctable(view, now) -> bool:
    """Offer the urgency correction only where it would be taken: while the complaint waits for
    dispatch, to someone who may, and before the dispatch deadline has passed."""
    return URGENCY_MESSAGE in view.waiting_messages and may_correct_urgency(current_actor(), view.owner) \
        and not dispatch_missed(view.tasks, now)


@bp.post("/<number>/reveal")
@login_required
def reveal(number: str):
    return _page(number, revealed=reveal_contact(runtime(), current_actor(), number))


@bp.post("/<number>/comments")
@login_required
def comment(number: str):
    try:
        services.add_comment(runtime(), current_actor(), number, request.form.get("text", ""))
        flash(_("Comment added"), "ok")
    except InvalidInput as e:
        flash(error_messages.message(e), "error")
    return redirect(url_for("complaints.show", number=number))


@bp.post("/<number>/urgency")
@login_required
def correct_urgency(number: str):
    urgent = {"true": True, "false": False}.get(request.form.get("urgent", ""), request.form.get("urgent"))
    services.correct_urgency(runtime(), current_actor(), number, urgent)
    flash(_("Corrected: dispatch at once (5 minutes).") if urgent else _("Corrected: dispatch within 20 minutes."),
          "ok")
    return redirect(url_for("complaints.show", number=number))


@bp.post("/<number>/report/<name>")
@login_required
def report(number: str, name: str):
    if name not in REPORTABLE:
        abort(404)
    services.send_signal(runtime(), current_actor(), name, {"reported_by": current_actor().username},
                         business_key=number)
    flash(_("Reported; the complaint is now handled as a crisis."), "ok")
    return redirect(url_for("complaints.show", number=number))
