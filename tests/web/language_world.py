"""The seeded site the every-page language test reads (test_every_page_language.py): one person per
role, and complaints resting in every state and at a step of every form, on a controlled clock.

The English world's complaints and people are written in Latin letters, the Chinese world's in
Chinese, so the test can tell the product's words from the data."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, UTC
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from runtime import clock, services, worker
from runtime.config import PROJECT_ROOT
from runtime.services.users import create_user, get_actor
from runtime.store.models import HumanTask, ProcessInstance
from tests.helpers import closing_review, deploy_processes

SH = ZoneInfo("Asia/Shanghai")
PROCESSES = PROJECT_ROOT / "processes"
# role -> (username, department); one person per role, two departments
# (user names in pinyin, none of them a code)
PEOPLE = {"front_desk": ("wang", None), "department": ("li", "engineering"), "security": ("zhao", "security"),
          "cs_manager": ("chen", None), "duty_manager": ("liu", None), "site_manager": ("sun", None),
          "general_manager": ("zhou", None), "quality": ("wu", None), "legal": ("zheng", None),
          "crisis_team": ("feng", None), "process_owner": ("he", None), "admin": ("root", None)}
ROLE_OF = {"security": "department"}
DISPLAY = {"zh_Hans": "{}同事", "en": "Colleague {}"}
TEXTS = {
    "zh_Hans": {"description": "楼上装修噪音，晚上十点后仍在施工{n}", "demand": "停止夜间施工",
                "customer_name": "张先生", "customer_unit": "{n}栋101", "location": "{n}栋",
                "note": "已处理", "reason": "客户要求暂缓"},
    "en": {"description": "Renovation noise upstairs after ten at night, case {n}", "demand": "Stop the night works",
           "customer_name": "Mr Zhang", "customer_unit": "Block {n} flat 101", "location": "Block {n}",
           "note": "Done as agreed", "reason": "The customer asked to wait"},
}
START = (2026, 11, 2, 9, 0)  # a Monday
REPEATING = ("contact_customer", "weekly_progress")


class World:
    """The seeded site of one language: its runtime, app, complaints by state, and its clock."""

    def __init__(self, rt, lang: str):
        self.rt, self.lang, self.texts = rt, lang, TEXTS[lang]
        self.keys: dict[str, str] = {}  # state -> the number of the complaint resting in it
        self._customers = iter(range(1, 100))
        self.now: datetime | None = None  # the world's clock once seeded (each test freezes it there)
        self.app: Any = None  # the web app over this world, and a signed-in client per role
        self.clients: dict[str, Any] = {}

    def actor(self, role: str):
        return get_actor(self.rt, PEOPLE[role][0])

    def intake(self, **fields) -> dict:
        n = next(self._customers)
        t = {k: v.format(n=n) for k, v in self.texts.items()}
        return {"channel": "phone", "category": "noise", "customer_phone": f"1380000{n:04d}",
                **{k: t[k] for k in ("description", "demand", "customer_name", "customer_unit", "location")},
                **fields}

    def start(self, state: str, **fields) -> str:
        key = f"CF-{len(self.keys) + 1:04d}"
        services.start_instance(self.rt, self.actor("front_desk"), "complaint", self.intake(**fields),
                                business_key=key)
        self.keys[state] = key
        return key

    def complete(self, key: str, name: str, role: str, form: dict) -> None:
        services.complete_task(self.rt, self.actor(role), self.task(key, name).id, form)

    def walk(self, key: str, steps: int) -> None:
        """Complete ``steps`` of the complaint's open steps, oldest first, each with the least its form
        asks (repeating contacts and reports are left open: they never end)."""
        for _ in range(steps):
            with self.rt.db.reader() as s:
                ready = list(s.scalars(select(HumanTask).join(ProcessInstance).where(
                    ProcessInstance.business_key == key, HumanTask.task_name.not_in(REPEATING))
                    .order_by(HumanTask.created_at, HumanTask.task_name)))
            if not ready:
                return
            step = ready[0]
            role = next(r for r, (_, dept) in PEOPLE.items() if ROLE_OF.get(r, r) == step.role
                        and (step.role != "department" or dept == step.department))
            services.complete_task(self.rt, self.actor(role), step.id, self.least(step))

    def least(self, step: HumanTask) -> dict:
        """The least a step's form takes: the chosen path's answers, else every required field filled in."""
        note = self.texts["note"]
        if step.task_name == "triage":
            return {"validity": "valid", "department": "engineering"}
        if step.task_name == "confirm":
            review = closing_review(PEOPLE["site_manager"][0])
            return {**review, "cause_review": note, "actions": [{**review["actions"][0], "description": note}]}
        schema = json.loads((PROCESSES / "forms" / (step.form or "ack.schema.json")).read_text(encoding="utf-8"))
        return {name: self._least_value(schema["properties"][name]) for name in schema.get("required", [])}

    def _least_value(self, field: dict):
        if field.get("enum"):
            return field["enum"][0]
        if field["type"] == "string":  # the note, as often as a minimum length asks
            return self.texts["note"] * (field.get("minLength", 1) // len(self.texts["note"]) + 1)
        return {"boolean": True, "integer": 1, "number": 1}[field["type"]]

    def task(self, key: str, name: str) -> HumanTask:
        with self.rt.db.reader() as s:
            found = s.scalar(select(HumanTask).join(ProcessInstance).where(
                ProcessInstance.business_key == key, HumanTask.task_name == name))
        assert found, f"{key} does not wait at {name}"
        return found


def seed(w: World) -> None:
    rt, note = w.rt, w.texts["note"]
    clock.freeze(datetime(*START, tzinfo=SH).astimezone(UTC))
    deploy_processes(rt)
    for role, (username, department) in PEOPLE.items():
        create_user(rt, username, "password-123", [ROLE_OF.get(role, role)], DISPLAY[w.lang].format(username),
                    department, f"{username}@example.com")
    dispatch = {"validity": "valid", "department": "engineering"}
    closed = w.start("closed")
    w.complete(closed, "triage", "front_desk", dispatch)
    w.complete(closed, "first_reply", "front_desk", {"reply_summary": note})
    w.complete(closed, "handle", "department", {"handling_result": note})
    w.complete(closed, "callback", "front_desk", {"satisfaction": "satisfied", "callback_channel": "phone"})
    review = closing_review(PEOPLE["site_manager"][0])
    w.complete(closed, "confirm", "site_manager", {**review, "cause_review": note,
                                                   "actions": [{**review["actions"][0], "description": note}]})
    handled(w, w.start("handled"))  # waiting for the callback; then for the closing review
    w.complete(handled(w, w.start("called back")), "callback", "front_desk",
               {"satisfaction": "satisfied", "callback_channel": "phone"})
    seed_side_paths(w, dispatch)
    w.complete(w.start("consultation", category="property_fee"), "triage", "front_desk", {"validity": "consultation"})
    w.complete(w.start("dispatched"), "triage", "front_desk", dispatch)
    w.complete(w.start("overdue", category="parking"), "triage", "front_desk",
               {"validity": "valid", "department": "security"})
    suspended = w.start("suspended")
    w.complete(suspended, "triage", "front_desk", dispatch)
    services.suspend(rt, w.actor("admin"), suspended, w.texts["reason"])
    for steps in range(1, 10):  # major complaints resting at each step of their procedure
        w.walk(w.start(f"major {steps}", category="facilities", economic_loss=80000), steps)
    for steps in range(0, 8):  # crises, likewise
        crisis = w.start(f"crisis {steps}", category="lift")
        w.complete(crisis, "triage", "front_desk", dispatch)
        services.send_signal(rt, w.actor("front_desk"), "media_exposure", {"reported_by": PEOPLE["front_desk"][0]},
                             business_key=crisis)
        w.walk(crisis, steps)
    for _ in range(8):  # eight days later: every reminder, late timer and weekly report has fired
        clock.advance(timedelta(days=1))
        worker.run_once(rt)
    clock.freeze(datetime(2026, 11, 10, 16, 10, tzinfo=SH).astimezone(UTC))  # the late shift's review is due
    worker.run_once(rt)
    w.start("new")
    w.complete(handled(w, w.start("written reply")), "callback", "front_desk",
               {"satisfaction": "written_reply", "callback_channel": "phone"})
    for building in (90, 91):  # three customers of one building within the hour: a collective case
        for n in range(3):
            w.start(f"collective {building} {n}", location=w.texts["location"].format(n=building))
    with rt.db.reader() as s:  # the second case's plan made: its reply to all is due
        plan = s.scalar(select(HumanTask).where(HumanTask.form == "collective_plan.schema.json")
                        .order_by(HumanTask.created_at.desc(), HumanTask.id))
    services.complete_task(rt, w.actor("site_manager"), plan.id, w.least(plan))
    w.now = clock.now()


def seed_side_paths(w: World, dispatch: dict) -> None:
    """Complaints resting at the steps off the main path: forwarded outside, coordinated, beyond the
    department, a second reply agreed, a written reply awaited, no way to call back, taken over."""
    note = w.texts["note"]
    for steps in (0, 1):
        key = w.start(f"to be improved {steps}")
        w.complete(key, "triage", "front_desk", {"validity": "to_be_improved"})
        w.walk(key, steps)
    w.complete(w.start("coordinated"), "triage", "front_desk", {**dispatch, "coordination_needed": True})
    key = w.start("beyond the department")
    w.complete(key, "triage", "front_desk", dispatch)
    w.complete(key, "handle", "department", {"cannot_handle": True, "handling_result": note})
    key = w.start("second reply")
    w.complete(key, "triage", "front_desk", dispatch)
    w.complete(key, "first_reply", "front_desk", {"reply_summary": note, "agreed_reply_date": "2026-11-04"})
    handled(w, w.start("unreachable", channel="website", customer_phone="", customer_name="", customer_unit=""))
    key = f"CF-{len(w.keys) + 1:04d}"
    services.start_instance(w.rt, w.actor("quality"), "complaint", w.intake(), business_key=key)
    w.keys["taken over"] = key


def handled(w: World, key: str) -> str:
    """The complaint dispatched, replied to and handled: its closing begins."""
    note = w.texts["note"]
    w.complete(key, "triage", "front_desk", {"validity": "valid", "department": "engineering"})
    w.complete(key, "first_reply", "front_desk", {"reply_summary": note})
    w.complete(key, "handle", "department", {"handling_result": note})
    return key
