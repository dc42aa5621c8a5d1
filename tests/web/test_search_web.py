"""Search in the web app and the API: the box in every signed-in header, the results page (empty,
junk, roles, masking, pages, both languages) and GET /api/v1/complaints (token, roles, 400s, pages)."""
from __future__ import annotations

import re

import pytest

from runtime import services
from runtime.search import query
from runtime.services.api_tokens import create_token
from runtime.services.users import get_actor
from tests.conftest import ADMIN
from tests.helpers import INTAKE, csrf, signed_in, task
from web import create_app

PEOPLE = {"wang": ["front_desk"], "chen": ["cs_manager"], "li": (["department"], "engineering"),
          "zhao": (["department"], "security"), "root": ["admin"], "po": ["process_owner"]}
LEAK = {**INTAKE, "category": "water", "description": "卫生间天花板漏水", "demand": "尽快维修",
        "customer_phone": "13812341234", "external_ref": "12345-2025-000881"}


@pytest.fixture
def site(rt, web):
    """The app with a leak handled by engineering and two noise complaints waiting for dispatch."""
    client = web(PEOPLE)
    wang = get_actor(rt, "wang")
    leak = services.start_instance(rt, wang, "complaint", LEAK).business_key
    services.complete_task(rt, wang, task(rt, leak, "triage").id, {"validity": "valid", "department": "engineering"})
    noise = [services.start_instance(rt, wang, "complaint", INTAKE).business_key for _ in range(2)]
    return client, leak, noise


def page(client, who: str, **args) -> str:
    signed_in(client, who)
    response = client.get("/search", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def numbers(html: str) -> list[str]:
    return re.findall(r'<a href="/complaints/(CF-[^"]+)">', html)


@pytest.mark.parametrize("who", sorted(PEOPLE))
def test_every_signed_in_header_has_the_search_box(site, who):
    client, _, _ = site
    html = signed_in(client, who).get("/").get_data(as_text=True)
    box = re.search(r'<form method="get" action="/search"[^>]*role="search">(.*?)</form>', html, re.S)
    assert box and 'name="q"' in box.group(1) and "搜索" in box.group(1)


def test_anonymous_visitors_are_sent_to_sign_in(site):
    client, _, _ = site
    response = client.get("/search?q=漏水")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_an_empty_query_shows_the_box_and_a_hint(site):
    client, _, _ = site
    for args in ({}, {"q": ""}, {"q": "   "}):
        html = page(client, "chen", **args)
        assert "<h1>搜索投诉</h1>" in html and "可按投诉编号" in html and "<table" not in html
    assert "请输入要查找的词语" in page(client, "chen", q="!!!")


def test_results_link_to_the_complaint_and_mask_the_phone_by_role(site):
    client, leak, noise = site
    html = page(client, "root", q="漏水")
    assert numbers(html) == [leak] and "138****1234" in html and "13812341234" not in html.split("<table")[1]
    assert "12345-2025-000881" in html and "没有找到投诉" not in html
    assert "13812341234" in page(client, "chen", q="13812341234").split("<table")[1]  # calls customers back
    assert set(numbers(page(client, "chen", q="噪音"))) == set(noise)
    assert "没有找到投诉" in page(client, "chen", q="燃气")


def test_a_department_sees_only_what_it_may_read(site):
    client, leak, _ = site
    assert numbers(page(client, "li", q="漏水")) == [leak]
    assert numbers(page(client, "zhao", q="漏水")) == [] and numbers(page(client, "po", q=leak)) == []


@pytest.mark.parametrize("junk", ["x" * 10_000, "漏水" * 5000, "\x00\x01\x1b[2J", '"漏水', "漏水*", "NEAR(漏水",
                                  "漏水 OR 噪音", "' OR 1=1 --", "<script>alert(1)</script>", "%", "\\"])
def test_junk_is_only_text_and_never_an_error(site, junk):
    client, _, _ = site
    html = page(client, "chen", q=junk, page="abc", status="nonsense", category="\x00", site="x" * 5000)
    assert "<script>alert(1)</script>" not in html


def test_filters_and_pages(site, monkeypatch):
    client, leak, noise = site
    monkeypatch.setattr("web.search.PAGE_SIZE", 1)
    first = page(client, "chen", q="栋")
    assert numbers(first) == [noise[1]] and 'rel="next"' in first and 'rel="prev"' not in first
    second = page(client, "chen", q="栋", page="2")
    assert numbers(second) == [noise[0]] and 'rel="prev"' in second and 'href="/search?q=' in second
    assert numbers(page(client, "chen", q="栋", page="3")) == [leak]
    by_category = page(client, "chen", q="栋", category="water")
    assert numbers(by_category) == [leak]
    assert "<td>停水</td>" in by_category and "<td>water</td>" not in by_category  # the category's name
    assert numbers(page(client, "chen", q="栋", category="parking")) == []
    assert numbers(page(client, "chen", q="栋", status="ended")) == []
    assert numbers(page(client, "chen", q="栋", status="open", page="3")) == [leak]


def test_the_page_speaks_english_too(site):
    client, leak, _ = site
    signed_in(client, "chen")
    client.post("/language", data={"lang": "en", "next": "/", "csrf_token": csrf(client, "/")})
    html = client.get("/search", query_string={"q": "漏水"}).get_data(as_text=True)
    assert "<h1>Search complaints</h1>" in html and numbers(html) == [leak] and "搜索投诉" not in html
    assert "No complaint found" in client.get("/search?q=燃气").get_data(as_text=True)


# -- GET /api/v1/complaints --------------------------------------------------------------------------
@pytest.fixture
def api(rt, site):
    client = create_app(runtime=rt).test_client()
    tokens = {name: create_token(rt, ADMIN, name, "tests") for name in PEOPLE}

    def call(who="chen", **args):
        headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
        return client.get("/api/v1/complaints", query_string=args, headers=headers)
    return call, site[1], site[2]


def test_the_api_searches_as_the_page_does(api):
    call, leak, noise = api
    body = call(q="12345-2025-000881").get_json()
    assert body["query"] == "12345-2025-000881" and [c["number"] for c in body["complaints"]] == [leak]
    [hit] = body["complaints"]
    assert set(hit) == {"number", "status", "category", "site", "subject", "customer_name", "customer_phone",
                        "external_ref", "started_at"}
    assert hit["customer_phone"] == "13812341234" and hit["status"] == "running"
    assert call("root", q="13812341234").get_json()["complaints"][0]["customer_phone"] == "138****1234"
    assert call("zhao", q="漏水").get_json()["complaints"] == [] and call("li", q="漏水").status_code == 200
    assert (body["page"], body["per_page"], body["has_more"], body["partial"]) == (1, 20, False, False)
    assert call(q="!!!").get_json()["complaints"] == []


def test_the_api_pages(api):
    call, leak, noise = api
    pages = [call(q="栋", per_page="2", page=str(n)).get_json() for n in (1, 2)]
    assert [c["number"] for p in pages for c in p["complaints"]] == [noise[1], noise[0], leak]
    assert pages[0]["has_more"] and not pages[1]["has_more"] and pages[1]["page"] == 2
    assert [c["number"] for c in call(q="栋", status="open", category="water").get_json()["complaints"]] == [leak]


def test_the_api_needs_a_token(api):
    call, _, _ = api
    assert call(None, q="漏水").status_code == 401


@pytest.mark.parametrize("args, field", [
    ({}, "q"), ({"q": ""}, "q"), ({"q": "x" * 201}, "q"), ({"q": "漏水", "status": "closed"}, "status"),
    ({"q": "漏水", "page": "0"}, "page"), ({"q": "漏水", "page": "11"}, "page"), ({"q": "漏水", "page": "x"}, "page"),
    ({"q": "漏水", "per_page": "101"}, "per_page"), ({"q": "漏水", "per_page": "-1"}, "per_page"),
    ({"q": "漏水", "sort": "asc"}, "sort"), ({"q": "漏水", "category": "c" * 81}, "category"),
    ({"q": ["漏水", "噪音"]}, "q")])
def test_unknown_parameters_and_bad_values_are_a_400_naming_them(api, args, field):
    call, _, _ = api
    response = call(**args)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and field in error["message"] and field in error.get("fields", {})


def test_the_depth_of_the_api_stays_within_what_search_pages(api):
    assert 10 * query.MAX_PAGE <= query.MAX_RESULTS
