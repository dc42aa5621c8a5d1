"""Which field names form and start data may use: one rule for the server's check and for the API
contract that tells clients about it.

A name is an ASCII identifier of at most 64 characters not starting with ``_`` (the engine and the
script sandbox keep their own names there), and not one of the names the engine or a diagram's
functions already use (``typename``, ``initiator``, ``initiator_roles``, the registered functions).
"""
from __future__ import annotations

import re
from collections.abc import Iterable

PATTERN = "^[A-Za-z][A-Za-z0-9_]{0,63}$"
_NAME = re.compile(PATTERN)
ENGINE_NAMES = frozenset({"typename"})
INITIATOR = "initiator"  # who started the instance: set by the server, never sent
INITIATOR_ROLES = "initiator_roles"  # the roles they held then (a complaint the quality department receives)
REPEAT_COMPLAINT = "repeat_complaint"  # the same customer, the same category, within the owner's window
REPEAT_OF = "repeat_of"  # the earlier complaint's number (found at intake, never sent)
SERVER_SET = frozenset({INITIATOR, INITIATOR_ROLES, REPEAT_COMPLAINT, REPEAT_OF})


def refused(keys: Iterable[object], reserved: frozenset[str]) -> dict[str, str]:
    """Each key that may not be a field name, with the reason (for the 400's field errors)."""
    taken = ENGINE_NAMES | reserved
    return {str(k)[:80]: "this field name is reserved" if k in taken else "not a valid field name"
            for k in keys if not isinstance(k, str) or k in taken or not _NAME.fullmatch(k)}


def valid(name: object) -> bool:
    """Whether ``name`` has the shape of a field name (reserved names aside)."""
    return isinstance(name, str) and _NAME.fullmatch(name) is not None


def schema(reserved: frozenset[str]) -> dict:
    """``propertyNames`` for the contract: the same rule as ``refused``."""
    return {"pattern": PATTERN, "not": {"enum": sorted(ENGINE_NAMES | reserved)}}
