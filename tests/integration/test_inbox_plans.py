"""A manager's inbox filtered by category or site finds the task rows through an index lookup, on both
backends, for every tab: without one, the team and overdue counts scanned all open tasks (at 100,000
open, bench/inbox.py: SQLite 31.7 -> 3.1 ms, PostgreSQL 26.9 -> 6.4 ms). The plans are read for the
statements the inbox page really runs."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from runtime.actors import Actor
from runtime.read import inbox

MANAGER = Actor("boss", frozenset({"cs_manager"}))
# an index searched for equal values (SQLite: "SEARCH human_task USING INDEX ix (site=?)"; PostgreSQL: an
# "Index Cond" with "="), not a whole scan of the table nor a range of one (due_at < now: a third of them)
LOOKUP = {"sqlite": re.compile(r"SEARCH human_task USING (COVERING )?INDEX \w+ \([^)]*=\?"),
          "postgresql": re.compile(r"Index Cond: .* = ")}


def _tab_counts(rt, flt: inbox.InboxFilter) -> list[tuple[str, object]]:
    """The statements that count an inbox tab, as one page of the inbox runs them."""
    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        seen.append((statement, parameters))
    event.listen(rt.db.engine, "before_cursor_execute", record)
    try:
        inbox.page(rt, MANAGER, flt)
    finally:
        event.remove(rt.db.engine, "before_cursor_execute", record)
    return [(s, p) for s, p in seen if s.lstrip().startswith("SELECT count(")]


def _plan(rt, statement: str, parameters) -> str:
    with rt.db.engine.connect() as connection:
        if rt.db.is_sqlite:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return "\n".join(str(r[-1]) for r in rows)
        connection.exec_driver_sql("SET enable_seqscan = off")  # a table this small would be read whole anyway
        return "\n".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + statement, parameters).all())


@pytest.mark.parametrize("flt", [
    inbox.InboxFilter("team", category="lift", site="三号楼"),
    inbox.InboxFilter("overdue", category="noise"),
    inbox.InboxFilter("team", site="三号楼"),
], ids=["category and site", "category", "site"])
def test_a_filtered_inbox_reads_the_tasks_through_an_index(rt, flt):
    counts = _tab_counts(rt, flt)
    assert len(counts) == len(inbox.tabs_for(MANAGER))
    for statement, parameters in counts:
        plan = _plan(rt, statement, parameters)
        assert LOOKUP[rt.db.engine.dialect.name].search(plan) and "SCAN human_task" not in plan, plan
