"""Scenario driver for the complaint processes: the real runtime on an SQLite file, a controlled
clock, and one user per role. Every step goes through the services, so the instance is saved and
reloaded between every step."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, UTC
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from runtime import clock, services, worker
from runtime.actors import Actor
from runtime.bootstrap import bootstrap
from runtime.store.models import AuditEvent, HumanTask, Notification, ProcessInstance, SlaClock
from runtime.services.users import create_user
from runtime.store.people import User
from tests.helpers import INTAKE as HELPER_INTAKE, closing_review, deploy_processes

SH = ZoneInfo("Asia/Shanghai")
USERS = {
    "front_desk": Actor("wang", frozenset({"front_desk"})),
    "front_desk_2": Actor("zhou", frozenset({"front_desk"})),
    "engineering": Actor("li", frozenset({"department"}), "engineering"),
    "security": Actor("zhao", frozenset({"department"}), "security"),
    "cs_manager": Actor("chen", frozenset({"cs_manager"})),
    "duty_manager": Actor("liu", frozenset({"duty_manager"})),
    "site_manager": Actor("sun", frozenset({"site_manager"})),
    "general_manager": Actor("zhou_gm", frozenset({"general_manager"})),
    "legal": Actor("zheng", frozenset({"legal"})),
    "crisis_team": Actor("feng", frozenset({"crisis_team"})),
    "admin": Actor("root", frozenset({"admin"})),
}
INTAKE = {**HELPER_INTAKE, "occurred_at": "2025-09-29 22:30"}


@pytest.fixture
def db_url(sqlite_template, tmp_path):
    """Process scenarios exercise the diagrams; the runtime itself is tested on both databases."""
    path = tmp_path / "scenario.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


class Scenario:
    def __init__(self, rt):
        self.rt = rt
        deploy_processes(rt)

    # -- time ----------------------------------------------------------------------------
    def at(self, *args) -> datetime:
        moment = datetime(*args, tzinfo=SH)
        clock.freeze(moment.astimezone(UTC))
        return moment

    def advance_to(self, *args) -> int:
        """Move the clock to a Shanghai time and run the timer worker once."""
        self.at(*args)
        return worker.run_once(self.rt)

    def advance(self, **delta) -> int:
        clock.advance(timedelta(**delta))
        return worker.run_once(self.rt)

    # -- actions -------------------------------------------------------------------------
    def start(self, key="TS-1", by="front_desk", **fields) -> str:
        services.start_instance(self.rt, USERS[by], "complaint", {**INTAKE, **fields}, business_key=key)
        return key

    def complete(self, key, task_name, by=None, **form):
        task = self.task(key, task_name)
        actor = USERS[by] if by else self.actor_for(task)
        return services.complete_task(self.rt, actor, task.id, form)

    def review(self, **checks) -> dict:
        """The site manager's closing review (tests.helpers.closing_review); its action's owner, the
        site manager, gets an account if the scenario has none yet (owners must be real users)."""
        sun = USERS["site_manager"]
        with self.rt.db.reader() as s:
            known = s.scalar(select(User.id).where(User.username == sun.username)) is not None
        if not known:
            create_user(self.rt, sun.username, "password-123", sorted(sun.roles))
        return closing_review(sun.username, **checks)

    def handled(self, key="TS-1", **intake) -> str:
        """A valid normal complaint accepted now, replied to and handled: waiting for its callback."""
        self.start(key, **intake)
        self.complete(key, "triage", validity="valid", department="engineering")
        self.complete(key, "first_reply", reply_summary="已答复")
        self.complete(key, "handle", handling_result="已处理")
        return key

    def actor_for(self, task) -> Actor:
        if task.assignee:
            return next(a for a in USERS.values() if a.username == task.assignee)
        if task.role == "department":
            return next(a for a in USERS.values() if a.department == task.department)
        return USERS[task.role]

    def signal(self, key, name):
        return services.send_signal(self.rt, USERS["front_desk"], name, business_key=key)

    def register_users(self) -> None:
        """Make the scenario's people real accounts, each with an e-mail address, so they can be notified."""
        for actor in USERS.values():
            create_user(self.rt, actor.username, "password-123", sorted(actor.roles), department=actor.department,
                        email=f"{actor.username}@example.test")

    def notices(self, key=None, kind=None) -> list[Notification]:
        with self.rt.db.reader() as s:
            query = select(Notification).order_by(Notification.id)
            if key:
                query = query.where(Notification.business_key == key)
            if kind:
                query = query.where(Notification.kind == kind)
            return list(s.scalars(query))

    # -- what a user sees ----------------------------------------------------------------
    def tasks(self, key) -> list[HumanTask]:
        with self.rt.db.reader() as s:
            return list(s.scalars(select(HumanTask).join(ProcessInstance)
                                  .where(ProcessInstance.business_key == key).order_by(HumanTask.task_name)))

    def names(self, key) -> list[str]:
        return sorted(t.task_name for t in self.tasks(key))

    def task(self, key, name) -> HumanTask:
        found = [t for t in self.tasks(key) if t.task_name == name]
        assert found, f"{key}: no task {name}; waiting: {self.names(key)}"
        return found[0]

    def due(self, key, name) -> datetime:
        return self.task(key, name).due_at.astimezone(SH)

    def status(self, key) -> str:
        with self.rt.db.reader() as s:
            return s.scalar(select(ProcessInstance.status).where(ProcessInstance.business_key == key))

    def breaches(self, key) -> list[tuple[str, datetime]]:
        with self.rt.db.reader() as s:
            rows = s.execute(select(SlaClock.rule, SlaClock.breached_at).where(SlaClock.business_key == key,
                                                                                SlaClock.breached_at.is_not(None))
                             .order_by(SlaClock.breached_at, SlaClock.id)).all()
        return [(rule, at.astimezone(SH)) for rule, at in rows]

    def audit(self, key) -> list[AuditEvent]:
        with self.rt.db.reader() as s:
            return list(s.scalars(select(AuditEvent).where(AuditEvent.business_key == key).order_by(AuditEvent.id)))

    def keys(self) -> list[str]:
        with self.rt.db.reader() as s:
            return list(s.scalars(select(ProcessInstance.business_key).order_by(ProcessInstance.id)))


@pytest.fixture
def sc(settings):
    rt = bootstrap(settings)
    yield Scenario(rt)
    rt.close()
