"""Automatic steps of the complaint procedure that the source documents state as rules.

Which complaints are dispatched at once is not here: it is the decision table
``processes/complaint_urgency.dmn``, which a process owner edits (001's list: danger to people or
property, failed essential facilities, an ongoing breach of regulations or the owners' covenant).
"""
from __future__ import annotations

from handlers.registry import registry

# Where a reply can be posted when the customer left no phone or e-mail: the channel itself (001:
# the community website is read twice a day; a WeChat message is answered in WeChat).
POSTED_CHANNELS = frozenset({"website", "wechat", "online_form"})


@registry.service("complaint.callback_contact")
def callback_contact(customer_phone: str = "", customer_email: str = "", channel: str = "") -> dict:
    """How the customer can be called back: every complaint is accepted, also an anonymous post
    without a phone (100% acceptance, 001); then the callback is a reply posted where it came from."""
    means = [name for name, value in (("phone", customer_phone), ("email", customer_email)) if (value or "").strip()]
    posted = channel if channel in POSTED_CHANNELS else "notice"
    return {"reachable": bool(means), "means": means, "reply_where": None if means else posted}
