"""Search from the inbox header: ``GET /search?q=`` finds complaints by number, phone, name, unit, the
integrator's ticket id and the words of the description and the demand (``runtime.search``).

A page that never fails on what was typed or hand-edited into its address: an empty query shows the
box, any text is only text (quotes, stars, operators, control characters, 10 kB of it), and unknown
filter values or pages are ignored, as the inbox does.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request

from runtime.read import inbox, queries
from runtime.read.case_file import choice_names
from runtime.search import query
from runtime.search.terms import MAX_QUERY
from web.context import current_actor, login_required, runtime
from web.params import whole_number

bp = Blueprint("search", __name__)
COMPLAINT_PROCESS = "complaint"
PAGE_SIZE = 20
STATUSES = ("open", "ended")
FILTERS = ("category", "site")


@bp.get("/search")
@login_required
def results():
    text = (request.args.get("q") or "")[:MAX_QUERY]
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    narrowed = {name: (request.args.get(name) or "")[:300] or None for name in FILTERS}
    page = min(whole_number(request.args.get("page"), "page", default=1, strict=False) or 1,
               query.MAX_RESULTS // PAGE_SIZE)
    found = query.find(runtime(), current_actor(), text, status=status, limit=PAGE_SIZE,
                       offset=(page - 1) * PAGE_SIZE, **narrowed) if text.strip() else None
    return render_template("search.html", q=text, found=found, page=page, status=status, narrowed=narrowed,
                           statuses=STATUSES, options=inbox.filter_options(runtime()),
                           last_page=query.MAX_RESULTS // PAGE_SIZE, category_names=intake_names()["category"])


def intake_names() -> dict[str, dict[str, str]]:
    """The intake form's names of its categories and channels (停水, not ``water``)."""
    fields = (queries.start_form(runtime(), COMPLAINT_PROCESS) or {}).get("properties", {})
    return {name: choice_names(fields.get(name, {})) for name in ("category", "channel")}
