"""Where a complaint stands, from the process variables its instance keeps (``facts``): when it was
received and entered, whether it must be dispatched at once and why, whether the customer can be
called back, and its validity. One reading for the complaint page and the API."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Standing:
    received_at: datetime | None  # the time limits count from here (001: entry within 2 hours of it)
    entered_at: datetime | None
    urgent: bool | None  # None: not judged (an instance of an older procedure)
    urgent_reason: str | None
    reachable: bool | None  # None: not known; False: no phone or e-mail, the reply is posted instead
    means: tuple[str, ...]
    reply_where: str | None
    validity: str | None

    def as_json(self) -> dict:
        return {"received_at": _iso(self.received_at), "entered_at": _iso(self.entered_at),
                "dispatch": {"urgent": self.urgent, "reason": self.urgent_reason},
                "callback": {"reachable": self.reachable, "means": list(self.means), "reply_where": self.reply_where},
                "validity": self.validity}


def standing(facts: dict) -> Standing:
    found = facts.get("callback_contact")
    contact: dict = found if isinstance(found, dict) else {}
    urgent = facts.get("urgent")
    return Standing(_moment(facts.get("accepted_at")), _moment(facts.get("entered_at")),
                    urgent if isinstance(urgent, bool) else None, facts.get("urgent_reason") or None,
                    contact.get("reachable"), tuple(contact.get("means") or ()), contact.get("reply_where"),
                    facts.get("validity") or None)


def _moment(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
