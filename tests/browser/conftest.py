"""Browser tests: Debian's Chromium driven by Playwright against a live server (waitress in a
thread) on a real SQLite file, with the bundled processes deployed. Screenshots of the pages go to
a temporary folder; ``make screenshots`` runs these tests with COMPLAINTFLOW_SCREENSHOTS_DIR set to
docs/screenshots/ (linked from the README), so a plain test run never changes tracked files."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
import waitress
from playwright.sync_api import sync_playwright

from tests.conftest import free_port
from tests.helpers import deploy_processes
from web import create_app

CHROMIUM = "/usr/bin/chromium"
# No background traffic: this machine's network is closed, and Chromium would retry endlessly.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SCREENSHOTS = Path(os.environ.get("COMPLAINTFLOW_SCREENSHOTS_DIR") or tempfile.mkdtemp(prefix="cf-screenshots-"))


@pytest.fixture
def db_url(sqlite_template, tmp_path):
    path = tmp_path / "browser.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed; `make test` installs it")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def live(rt):
    """The web app served over real HTTP; yields its base URL."""
    deploy_processes(rt)
    server = waitress.create_server(create_app(runtime=rt), host="127.0.0.1", port=free_port(), threads=4)

    def serve():
        with contextlib.suppress(OSError, ValueError):  # closed by the test while in select(): the server is done
            server.run()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    server.close()
    thread.join(5)


@pytest.fixture
def new_page(browser):
    """A page in a fresh browser context (its own cookies), at a desktop or a phone width. Any script or
    style the Content-Security-Policy blocked fails the test: the pages must work under it."""
    contexts, blocked = [], []

    def make(width: int = 1280, height: int = 860):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
        return page

    yield make
    for context in contexts:
        context.close()
    assert blocked == [], f"the Content-Security-Policy blocked: {blocked[:3]}"


def sign_in(page, base: str, username: str, password: str = "password-123") -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.card button[type=submit]")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def fill_closing_review(page, rows: list[dict], cause: str = "internal", analysis: str = "处理流程未落实") -> None:
    """On an open 确认关闭 form: tick the three checks, choose the root cause, write its analysis and
    fill one action row per ``rows`` entry (kind, description, owner, due_on), adding rows with the
    form's own button."""
    for box in ("已检查投诉记录完整", "已检查处理过程与结果", "已检查回访记录"):
        page.get_by_label(box).check()
    page.locator("select[name=cause_type]").select_option(cause)
    page.locator("[name=cause_review]").fill(analysis)
    for i, row in enumerate(rows):
        if i:
            page.locator("[data-add-row='rows-actions']").click()
        item = page.locator("#rows-actions .row-item").nth(i)
        item.locator("select[name='actions.kind']").select_option(row["kind"])
        item.locator("[name='actions.description']").fill(row["description"])
        item.locator("[name='actions.owner']").fill(row["owner"])
        item.locator("[name='actions.due_on']").fill(row["due_on"])


def downloaded_pdf(page, link: str, tmp_path: Path, screenshot_name: str) -> Path:
    """Click the link that downloads a PDF, check it is one, and render its first page with pdftoppm: a drawn
    page (not a blank one) becomes the README's screenshot ``screenshot_name``."""
    with page.expect_download() as download:
        page.get_by_role("link", name=link).click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    subprocess.run(["pdftoppm", "-r", "75", "-png", "-f", "1", "-l", "1", str(saved), str(tmp_path / "page")],
                   check=True)
    [first] = list(tmp_path.glob("page*.png"))
    assert first.stat().st_size > 5000
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(first, SCREENSHOTS / f"{screenshot_name}.png")
    return saved
