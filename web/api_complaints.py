"""Searching complaints over the API: ``GET /api/v1/complaints?q=`` (the inbox header's search for
integrators: a hotline ticket id, a phone, words). Same blueprint, token, role checks and error shape
as web/api.py: only complaints the token's user may read, contact data masked by role; unknown or
repeated parameters and bad values are a 400 naming them. The contract is web/openapi.json."""
from __future__ import annotations

from flask import g, request

from runtime.errors import InvalidInput
from runtime.search import query
from runtime.search.terms import MAX_QUERY
from web.api import bp, token_required
from web.context import runtime
from web.params import whole_number

PARAMETERS = ("q", "status", "category", "site", "page", "per_page")
LIMITS = {"q": MAX_QUERY, "status": 20, "category": 80, "site": 300}
MAX_PAGE = 10  # x at most 100 a page: the first 1,000 results (query.MAX_RESULTS)


@bp.get("/complaints")
@token_required
def search_complaints():
    args = _arguments()
    page, per_page = _number("page", 1, MAX_PAGE), _number("per_page", 20, query.MAX_PAGE)
    found = query.find(runtime(), g.actor, args["q"], status=args.get("status"), category=args.get("category"),
                       site=args.get("site"), limit=per_page, offset=(page - 1) * per_page)
    return {"query": args["q"], "complaints": [_hit_json(h) for h in found.rows], "page": page, "per_page": per_page,
            "has_more": found.has_more, "partial": found.partial}


def _arguments() -> dict[str, str]:
    """The query string's text parameters, each once, known and not too long; ``q`` is required."""
    unknown = sorted(set(request.args) - set(PARAMETERS))
    if unknown:
        raise InvalidInput(f"unknown parameter {unknown[0]!r}; known: {', '.join(PARAMETERS)}",
                           field_errors={unknown[0][:40]: "unknown"})
    repeated = [name for name in request.args if len(request.args.getlist(name)) > 1]
    if repeated:
        raise InvalidInput(f"{repeated[0]} given more than once", field_errors={repeated[0]: "repeated"})
    args = {name: request.args[name] for name in LIMITS if request.args.get(name)}
    for name, value in args.items():
        if len(value) > LIMITS[name]:
            raise InvalidInput(f"{name} may hold at most {LIMITS[name]} characters", field_errors={name: value[:40]})
    if "q" not in args:
        raise InvalidInput("q (what to search for) is required", field_errors={"q": "missing"})
    return args


def _number(name: str, default: int, largest: int) -> int:
    value = whole_number(request.args.get(name), name, default=default)
    if value is None or not 1 <= value <= largest:
        raise InvalidInput(f"{name} must be a whole number from 1 to {largest}", field_errors={name: str(value)})
    return value


def _hit_json(hit: query.Hit) -> dict:
    return {"number": hit.number, "status": hit.status, "category": hit.category, "site": hit.site,
            "subject": hit.subject, "customer_name": hit.customer_name, "customer_phone": hit.customer_phone,
            "external_ref": hit.external_ref, "started_at": hit.started_at.isoformat()}
