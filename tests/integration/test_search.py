"""Searching complaints on both databases: two-character Chinese words in the description and the demand,
one character, the number, the phone (found in full, shown masked), the integrator's ticket id, the
customer's name and unit; only what the actor may read; filters, pages, hostile input, and the
migration that indexes the complaints already there."""
from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import delete, select

from runtime import services
from runtime.actors import Actor
from runtime.errors import InvalidInput
from runtime.read.visibility import may_read
from runtime.search import index, matching, query
from runtime.store.migrate import alembic_config
from runtime.store.models import ComplaintSearch, ProcessInstance
from tests.conftest import ADMIN, ENGINEER, FRONT_DESK, SECURITY
from tests.helpers import INTAKE, deploy_processes, task

ZHOU = Actor("zhou", frozenset({"front_desk"}))
CHEN = Actor("chen", frozenset({"cs_manager"}))
LEAK = {**INTAKE, "category": "water", "description": "卫生间天花板漏水，已经三天了", "demand": "尽快维修",
        "customer_name": "张先生", "customer_unit": "3栋1单元502", "customer_phone": "13812341234",
        "external_ref": "12345-2025-000881", "location": "3栋"}
NOISE = {**INTAKE, "description": "楼上装修噪音，晚上十点后仍在施工", "demand": "停止夜间施工",
         "customer_name": "李女士", "customer_unit": "5栋2单元1201", "customer_phone": "139-0000-5678",
         "location": "5栋"}
LIFT = {**INTAKE, "category": "lift", "description": "困在轿厢里半小时", "demand": "检修电梯",
        "customer_name": "王伟", "customer_unit": "B座1808", "customer_phone": "13700001111", "location": "B座"}
PARKING = {**INTAKE, "category": "parking", "description": "门口车辆乱停", "demand": "加强管理",
           "customer_name": "赵敏", "customer_unit": "7栋", "customer_phone": "13600002222", "location": "7栋"}


@pytest.fixture
def accepted(rt) -> dict[str, str]:
    """Four complaints: the leak handled by engineering and the noise by security (both received by wang),
    the lift received by zhou and the parking by wang, both waiting for dispatch."""
    deploy_processes(rt)
    numbers = {}
    for name, data, who, department in (("leak", LEAK, FRONT_DESK, "engineering"),
                                        ("noise", NOISE, FRONT_DESK, "security"),
                                        ("lift", LIFT, ZHOU, None), ("parking", PARKING, FRONT_DESK, None)):
        numbers[name] = services.start_instance(rt, who, "complaint", data).business_key
        if department:
            services.complete_task(rt, who, task(rt, numbers[name], "triage").id,
                                   {"validity": "valid", "department": department})
    return numbers


def found(rt, actor: Actor, text: str, **options) -> list[str]:
    return [hit.number for hit in query.find(rt, actor, text, **options).rows]


def test_two_character_words_are_found_in_the_description_and_the_demand(rt, accepted):
    assert found(rt, CHEN, "漏水") == [accepted["leak"]]
    assert found(rt, CHEN, "噪音") == [accepted["noise"]]
    assert found(rt, CHEN, "电梯") == [accepted["lift"]]  # in the demand only
    assert found(rt, CHEN, "维修") == [accepted["leak"]]
    assert found(rt, CHEN, "天花板漏水") == [accepted["leak"]]  # longer: every bigram of it
    assert found(rt, CHEN, "漏水 三天") == [accepted["leak"]]  # words: all of them
    assert found(rt, CHEN, "漏水 噪音") == []
    assert accepted["parking"] not in found(rt, CHEN, "漏水") + found(rt, CHEN, "噪音") + found(rt, CHEN, "电梯")
    assert found(rt, CHEN, "燃气") == []


def test_one_character_finds_every_complaint_holding_it(rt, accepted):
    assert found(rt, CHEN, "漏") == [accepted["leak"]]
    assert found(rt, CHEN, "水") == [accepted["leak"]]  # the last character of a run
    assert found(rt, CHEN, "梯") == [accepted["lift"]]
    assert set(found(rt, CHEN, "施")) == {accepted["noise"]}


def test_the_number_the_ticket_id_the_name_and_the_unit_find_the_complaint(rt, accepted):
    leak = accepted["leak"]
    assert found(rt, CHEN, leak) == [leak] and found(rt, CHEN, leak.lower()) == [leak]
    assert found(rt, CHEN, leak.rsplit("-", 1)[1]) == [leak]  # the random part alone
    assert found(rt, CHEN, "12345-2025-000881") == [leak] and found(rt, CHEN, "000881") == [leak]
    assert found(rt, CHEN, "张先生") == [leak] and found(rt, CHEN, "张") == [leak]
    assert found(rt, CHEN, "3栋1单元502") == [leak] and found(rt, CHEN, "1201") == [accepted["noise"]]
    assert found(rt, CHEN, "B座1808") == [accepted["lift"]] and found(rt, CHEN, "ｂ座１８０８") == [accepted["lift"]]


def test_the_full_phone_finds_the_complaint_though_the_list_shows_it_masked(rt, accepted):
    [hit] = query.find(rt, ADMIN, "13812341234").rows  # administrators see contact data masked
    assert (hit.number, hit.customer_phone) == (accepted["leak"], "138****1234")
    assert hit.customer_name == "张先生" and hit.category == "water" and hit.site == "3栋"
    assert hit.external_ref == "12345-2025-000881" and hit.status == "running" and hit.started_at
    assert query.find(rt, CHEN, "13812341234").rows[0].customer_phone == "13812341234"  # a role that calls back
    noise = accepted["noise"]
    for typed in ("13900005678", "139 0000 5678", "139-0000-5678", "+86 139 0000 5678", "8613900005678", "5678"):
        assert found(rt, ADMIN, typed) == [noise], typed
    assert found(rt, ADMIN, "1390000") == []  # a phone is found whole or by its last four digits


def test_a_department_finds_only_the_complaints_it_may_read(rt, accepted):
    assert found(rt, ENGINEER, "漏水") == [accepted["leak"]]  # its handling step is engineering's
    assert found(rt, ENGINEER, "噪音") == [] and found(rt, ENGINEER, "13900005678") == []
    assert found(rt, SECURITY, "漏水") == [] and found(rt, SECURITY, "噪音") == [accepted["noise"]]
    assert found(rt, Actor("qian", frozenset({"department"}), "cleaning"), "漏水") == []
    assert found(rt, Actor("nobody"), "漏水") == [] and found(rt, Actor("nobody"), accepted["leak"]) == []
    assert found(rt, ZHOU, "电梯") == [accepted["lift"]]  # the one zhou received


def test_search_shows_exactly_what_the_visibility_rule_allows(rt, accepted):
    everyone = [FRONT_DESK, ZHOU, ENGINEER, SECURITY, CHEN, ADMIN, Actor("nobody"),
                Actor("po", frozenset({"process_owner"}))]
    with rt.db.reader() as session:
        rows = session.execute(select(ProcessInstance.id, ProcessInstance.owner, ProcessInstance.business_key)).all()
        for actor in everyone:
            allowed = {key for instance_id, owner, key in rows if may_read(session, actor, instance_id, owner)}
            every = {hit.number for text in ("漏水", "噪音", "电梯", "乱停")
                     for hit in query.search(session, actor, text).rows}
            assert every == allowed, actor.username


def test_filters_narrow_the_search(rt, accepted):
    both = {accepted["leak"], accepted["noise"]}
    assert set(found(rt, CHEN, "施工 栋")) == {accepted["noise"]}
    assert set(found(rt, CHEN, "栋", status="open")) == both | {accepted["parking"]}
    assert found(rt, CHEN, "栋", status="ended") == [] and found(rt, CHEN, "栋", status="completed") == []
    assert found(rt, CHEN, "栋", category="water") == [accepted["leak"]]
    assert found(rt, CHEN, "栋", site="5栋") == [accepted["noise"]]
    assert found(rt, CHEN, "栋", site="5栋", category="water") == []
    with pytest.raises(InvalidInput):
        query.find(rt, CHEN, "栋", status="closed-ish")


def test_pages_newest_first(rt, accepted):
    everything = query.find(rt, ADMIN, "栋", limit=100)
    numbers = [hit.number for hit in everything.rows]
    assert set(numbers) == {accepted["leak"], accepted["noise"], accepted["parking"]} and not everything.has_more
    first, second = query.find(rt, ADMIN, "栋", limit=2), query.find(rt, ADMIN, "栋", limit=2, offset=2)
    assert [h.number for h in first.rows + second.rows] == numbers and first.has_more and not second.has_more
    assert numbers[0] == accepted["parking"]  # the newest first
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"offset": 990, "limit": 20}):
        with pytest.raises(InvalidInput):
            query.find(rt, ADMIN, "栋", **bad)


@pytest.mark.parametrize("plan", ["index", "walk"])
def test_both_postgresql_plans_find_the_same(rt, accepted, monkeypatch, plan):
    """PostgreSQL reads a rare word from the GIN index and walks the newest rows for a common one (SQLite
    has one plan): made to take each, they answer alike."""
    monkeypatch.setattr(matching, "FETCH_COST" if plan == "walk" else "WALK_COST", 1e9)
    assert found(rt, CHEN, "漏水") == [accepted["leak"]] and found(rt, ENGINEER, "噪音") == []
    assert found(rt, ADMIN, "139 0000 5678") == [accepted["noise"]] and found(rt, SECURITY, "施") == [accepted["noise"]]
    assert found(rt, CHEN, "栋", category="water") == [accepted["leak"]]
    assert [h.number for h in query.find(rt, ADMIN, "栋", limit=1, offset=1).rows] == [accepted["noise"]]


def test_a_narrowed_search_checks_only_the_newest_matches_and_says_so(rt, accepted, monkeypatch):
    monkeypatch.setattr(matching, "SCAN_LIMIT", 1)
    monkeypatch.setattr(matching, "MAX_WALK", 1)
    monkeypatch.setattr(matching, "FETCH_COST", 1e9)  # PostgreSQL: the walk, bounded by rows
    result = query.find(rt, CHEN, "栋", category="water")  # the newest match is the parking complaint
    assert (result.rows, result.has_more, result.partial) == ([], False, True)
    assert not query.find(rt, CHEN, "栋").partial  # not narrowed: every match can be had, page by page
    assert [h.number for h in query.find(rt, CHEN, "栋", category="parking").rows] == [accepted["parking"]]


@pytest.mark.parametrize("text", ["", "   ", "!!!", "\x00\x01\x02", "**", '"', "'", "(", ":*", "&|!()<->", "_"])
def test_a_query_with_nothing_to_look_for_finds_nothing_and_says_so(rt, accepted, text):
    result = query.find(rt, ADMIN, text)
    assert (result.rows, result.has_more, result.searched) == ([], False, False)


@pytest.mark.parametrize("text", ['漏水"', '"漏水', "漏水*", "漏水 OR", "NEAR(漏水", "漏水:*", "'漏水'", "漏水\x00\x07",
                                  "漏水 & !", "漏水\\", "(漏水)", "{漏水}", "漏水 AND", "漏水 -"])
def test_query_syntax_is_only_text(rt, accepted, text):
    result = query.find(rt, CHEN, text)
    expected = [] if any(word in text for word in ("OR", "NEAR", "AND")) else [accepted["leak"]]
    assert [h.number for h in result.rows] == expected, text


def test_a_huge_query_is_cut_not_refused(rt, accepted):
    for text in ("漏水" * 5000, "a" * 10_000, "漏水 " + "x" * 10_000, "\x1b[31m" * 2000, "🙂" * 3000):
        query.find(rt, CHEN, text)  # no error, whatever it finds
    assert found(rt, CHEN, "漏水" + " " * 10_000) == [accepted["leak"]]


def test_the_row_is_replaced_not_doubled(rt, accepted):
    leak = accepted["leak"]
    with rt.db.transaction() as session:
        instance_id = session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == leak))
        index.write(session, instance_id, leak, {**LEAK, "description": "墙面渗水"})
    assert found(rt, CHEN, "渗水") == [leak] and found(rt, CHEN, "漏水") == []
    with rt.db.transaction() as session:
        session.execute(delete(ComplaintSearch).where(ComplaintSearch.instance_id == instance_id))
    assert found(rt, CHEN, "渗水") == [] and found(rt, CHEN, leak) == []


def test_the_migration_indexes_the_complaints_already_there(rt, accepted):
    with rt.db.engine.begin() as connection:
        command.downgrade(alembic_config(rt.db.engine, connection), "0014")
    with rt.db.engine.begin() as connection:
        command.upgrade(alembic_config(rt.db.engine, connection), "head")
    assert found(rt, CHEN, "漏水") == [accepted["leak"]]  # from the data it was accepted with
    assert found(rt, CHEN, "检修电梯") == [accepted["lift"]] and found(rt, ADMIN, "5678") == [accepted["noise"]]
    assert found(rt, CHEN, "12345-2025-000881") == [accepted["leak"]]
    assert found(rt, CHEN, accepted["parking"]) == [accepted["parking"]]
