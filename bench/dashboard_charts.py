"""Benchmark: the dashboard's charts, their drill-down lists and the event-log export on a large
database. Not a test.

Fills SQLite with 100,000 open and 1,000,000 closed complaints as ``bench.inbox`` does (every one
started within the last 28 days: the pessimistic case, the whole table inside a 30-day chart) plus
three deadlines each in ``sla_clock`` (dispatch, reply, handling; one in ten missed), then times the
charts for the last 30 days, a few drill-down lists, and streaming a day of the audit log as XES.

    python -m bench.dashboard_charts [--open 100000] [--closed 1000000] [--runs 20]
"""
from __future__ import annotations

import argparse
import time
from datetime import timedelta

from sqlalchemy import text

from bench.databases import each_backend
from bench.inbox import fill, runtime_for, series, timed
from runtime import clock
from runtime.actors import Actor
from runtime.read import dashboard_charts as dc
from runtime.read import event_log

RULES = ("dispatch_20_minutes", "reply_24_hours", "handle_3_working_days")


def fill_clocks(rt, total: int) -> None:
    now = clock.now().replace(tzinfo=None).isoformat(sep=" ")
    rows = []

    def ago(plus: int) -> str:  # minutes before now: x % 40000, less ``plus``
        return f"datetime(:now, ({plus} - x % 40000) || ' minutes')"
    for n, rule in enumerate(RULES):
        rows.append(f"""{series(total)} INSERT INTO sla_clock (instance_id, business_key, timer_id, rule, element_id,
            element_name, task_id, started_at, due_at, met_at, breached_at, exact)
            SELECT x, 'B-' || x, 'timer-{n}-' || x, '{rule}', 'e{n}', '{rule}', NULL,
                   {ago(0)}, {ago(60)}, CASE WHEN x % 10 <> {n} THEN {ago(30)} END,
                   CASE WHEN x % 10 = {n} THEN {ago(60)} END, 1
            FROM g""")
    t0 = time.perf_counter()
    with rt.db.transaction() as s:
        for sql in rows:
            s.execute(text(sql), {"now": now})
    with rt.db.engine.connect() as c:
        c.exec_driver_sql("ANALYZE")
    print(f"  filled {3 * total:,} deadlines in {time.perf_counter() - t0:.0f} s")


def scenarios(rt) -> dict:
    admin = Actor("root", frozenset({"admin"}))
    last30 = dc.span(rt, None, None)
    today = last30.last.isoformat()
    day = (last30.last - timedelta(days=3))
    return {
        "charts, last 30 days": lambda: dc.charts(rt, admin, last30),
        "charts, last 7 days": lambda: dc.charts(rt, admin, dc.span(rt, last30.last - timedelta(days=6), None)),
        "list: open at the end of a day": lambda: dc.drill(rt, admin, "open_on", today, last30),
        "list: missed on a day": lambda: dc.drill(rt, admin, "breached_on", today, last30),
        "list: open at a site": lambda: dc.drill(rt, admin, "site_open", "site7", last30),
        "list: dispatch missed this month": lambda: dc.drill(rt, admin, "standard_breached", "dispatched", last30),
        "event log, one day (XES)": lambda: sum(len(c) for c in event_log.export_xes(rt, admin, day, day)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--closed", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    print(f"dashboard charts, {args.open:,} open + {args.closed:,} closed complaints, SQLite; ms median / p95 "
          f"over {args.runs} runs (target p95 < 50 ms)")
    with each_backend(["sqlite"], "bench_charts") as databases:
        for _backend, url, workdir in databases:
            rt = runtime_for(url, workdir)
            fill(rt, args.open, args.closed)
            fill_clocks(rt, args.open + args.closed)
            for name, fn in scenarios(rt).items():
                median, p95 = timed(fn, args.runs)
                print(f"  {name:<34} {median:9.2f} / {p95:9.2f}{'' if p95 < 50 else '   <-- over target'}")
            rt.close()


if __name__ == "__main__":
    main()
