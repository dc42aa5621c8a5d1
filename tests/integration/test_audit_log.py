"""The audit log is append-only in the database itself."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from runtime import services
from tests.conftest import FRONT_DESK
from tests.helpers import audit

START = {"divisor": 2, "category": "noise", "description": "噪音"}


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event"])
def test_audit_events_cannot_be_changed_or_deleted(rt, basic, statement):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    with pytest.raises(DBAPIError, match="append-only"), rt.db.transaction() as session:
        session.execute(text(statement))
    assert [(e.actor, e.action) for e in audit(rt, "C-1")] == [("wang", "started")]
