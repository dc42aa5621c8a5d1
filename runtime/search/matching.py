"""Which complaints match a query, newest first: the part of search each database does its own way,
from the same terms.

SQLite: the FTS5 table (``detail=none``, rowid = instance id) walks its posting lists in rowid order,
newest first, and stops at the page: ``ORDER BY rowid DESC LIMIT`` costs no sort, however many match.

PostgreSQL: a GIN index answers "which rows" but in no order, so a word in 100,000 complaints would be
fetched and sorted whole (about 350 ms), while the planner, which cannot tell 燃气 in 110 complaints
from 漏水 in 110,000, walks the primary key backwards for both (a rare word then reads the whole table,
over a second). So the plan is ours, from what the newest complaints hold: the matches among the newest
PROBE_ROWS are counted (about 1 ms), and the cheaper of the two is taken by the costs measured here:
every match from the GIN index, sorted, or a walk of the newest complaints, testing each.

When the actor may not read every complaint, or the search is narrowed by status, category or site,
each match is checked against that (primary-key lookups, two indexed EXISTS), newest first, and only
about the newest SCAN_LIMIT matches are checked (on PostgreSQL at most MAX_WALK complaints walked): a
common word of which the actor may read none costs a bounded time, and the result says it is partial.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, cast, column, func, select, table, text
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from runtime.actors import Actor
from runtime.read.visibility import readable_instances
from runtime.search.terms import Query, Term
from runtime.store.models import ComplaintRecord, ProcessInstance
from runtime.store.search_index import FTS_TABLE, ComplaintSearch

SCAN_LIMIT = 1_000  # matches checked, newest first, when narrowed (about 10 ms on SQLite, 20 on PostgreSQL)
PROBE_ROWS = 2_000
MAX_WALK = 50_000
# PostgreSQL, microseconds: walking one row and testing its terms; fetching one match the GIN index found;
# checking one match against the actor's visibility and the filters.
WALK_COST, FETCH_COST, CHECK_COST = 0.4, 2.0, 6.0


@dataclass(frozen=True)
class Plan:
    """The ids of one page of matches (a query, newest first), and whether finding fewer than asked for
    means the search stopped looking (bounded by SCAN_LIMIT) rather than that there are no more."""

    ids: Select
    bounded: bool = False


@dataclass(frozen=True)
class Checks:
    """What each match must also pass: conditions on its instance row and on its record."""

    instance: list
    record: list

    def __bool__(self) -> bool:
        return bool(self.instance or self.record)


def newest(session: Session, wanted: Query, actor: Actor, instance: list, record: list, limit: int,
           offset: int) -> Plan:
    """The query of the ids of the newest complaints matching ``wanted`` whose instance and record meet
    ``instance`` and ``record`` and that ``actor`` may read: ``limit`` of them from ``offset``."""
    readable = readable_instances(actor)
    checks = Checks(instance + ([] if readable is None else [readable]), record)
    if session.get_bind().dialect.name == "sqlite":
        return _sqlite(session, wanted, checks, limit, offset)
    return _postgresql(session, wanted, checks, limit, offset)


def _expression(wanted: Query, all_of: str, either: str, quoted) -> str:
    """The query in a database's syntax: every term, or else the digits of a grouped number."""
    terms = all_of.join(quoted(t) for t in wanted.terms)
    return f"({terms}){either}{quoted(Term(wanted.digits))}" if wanted.digits else terms


def _checked(query, id_column, checks: Checks):
    """``query`` (ids, newest first) kept to the rows that pass ``checks``, joining only what they read."""
    if checks.instance:
        query = query.join(ProcessInstance, ProcessInstance.id == id_column).where(*checks.instance)
    if checks.record:
        query = query.join(ComplaintRecord, ComplaintRecord.instance_id == id_column).where(*checks.record)
    return query


def _sqlite(session: Session, wanted: Query, checks: Checks, limit: int, offset: int) -> Plan:
    """FTS5 query syntax from our terms (letters and digits only, so quoting them is all it takes); with
    checks, the matches from the SCAN_LIMIT-th newest on (FTS5 serves the rowid bound from the index)."""
    fts = table(FTS_TABLE, column("rowid"))
    expression = _expression(wanted, " AND ", " OR ", lambda t: f'"{t.text}"' + ("*" if t.prefix else ""))
    query = (select(fts.c.rowid).where(text(f"{FTS_TABLE} MATCH :expression").bindparams(expression=expression))
             .order_by(fts.c.rowid.desc()))
    if not checks:
        return Plan(query.limit(limit).offset(offset))
    floor = session.scalar(query.limit(1).offset(SCAN_LIMIT - 1))
    if floor is not None:
        query = query.where(fts.c.rowid >= floor)
    return Plan(_checked(query, fts.c.rowid, checks).limit(limit).offset(offset), floor is not None)


def _postgresql(session: Session, wanted: Query, checks: Checks, limit: int, offset: int) -> Plan:
    """A tsquery from our terms (quoted lexemes, ``:*`` for a prefix), answered from the GIN index or by a
    walk of the newest rows, whichever costs less for as many matches as the newest PROBE_ROWS hold."""
    rows = ComplaintSearch.__table__
    query = cast(_expression(wanted, " & ", " | ", lambda t: f"'{t.text}'" + (":*" if t.prefix else "")), TSQUERY)
    probe = select(rows.c.terms).order_by(rows.c.instance_id.desc()).limit(PROBE_ROWS).subquery()
    last, seen, *_ = session.execute(select(
        select(func.max(rows.c.instance_id)).scalar_subquery(),
        select(func.count()).select_from(probe).where(probe.c.terms.bool_op("@@")(query)).scalar_subquery(),
        # a search reads a few thousand rows at most: parallel workers (about 10 ms to start) and JIT
        # compilation (about 20 ms) cost more than they save, and the planner, misjudging a rare word by
        # its default estimate, would start them (set for this transaction)
        func.set_config("max_parallel_workers_per_gather", "0", True), func.set_config("jit", "off", True))).one()
    last, share = last or 0, max(seen, 0.5) / PROBE_ROWS  # of the complaints that match (none seen: half a match)
    check = CHECK_COST if checks else 0.0
    rows_needed = min(last, (SCAN_LIMIT if checks else limit + offset) / share)
    walk = min(rows_needed, MAX_WALK) if checks else last  # unchecked, the walk stops at the page
    if share * last * (FETCH_COST + check) <= min(rows_needed, walk) * (WALK_COST + share * check):
        # every match from the GIN index; "+ 0" keeps the planner from walking the primary key instead
        found = select(rows.c.instance_id).where(rows.c.terms.bool_op("@@")(query)) \
            .order_by((rows.c.instance_id + 0).desc())
        return Plan(_checked(found, rows.c.instance_id, checks).limit(limit).offset(offset))
    # the LIMIT inside keeps the match test out of the index scan: the newest rows, in order, tested one by one
    window = select(rows.c.instance_id, rows.c.terms).order_by(rows.c.instance_id.desc()).limit(int(walk) + 1) \
        .subquery()
    found = select(window.c.instance_id).where(window.c.terms.bool_op("@@")(query)) \
        .order_by(window.c.instance_id.desc())
    return Plan(_checked(found, window.c.instance_id, checks).limit(limit).offset(offset), bool(checks) and walk < last)
