"""Collective complaints (群诉) and a single problem spreading (个别问题泛化): several different
customers of one site with the same category, or with similar descriptions, inside the owner's window
(``[collective]`` in ``processes/prevention.toml``) open one collective case, in the intake's
transaction. The site manager and the general manager are alerted at once (in-app and e-mail) and the
case's own small process (``complaint_collective.bpmn``: 统一处理方案, 统一答复) starts; its reply is
written into every member's case file. Each member complaint goes on in its own process and closes on
its own customer's acceptance: the case never closes a member.

Similar text: rapidfuzz's ``token_set_ratio`` over the descriptions' character bigrams (楼上漏水 ->
楼上 上漏 漏水), the same cut search makes, so no word segmenter is needed. On realistic texts it
scored 52-68 between three ways of writing a leak through the ceiling (楼上漏水 / 天花板渗水) and at
most 41 between unrelated ones (电梯故障, 停水, 噪音); ``partial_ratio`` and ``ratio`` on the raw text
kept the leaks at 38-57 and 26-48 with unrelated pairs up to 40 and 30, so they separated less. Only
complaints of the same site inside the window are compared, newest first and at most
``max_compared``, so intake stays fast whatever the volume.

A complaint without phone or unit cannot be told apart from another customer's, so it does not count
as a customer (it may still join a case that matches it).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from datetime import timedelta
from collections.abc import Callable
from typing import cast

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime import clock
from runtime.actors import SYSTEM, Actor
from runtime.bootstrap import Runtime
from runtime.prevention_policy import Policy
from runtime.search.terms import normal, phone_key
from runtime.services.repeats import unit_key
from runtime.store import notifications
from runtime.store.instance_store import InstanceRow, audit, newest_definition
from runtime.store.links import CollectiveCase, CollectiveMember
from runtime.store.models import AuditEvent, ComplaintRecord, ProcessInstance

log = logging.getLogger(__name__)
PROCESS = "complaint_collective"
REPLY_MESSAGE = "collective_reply"
OPEN, REPLIED = "open", "replied"
ALERTED_ROLES = ("site_manager", "general_manager")


@dataclass(frozen=True)
class Intake:
    """The new complaint as the case rules read it."""

    instance_id: int
    number: str
    site: str
    category: str | None
    text: str
    customer: str | None

    @cached_property
    def cut(self) -> str:
        return bigrams(self.text)


@dataclass(frozen=True)
class _Alert:
    """What a collective alert is about: told at once (as for a major complaint), never held to working hours."""

    id: int
    business_key: str
    severity: str = "major"


def customer_key(data: dict) -> str | None:
    phone, unit = phone_key(data.get("customer_phone")), unit_key(data.get("customer_unit"))
    return f"phone:{phone}" if phone else f"unit:{unit}" if unit else None


def bigrams(text: str) -> str:
    letters = "".join(ch for ch in normal(text) if ch.isalnum())
    return " ".join(letters[i:i + 2] for i in range(len(letters) - 1)) or letters


def similar(cut: str, text: str, threshold: int) -> bool:
    """Whether ``text`` is like the text whose ``bigrams`` are ``cut`` (cut once per intake)."""
    return bool(cut and text) and fuzz.token_set_ratio(cut, bigrams(text)) >= threshold


def consider(rt: Runtime, session: Session, actor: Actor, policy: Policy, intake: Intake,
             start: Callable) -> int | None:
    """Join the new complaint to an open case it matches, or open one; returns the case id, if any."""
    since = clock.now() - timedelta(hours=policy.collective_window_hours)
    case = _open_case(session, policy, intake, since)
    if case is not None:
        _join(session, actor, case, intake)
        return case.id
    matched = [c for c in _recent(session, policy, intake, since) if _matches(policy, intake, c.category, [c.text])]
    customers = {c.customer for c in matched if c.customer} | ({intake.customer} if intake.customer else set())
    if len(customers) < policy.min_customers:
        return None
    return _open(rt, session, actor, intake, matched, len(customers), start)


def _matches(policy: Policy, intake: Intake, category: str | None, texts: list[str]) -> bool:
    if category and category == intake.category:
        return True
    return any(similar(intake.cut, text, policy.similarity) for text in texts)


def _recent(session: Session, policy: Policy, intake: Intake, since) -> list[Intake]:
    """Other complaints of the site inside the window, newest first, bounded, with their descriptions."""
    rows = session.execute(
        select(ProcessInstance.id, ProcessInstance.business_key, ComplaintRecord.category,
               ComplaintRecord.customer_phone, ComplaintRecord.customer_unit).join(ComplaintRecord)
        .where(ComplaintRecord.site == intake.site, ProcessInstance.started_at >= since,
               ProcessInstance.id != intake.instance_id)
        .order_by(ProcessInstance.started_at.desc()).limit(policy.max_compared)).all()
    texts = _descriptions(session, [r.id for r in rows])
    return [Intake(r.id, r.business_key, intake.site, r.category, texts.get(r.id, ""),
                   customer_key({"customer_phone": r.customer_phone, "customer_unit": r.customer_unit}))
            for r in rows]


def _descriptions(session: Session, ids: list[int]) -> dict[int, str]:
    """The descriptions as accepted (the intake's audit event keeps the data; the record has no text)."""
    if not ids:
        return {}
    description = AuditEvent.details["data"]["description"].as_string()  # read in SQL: no whole JSON parsed
    rows = session.execute(select(AuditEvent.instance_id, description)
                           .where(AuditEvent.instance_id.in_(ids), AuditEvent.action == "started"))
    return {i: text or "" for i, text in rows if i is not None}


def _open_case(session: Session, policy: Policy, intake: Intake, since) -> CollectiveCase | None:
    """The open case of the site the new complaint matches, whose newest member joined inside the window."""
    newest = (select(func.max(CollectiveMember.joined_at)).where(CollectiveMember.collective_id == CollectiveCase.id)
              .scalar_subquery())
    cases = session.scalars(select(CollectiveCase).where(CollectiveCase.site == intake.site,
                                                         CollectiveCase.status.in_((OPEN, REPLIED)), newest >= since)
                            .order_by(CollectiveCase.id.desc()).limit(5)).all()
    for case in cases:
        members = [m for m in _members(session, case.id)][:policy.max_compared]
        if _matches(policy, intake, case.category, list(_descriptions(session, members).values())):
            return case
    return None


def _members(session: Session, case_id: int) -> list[int]:
    return list(session.scalars(select(CollectiveMember.instance_id)
                                .where(CollectiveMember.collective_id == case_id)))


def _ref(instance_id: int, number: str) -> InstanceRow:
    """What ``audit`` reads of an instance (its id and number), for members not loaded in this action."""
    return cast(InstanceRow, _Alert(instance_id, number))


def _add_member(session: Session, actor: Actor, case: CollectiveCase, instance_id: int, number: str) -> None:
    session.add(CollectiveMember(collective_id=case.id, instance_id=instance_id, joined_at=clock.now()))
    # written by the system, naming the person whose intake found it: an audit entry of one's own on another
    # customer's complaint would make it readable to them (runtime.read.visibility counts acts on a complaint)
    audit(session, _ref(instance_id, number), SYSTEM.username, "collective_joined", collective_id=case.id,
          by=actor.username)


def _join(session: Session, actor: Actor, case: CollectiveCase, intake: Intake) -> None:
    """A later complaint joins the case, and sees the plan and reply already given."""
    _add_member(session, actor, case, intake.instance_id, intake.number)
    if case.reply:
        audit(session, _ref(intake.instance_id, intake.number), SYSTEM.username, "collective_reply",
              collective_id=case.id, plan=case.plan, reply=case.reply, by=actor.username)
    session.flush()


def _open(rt: Runtime, session: Session, actor: Actor, intake: Intake, matched: list[Intake], customers: int,
          start: Callable) -> int:
    by = "category" if all(c.category == intake.category for c in matched) else "text"
    case = CollectiveCase(site=intake.site, category=intake.category, opened_at=clock.now(), status=OPEN,
                          reason={"by": by, "customers": customers})
    session.add(case)
    session.flush()
    for member in [*matched, intake]:
        _add_member(session, actor, case, member.instance_id, member.number)
    session.flush()
    case.instance_id = _start_case_process(rt, session, actor, case, intake, start)
    numbers = sorted(m.number for m in [*matched, intake])
    recipients = [r for role in ALERTED_ROLES for r in notifications.group(session, role, None)]
    notifications.post(session, rt.settings, _Alert(intake.instance_id, intake.number), "collective", str(case.id),
                       f"{intake.site}：{'、'.join(numbers)}", recipients, details={"collective_id": case.id})
    session.flush()
    return case.id


def _start_case_process(rt: Runtime, session: Session, actor: Actor, case: CollectiveCase, intake: Intake,
                        start: Callable) -> int | None:
    """The case's plan-and-reply process, in a savepoint: if it is not deployed or its first steps fail, the
    case and its alerts are kept and the customer's complaint is accepted all the same (100% acceptance)."""
    if newest_definition(rt, session, PROCESS) is None:
        log.error("collective case %s: process %s is not deployed; the case is kept without it", case.id, PROCESS)
        return None
    key = f"QS-{clock.now():%Y%m%d}-{case.id}"
    try:
        with session.begin_nested():
            started = start(rt, session, actor, PROCESS, key, {"collective_id": case.id,
                                                                "collective_site": intake.site})
            return started.instance.saved_id
    except Exception:  # noqa: BLE001 - the complaint must be accepted whatever the case's process trips over
        log.exception("collective case %s: its process did not start", case.id)
        return None


def record_reply(session: Session, actor: Actor, payload: dict) -> None:
    """The reply to all was given: kept on the case, and written into each member's case file."""
    case = session.get(CollectiveCase, int(payload["collective_id"]))
    if case is None:
        return
    case.plan, case.reply = str(payload.get("plan") or ""), str(payload.get("reply") or "")
    case.status, case.replied_at = REPLIED, clock.now()
    members = session.execute(select(ProcessInstance.id, ProcessInstance.business_key).join(
        CollectiveMember, CollectiveMember.instance_id == ProcessInstance.id)
        .where(CollectiveMember.collective_id == case.id)).all()
    for instance_id, number in members:
        audit(session, _ref(instance_id, number), SYSTEM.username, "collective_reply", collective_id=case.id,
              plan=case.plan, reply=case.reply, by=actor.username)
    session.flush()
