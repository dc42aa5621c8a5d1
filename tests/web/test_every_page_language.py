"""Every page in the reader's language (issue 17): each role signs in, in Chinese and in English, and
opens every page it may (inbox tabs, the task page of every step it works, complaint pages, search,
notifications, console, processes, calendar, reports, charts, actions, collective case); what it
reads may hold no text of the other language and no internal name (role, department, step, timer,
rule, status or audit-action code), except the user data: the complaints and people this world
entered, and the texts process owners wrote in the deployed package (in Chinese, shown as written).

One seeded world per language (module-scoped, tests/web/language_world.py), complaints in every
state on a controlled clock: new, dispatched, overdue with its reminders fired, suspended, major and
crisis at each of their steps, the side paths, consultation, collective, closed. The English world's
complaints and people are written in Latin letters, the Chinese world's in Chinese, so any Chinese in
the English pages that is not the package's is the product's, and so is any Latin word in the Chinese
pages outside the list below."""
from __future__ import annotations

import tomllib

import shutil

import pytest
from sqlalchemy import select

from runtime import clock
from runtime.bootstrap import bootstrap
from runtime.config import Settings
from runtime.roles import ROLES
from runtime.store.links import CollectiveCase
from runtime.store.models import AuditEvent, HumanTask, ProcessInstance, Timer
from tests.helpers import csrf, login
from tests.web.language_world import PEOPLE, PROCESSES, ROLE_OF, TEXTS, World, seed
from tests.web.page_text import (CJK_RUN, LATIN_WORD, codes_shown, foreign_cjk, foreign_latin, package_codes,
                                 package_texts, visible_text)
from web import create_app
from web.i18n import LANGUAGES

pytestmark = pytest.mark.sqlite_only
LANGS = ("zh_Hans", "en")
# Latin in the Chinese pages that is not a word of another language: the brand, formats and units
# staff see on screen, and the language switch's own name.
LATIN_ALLOWED = {"complaintflow", "working_days",  # (the modeler's example of the expression function)
                 "PDF", "CSV", "XLSX", "XES", "BPMN", "DMN", "ZIP", "JSON", "API", "KB", "MB", "GB", "Word", "Excel",
                 *(name for code, name in LANGUAGES)}


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
    """The Chinese an English page may show: user data, and what the process owners wrote that has no
    English in processes/texts.en.toml yet (none of the shipped texts: a unit test checks that)."""
    english = tomllib.loads((PROCESSES / "texts.en.toml").read_text(encoding="utf-8"))["texts"]
    untranslated = [t for t in package_texts(PROCESSES) if t.strip('"') not in english]
    return "\n".join(untranslated + [name for _, name in LANGUAGES])


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
