"""Automatic steps of the complaint procedure that the source documents state as rules."""
from __future__ import annotations

from handlers.registry import registry

# Failures of facilities daily life depends on, and danger to people or property, are dispatched at
# once whatever else applies (seed 001).
URGENT_CATEGORIES = frozenset({"power", "water", "metering", "antenna", "lift", "building_automation", "safety"})
URGENT_WORDS = ("停电", "停水", "电梯", "困人", "漏水", "火", "燃气", "受伤", "fire", "injur", "flood", "gas leak",
                "trapped", "no power", "no water")


@registry.service("complaint.classify_urgency")
def classify_urgency(category: str = "", description: str = "") -> dict:
    """Decide whether a complaint must be dispatched at once (danger or a failed essential facility)."""
    text = (description or "").lower()
    reasons = []
    if (category or "").lower() in URGENT_CATEGORIES:
        reasons.append(f"category:{category}")
    reasons += [f"keyword:{w}" for w in URGENT_WORDS if w in text]
    return {"urgent": bool(reasons), "reasons": reasons}
