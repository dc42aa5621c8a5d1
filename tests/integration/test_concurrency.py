"""Two people acting on the same task at the same moment: exactly one wins, nothing is corrupted."""
from __future__ import annotations

import threading

from sqlalchemy import select

from runtime import services
from runtime.actors import Actor
from runtime.errors import AlreadyClaimed, Conflict
from runtime.store.models import ProcessInstance
from tests.conftest import FRONT_DESK
from tests.helpers import audit, instance, task, tasks

START = {"divisor": 2, "category": "noise", "description": "噪音"}
RACERS = [Actor("wang", frozenset({"front_desk"})), Actor("zhou", frozenset({"front_desk"}))]


def race(action, actors):
    """Run ``action(actor)`` in one thread per actor, released together; returns results or errors."""
    barrier = threading.Barrier(len(actors))
    results: dict[str, object] = {}

    def run(actor):
        barrier.wait()
        try:
            results[actor.username] = action(actor)
        except Exception as e:  # the loser's error is part of the result
            results[actor.username] = e

    threads = [threading.Thread(target=run, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive(), "a racer hung: deadlock?"
    return results


def test_two_completions_of_one_task_exactly_one_wins(rt, basic, partner):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    register = task(rt, "C-1", "register")
    version_before = instance(rt, "C-1").version
    results = race(lambda a: services.complete_task(rt, a, register.id, {"department": "engineering",
                                                                          "note": a.username}), RACERS)
    winners = [u for u, r in results.items() if not isinstance(r, Exception)]
    losers = [r for r in results.values() if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], Conflict)
    assert f"completed by {winners[0]}" in str(losers[0]) or "claimed by" in str(losers[0])
    # the stored state is the winner's, once
    completions = [e for e in audit(rt, "C-1") if e.action == "task_completed"]
    assert len(completions) == 1 and completions[0].details["data"]["note"] == winners[0]
    assert [t.task_name for t in tasks(rt, "C-1")] == ["handle"]
    assert instance(rt, "C-1").version == version_before + 1
    assert partner.calls == ["engineering"]


def test_two_claims_of_one_task_one_gets_it_the_other_is_told_who(rt, basic):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    register = task(rt, "C-1", "register")
    results = race(lambda a: services.claim_task(rt, a, register.id), RACERS)
    winner = task(rt, "C-1", "register").assignee
    loser = next(r for r in results.values() if isinstance(r, Exception))
    assert winner in ("wang", "zhou") and results[winner] == 2
    assert isinstance(loser, AlreadyClaimed) and f"claimed by {winner}" in str(loser)
    assert [e.actor for e in audit(rt, "C-1") if e.action == "claimed"] == [winner]


def test_many_instances_started_at_once_all_get_consistent_state(rt, basic):
    actors = [Actor(f"desk{i}", frozenset({"front_desk"})) for i in range(6)]
    results = race(lambda a: services.start_instance(rt, a, "tiny_complaint", START, business_key=f"K-{a.username}"),
                   actors)
    assert not [r for r in results.values() if isinstance(r, Exception)]
    with rt.db.reader() as s:
        keys = sorted(s.scalars(select(ProcessInstance.business_key)))
    assert keys == sorted(f"K-{a.username}" for a in actors)
    assert all(len(tasks(rt, k)) == 1 for k in keys)


def test_a_claim_racing_a_completion_is_told_the_task_is_done(rt, basic, partner):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    register = task(rt, "C-1", "register")
    completer, claimer = RACERS
    results = race(lambda a: services.complete_task(rt, a, register.id, {"department": "security"})
                   if a is completer else services.claim_task(rt, a, register.id), RACERS)
    outcome = results[claimer.username]
    if isinstance(outcome, Exception):  # the completion won: the claim is told who completed it
        assert isinstance(outcome, Conflict) and "completed by wang" in str(outcome)
        assert not isinstance(results[completer.username], Exception)
    else:  # the claim won: the completion is refused as claimed by someone else
        assert isinstance(results[completer.username], AlreadyClaimed)
        assert task(rt, "C-1", "register").assignee == "zhou"
