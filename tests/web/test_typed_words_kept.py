"""The English interface shows the process owners' texts in English, but never what people typed: a
description, a demand or a search that reads exactly like a form's choice stays as it was written."""
from __future__ import annotations

import html

from runtime import services
from runtime.services.users import get_actor
from tests.helpers import INTAKE, csrf, signed_in


def _english(client):
    client.post("/language", data={"lang": "en", "csrf_token": csrf(client, "/"), "next": "/"})
    return client


def test_what_people_typed_stays_as_written_beside_the_forms_english(rt, web):
    client = _english(signed_in(web({"wang": ["front_desk"]}), "wang"))
    typed = {**INTAKE, "category": "noise", "description": "噪音", "demand": "已处理"}  # both are form texts too
    key = services.start_instance(rt, get_actor(rt, "wang"), "complaint", typed).business_key
    page = html.unescape(client.get(f"/complaints/{key}").get_data(as_text=True))
    record = page[page.index('<dl class="record">'):]
    assert "<dt>Category</dt><dd>Noise</dd>" in record  # a choice: the form's text, in English
    assert "<dt>What happened (briefly)</dt><dd>噪音</dd>" in record  # typed: as written
    assert "<dt>What the customer asks for</dt><dd>已处理</dd>" in record
    searched = client.get("/search", query_string={"q": "电梯"}).get_data(as_text=True)
    assert 'value="电梯"' in searched and 'value="Lifts"' not in searched
