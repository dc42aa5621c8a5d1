"""Complainants' contact data is shown masked (138****1234) unless the viewer's role needs it.

The roles that call or visit the customer see it in full; everyone else sees the masked form and
may reveal it only through an audited action (the complaint page).
"""
from __future__ import annotations

from runtime.actors import Actor

# The quality department calls customers back too (seed 001), so it sees their contact data.
CONTACT_ROLES = frozenset({"front_desk", "cs_manager", "duty_manager", "site_manager", "crisis_team", "quality"})
CONTACT_FIELDS = ("customer_phone", "customer_email", "customer_unit", "customer_address")


def may_see_contact(actor: Actor) -> bool:
    return bool(actor.roles & CONTACT_ROLES)


def mask_phone(value: str) -> str:
    """Keep the first 3 and the last 4 digits: 13812341234 -> 138****1234."""
    text = str(value)
    if len(text) <= 7:
        return "*" * len(text)
    return text[:3] + "*" * (len(text) - 7) + text[-4:]


def mask_text(value: str) -> str:
    """Keep the first two characters of an address or unit: 3栋1单元502 -> 3栋****."""
    text = str(value)
    return text[:2] + "****" if len(text) > 2 else "****"


def mask_email(value: str) -> str:
    """Keep the first character and the domain: owner@example.test -> o***@example.test."""
    name, _, domain = str(value).partition("@")
    return (name[:1] + "***") + (f"@{domain}" if domain else "")


MASKS = {"customer_phone": mask_phone, "customer_email": mask_email}


def masked(record: dict, actor: Actor) -> dict:
    """The record as ``actor`` may see it."""
    if may_see_contact(actor):
        return dict(record)
    out = dict(record)
    for name in CONTACT_FIELDS:
        if out.get(name):
            out[name] = MASKS.get(name, mask_text)(out[name])
    return out
