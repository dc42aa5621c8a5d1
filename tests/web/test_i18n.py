"""Simplified Chinese by default, English on request; every interface text comes from the catalogues."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.helpers import csrf, login

WEB = Path(__file__).resolve().parents[2] / "web"


@pytest.fixture
def client(web):
    return web({"wang": ["front_desk"]}, processes=False, password="desk-pass-1")


def test_the_interface_speaks_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-Hans">' in page and "<h1>登录</h1>" in page and "Sign in" not in page


def test_english_is_one_switch_away_and_stays_after_sign_in(client):
    token = csrf(client)
    response = client.post("/language", data={"lang": "en", "next": "/login", "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in page and "<h1>Sign in</h1>" in page and "登录" not in page
    login(client, "wang", "desk-pass-1")
    inbox = client.get("/").get_data(as_text=True)
    assert "Claimed by me" in inbox and "我认领的任务" not in inbox
    client.post("/language", data={"lang": "zh_Hans", "next": "/", "csrf_token": csrf(client, "/")})
    assert "我认领的任务" in client.get("/").get_data(as_text=True)


def test_an_unknown_language_changes_nothing(client):
    client.post("/language", data={"lang": "xx", "next": "/login", "csrf_token": csrf(client)})
    assert "<h1>登录</h1>" in client.get("/login").get_data(as_text=True)


def test_no_chinese_is_hard_coded_in_templates_and_every_text_is_translated():
    cjk = re.compile(r"[\u4e00-\u9fff]")
    offenders = [p.name for p in (WEB / "templates").glob("*.html") if cjk.search(p.read_text())]
    assert offenders == []
    with open(WEB / "translations" / "zh_Hans" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    assert untranslated == []
