"""Every page in the reader's language (issue 17): each role signs in, in Chinese and in English, and
opens every page it may (inbox tabs, the task page of every step it works, complaint pages, search,
notifications, console, processes, calendar, reports, charts, actions, collective case); what it
reads may hold no text of the other language and no internal name (role, department, step, timer,
rule, status or audit-action code), except the user data: the complaints and people this world
entered, and the texts process owners wrote in the deployed package (in Chinese, shown as written).

One seeded world per language (module-scoped), complaints in every state on a controlled clock:
new, dispatched, overdue with its reminders fired, suspended, major, crisis, consultation, closed.
The English world's complaints and people are written in Latin letters, the Chinese world's in
Chinese, so any Chinese in the English pages that is not the package's is the product's, and so is
any Latin word in the Chinese pages outside the list below."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, UTC
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from runtime import clock, services, worker
from runtime.bootstrap import bootstrap
from runtime.config import PROJECT_ROOT, Settings
from runtime.roles import ROLES
from runtime.services.users import create_user, get_actor
from runtime.store.links import CollectiveCase
from runtime.store.models import AuditEvent, HumanTask, ProcessInstance, Timer
from tests.helpers import closing_review, csrf, deploy_processes, login
from tests.web.page_text import (CJK_RUN, LATIN_WORD, codes_shown, foreign_cjk, foreign_latin, package_codes,
                                 package_texts, visible_text)
from web import create_app
from web.i18n import LANGUAGES

pytestmark = pytest.mark.sqlite_only
SH = ZoneInfo("Asia/Shanghai")
LANGS = ("zh_Hans", "en")
PROCESSES = PROJECT_ROOT / "processes"
# role -> (username, department); one person per role, two departments
# (user names in pinyin, none of them a code)
PEOPLE = {"front_desk": ("wang", None), "department": ("li", "engineering"), "security": ("zhao", "security"),
          "cs_manager": ("chen", None), "duty_manager": ("liu", None), "site_manager": ("sun", None),
          "general_manager": ("zhou", None), "quality": ("wu", None), "legal": ("zheng", None),
          "crisis_team": ("feng", None), "process_owner": ("he", None), "admin": ("root", None)}
ROLE_OF = {"security": "department"}
DISPLAY = {"zh_Hans": "{}同事", "en": "Colleague {}"}
# Latin in the Chinese pages that is not a word of another language: the brand, formats and units
# staff see on screen, and the language switch's own name.
LATIN_ALLOWED = {"complaintflow", "working_days",  # (the modeler's example of the expression function)
                 "PDF", "CSV", "XLSX", "XES", "BPMN", "DMN", "ZIP", "JSON", "API", "KB", "MB", "GB", "Word", "Excel",
                 *(name for code, name in LANGUAGES)}
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
        self.keys: dict[str, str] = {}
        self._customers = iter(range(1, 100))

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


@pytest.fixture(scope="module")
def worlds(sqlite_template, tmp_path_factory, _cheap_password_hashing):
    made: dict[str, World] = {}

    def get(lang: str) -> World:
        if lang not in made:
            base = tmp_path_factory.mktemp(f"pages_{lang}")
            shutil.copy(sqlite_template, base / "site.db")
            settings = Settings(database_url=f"sqlite:///{base / 'site.db'}", secret_key="test-secret",
                                processes_dir=PROCESSES, var_dir=base, worker_poll_seconds=0.05,
                                embedded_worker=False)
            w = World(bootstrap(settings), lang)
            seed(w)
            w.app = create_app(runtime=w.rt)
            w.clients = {}
            made[lang] = w
        clock.freeze(made[lang].now)
        return made[lang]
    yield get
    for w in made.values():
        w.rt.close()


def client_of(w: World, role: str):
    """The role's person signed in, in the world's language (one client per role, kept for the module)."""
    if role not in w.clients:
        client = w.app.test_client()
        client.post("/language", data={"lang": w.lang, "next": "/login", "csrf_token": csrf(client)})
        login(client, PEOPLE[role][0])
        w.clients[role] = client
    return w.clients[role]


# -- what each page is, per role ----------------------------------------------------------------------
def _tasks(w: World, role: str) -> list[str]:
    """The ready steps this role works (its role's, its department's), one page per form."""
    username, department = PEOPLE[role]
    with w.rt.db.reader() as s:
        rows = s.execute(select(HumanTask.id, HumanTask.task_name, HumanTask.role, HumanTask.department)).all()
    mine = [r for r in rows if r.role == ROLE_OF.get(role, role) and (department is None or r.department == department)]
    seen: dict[str, str] = {}
    for r in mine:
        seen.setdefault(r.task_name, f"/tasks/{r.id}")
    return list(seen.values())


# one complaint of each kind (the walked ones at their first, middle and last step)
SHOWN = ("new", "dispatched", "overdue", "suspended", "closed", "consultation", "handled", "called back",
         "major 1", "major 5", "major 9", "crisis 0", "crisis 4", "crisis 7", "to be improved 1", "coordinated",
         "beyond the department", "second reply", "unreachable", "written reply", "taken over", "collective 90 0")


def _complaints(w: World, role: str) -> list[str]:
    return [f"/complaints/{w.keys[state]}" for state in SHOWN]


def _collective_cases(w: World, role: str) -> list[str]:
    with w.rt.db.reader() as s:
        return [f"/collective/{case_id}" for case_id in s.scalars(select(CollectiveCase.id))]


def _console_instances(w: World, role: str) -> list[str]:
    return [f"/admin/instances/{w.keys[state]}" for state in ("closed", "overdue", "suspended", "crisis 0", "major 3")]


def CHART_BARS(w: World) -> list[tuple[str, str]]:  # noqa: N802 - a table, read when the world exists
    site = TEXTS[w.lang]["location"].format(n=1)
    return [("open_on", "2026-11-05"), ("breached_on", "2026-11-05"), ("department_open", "engineering"),
            ("department_late", "security"), ("site_open", site), ("site_breached", site),
            ("standard_met", "dispatched_20min"), ("standard_breached", "dispatched_20min")]


PAGES = {
    "sign-in": lambda w, r: ["/login"],
    "inbox": lambda w, r: ["/", *(f"/?tab={t}" for t in ("available", "mine", "owned", "overdue", "team", "all")),
                           "/?tab=all&severity=crisis", "/?tab=all&department=security", "/?tab=all&q=nothing-like-it"],
    "task pages": _tasks,
    "complaint pages": _complaints,
    "new complaint": lambda w, r: ["/complaints/new"],
    "search": lambda w, r: [f"/search?q={w.keys['dispatched']}", "/search?q=noise"],
    "notifications": lambda w, r: ["/notifications/"],
    "account": lambda w, r: ["/account/"],
    "actions": lambda w, r: ["/actions/"],
    "reports": lambda w, r: ["/reports/", "/reports/2026-11"],
    "console": lambda w, r: ["/admin/", "/admin/instances", "/admin/instances?status=suspended"],
    "console instance pages": _console_instances,
    "collective case": _collective_cases,
    "users": lambda w, r: ["/admin/users/"],
    "calendar": lambda w, r: ["/admin/calendar/"],
    "chart lists": lambda w, r: [f"/admin/charts/list?kind={kind}&key={key}&from=2026-11-01&to=2026-11-30"
                                 for kind, key in CHART_BARS(w)],
    "processes": lambda w, r: ["/processes/", "/processes/complaint/v1", "/processes/complaint_normal/v1",
                               "/processes/complaint/edit", "/processes/complaint/diff?from=1&to=1",
                               "/processes/complaint/migrate?from=1&to=2"],
}


def _allowed_cjk(w: World) -> str:
    return "\n".join(package_texts(PROCESSES) + [name for _, name in LANGUAGES])


def _allowed_latin(w: World) -> set[str]:
    people = {u for u, _ in PEOPLE.values()}
    # the Latin words in the process owners' Chinese texts ("照片、PDF、文档"), not their settings' codes
    owners = {word for text in package_texts(PROCESSES) if CJK_RUN.search(text) for word in LATIN_WORD.findall(text)}
    return LATIN_ALLOWED | people | owners | {"tester"}  # tests.helpers.deploy_processes deploys as "tester"


def _codes(w: World) -> set[str]:
    with w.rt.db.reader() as s:
        live = set(s.scalars(select(AuditEvent.action).distinct())) | set(s.scalars(
            select(ProcessInstance.status).distinct())) | set(s.scalars(select(Timer.task_name).distinct()))
    return package_codes(PROCESSES) | {r.code for r in ROLES} | {c for c in live if c and "_" in c}


def problems(w: World, html: str) -> list[str]:
    if not hasattr(w, "codes"):
        w.codes, w.cjk, w.latin = _codes(w), _allowed_cjk(w), _allowed_latin(w)
    fragments = visible_text(html)
    found = [f"code {c!r}" for c in codes_shown(fragments, w.codes)]
    if w.lang == "en":
        found += [f"Chinese {t!r}" for t in foreign_cjk(fragments, w.cjk)]
    else:
        found += [f"Latin {t!r}" for t in foreign_latin(fragments, w.latin)]
    return found


def test_the_checks_catch_what_the_issue_saw(worlds):
    """The texts issue 17 found on the pages are caught: codes in both languages, English in Chinese."""
    zh, en = worlds("zh_Hans"), worlds("en")
    page = ("<p>计时 dispatch_late</p><td>watch_15</td><td>front_desk</td><td>engineering</td>"
            "<p>task_completed · triage</p>")
    assert {"code 'dispatch_late'", "code 'watch_15'", "code 'front_desk'", "code 'engineering'",
            "code 'task_completed'"} <= set(problems(en, page))
    assert "Latin 'is'" in problems(zh, "<p>DEMO-0002 is suspended</p>")
    assert "Chinese '计时'" in problems(en, page)
    assert problems(zh, "<p>DEMO-0002 已暂停 wang@example.com 维修单.pdf</p><code>complaint_normal</code>") == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_world_has_a_step_open_on_every_form(worlds, lang):
    """Every form of the package is on some open step's page (the start forms are the intake page
    and the system's own starts of a collective case and a shift review)."""
    with worlds(lang).rt.db.reader() as s:
        open_forms = set(s.scalars(select(HumanTask.form)))
    starts = {"intake.schema.json", "collective_start.schema.json", "shift_review_start.schema.json"}
    assert {p.name for p in (PROCESSES / "forms").glob("*.json")} - starts - open_forms == set()


def test_the_worlds_cover_every_role():
    assert {ROLE_OF.get(r, r) for r in PEOPLE} == {r.code for r in ROLES}


@pytest.mark.parametrize("page", sorted(PAGES))
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("role", sorted(PEOPLE))
def test_every_page_speaks_the_readers_language(worlds, role, lang, page):
    w = worlds(lang)
    client = w.app.test_client() if page == "sign-in" else client_of(w, role)
    if page == "sign-in":
        client.post("/language", data={"lang": lang, "next": "/login", "csrf_token": csrf(client)})
    failures = []
    for address in PAGES[page](w, role):
        response = client.get(address)
        assert response.status_code < 500, f"{address}: {response.status_code}"
        assert page != "task pages" or response.status_code == 200, f"{role} may not open its step {address}"
        if response.mimetype != "text/html":
            continue
        failures += [f"{address} ({response.status_code}): {p}" for p in problems(w, response.get_data(as_text=True))]
    assert not failures, f"{role} in {lang}, {page}:\n  " + "\n  ".join(failures)
