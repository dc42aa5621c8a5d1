"""Whole-number parameters (versions, pages, version numbers of a process) from query strings and
forms, parsed one way everywhere: empty gives the default; junk is a clear 400 naming the field,
or, where a page must never fail on a hand-edited address (the inbox), the default."""
from __future__ import annotations

from runtime.errors import InvalidInput

MAX = 2**31 - 1  # as route ids (web/security.py) and the API contract's ``maximum``


def whole_number(raw: str | None, name: str, default: int | None = None, strict: bool = True) -> int | None:
    if raw is None or raw == "":
        return default
    if raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX:
        return int(raw)
    if not strict:
        return default
    raise InvalidInput(f"{name} must be a whole number from 0 to {MAX}", field_errors={name: raw[:40]})
