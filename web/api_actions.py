"""Corrective and preventive actions over the API: the open ones by scope and marking one done.
Same blueprint, token, role checks and error shape as web/api.py; the contract is web/openapi.json."""
from __future__ import annotations

from flask import g, request

from runtime.errors import InvalidInput
from runtime.read.actions import open_actions
from runtime.services.actions import mark_done
from web.api import bp, json_object, token_required
from web.context import runtime


@bp.get("/actions")
@token_required
def actions():
    """``?scope=mine|all|overdue`` (mine by default): open actions, soonest due first."""
    scope = request.args.get("scope", "mine")
    return {"scope": scope, "actions": [a.as_json() for a in open_actions(runtime(), g.actor, scope)]}


@bp.post("/actions/<int:action_id>/done")
@token_required
def action_done(action_id: int):
    """Body ``{"note": "what was done"}``; the owner, a site manager or the quality department."""
    body = json_object()
    unknown = sorted(set(body) - {"note"})
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(unknown)}; send only 'note'")
    mark_done(runtime(), g.actor, action_id, body.get("note"))
    return {"id": action_id, "status": "done", "done_by": g.actor.username}
