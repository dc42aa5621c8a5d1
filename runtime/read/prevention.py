"""What the pages show of repeat and collective complaints: the repeat links of a complaint, both
ways, with why they were linked; the collective case it belongs to (the other members by number only:
no other customer's contact data); and a collective case's own page, for the roles that oversee."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from runtime.actors import Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import NotFound
from runtime.read.visibility import OVERSIGHT_ROLES
from runtime.store.links import CollectiveCase, CollectiveMember, ComplaintLink
from runtime.store.models import ProcessInstance


@dataclass(frozen=True)
class RepeatLink:
    number: str
    earlier: bool  # the linked complaint came first (this one repeats it); else it repeats this one
    by: tuple[str, ...]  # phone, unit


@dataclass(frozen=True)
class Membership:
    collective_id: int
    status: str
    others: list[str]


@dataclass(frozen=True)
class Member:
    number: str
    status: str
    severity: str | None
    joined_at: datetime


@dataclass(frozen=True)
class CaseView:
    id: int
    site: str | None
    category: str | None
    status: str
    opened_at: datetime
    reason: dict
    plan: str | None
    reply: str | None
    replied_at: datetime | None
    number: str | None  # the case's own process (its tasks)
    members: list[Member]


def repeat_links(session: Session, instance_id: int) -> list[RepeatLink]:
    """The complaints this one repeats and those that repeat it, oldest link first."""
    other = aliased(ProcessInstance)
    found = []
    for mine, theirs in ((ComplaintLink.instance_id, ComplaintLink.related_id),
                         (ComplaintLink.related_id, ComplaintLink.instance_id)):
        rows = session.execute(select(other.business_key, ComplaintLink.details, ComplaintLink.created_at)
                               .join(other, other.id == theirs)
                               .where(mine == instance_id, ComplaintLink.kind == "repeat"))
        found += [(at, RepeatLink(number, mine is ComplaintLink.instance_id, tuple((details or {}).get("by", ()))))
                  for number, details, at in rows]
    return [link for _, link in sorted(found, key=lambda pair: pair[0])]


def membership(session: Session, instance_id: int) -> Membership | None:
    """The newest collective case the complaint belongs to, with the other members' numbers."""
    case = session.scalars(select(CollectiveCase).join(CollectiveMember)
                           .where(CollectiveMember.instance_id == instance_id)
                           .order_by(CollectiveCase.id.desc()).limit(1)).first()
    if case is None:
        return None
    others = session.scalars(select(ProcessInstance.business_key).join(CollectiveMember)
                             .where(CollectiveMember.collective_id == case.id, ProcessInstance.id != instance_id)
                             .order_by(CollectiveMember.joined_at, ProcessInstance.id))
    return Membership(case.id, case.status, list(others))


def case(rt: Runtime, actor: Actor, case_id: int) -> CaseView:
    """A collective case's page: the oversight roles only. Raises PermissionDenied, NotFound."""
    require_any(actor, OVERSIGHT_ROLES, "see collective cases")
    with rt.db.reader() as session:
        found = session.get(CollectiveCase, case_id)
        if found is None:
            raise NotFound(f"no collective case {case_id}")
        rows = session.execute(select(ProcessInstance.business_key, ProcessInstance.status, ProcessInstance.severity,
                                      CollectiveMember.joined_at).join(CollectiveMember)
                               .where(CollectiveMember.collective_id == case_id)
                               .order_by(CollectiveMember.joined_at, ProcessInstance.id))
        members = [Member(*row) for row in rows]
        number = session.scalar(select(ProcessInstance.business_key).where(ProcessInstance.id == found.instance_id))
        return CaseView(found.id, found.site, found.category, found.status, found.opened_at, dict(found.reason or {}),
                        found.plan, found.reply, found.replied_at, number, members)
