"""Parameters read one way everywhere.

Whole numbers (versions, pages, version numbers of a process) from query strings and forms: empty
gives the default; junk is a clear 400 naming the field, or, where a page must never fail on a
hand-edited address (the inbox), the default. Return addresses (``next``): only a path of this site,
short enough for a Location header every client reads, else the fallback."""
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
    raise InvalidInput(f"{name} must be a whole number from 0 to {MAX}", field_errors={name: raw[:40]},
                       reason="whole_number", name=name, limit=MAX)


def short_text(raw: str | None, name: str, limit: int = 200) -> str | None:
    """A free-text parameter (a filter, a search) of at most ``limit`` characters, None when empty:
    longer is no search anyone types, and too complex a pattern for SQLite's LIKE."""
    if not raw:
        return None
    if len(raw) > limit:
        raise InvalidInput(f"{name} may hold at most {limit} characters", field_errors={name: raw[:40]},
                           reason="too_long", name=name, limit=limit)
    return raw


MAX_LOCATION = 2000  # characters: browsers and proxies refuse or cut longer redirect targets


def local_path(raw: str | None, fallback: str) -> str:
    """``raw`` if it is a path on this site (not ``//host`` or ``/\\host``, no control characters,
    at most MAX_LOCATION characters), else ``fallback``: an open redirect or a header nobody can read
    is never made from what a client sent."""
    target = raw or ""
    if (target.startswith("/") and not target.startswith(("//", "/\\")) and len(target) <= MAX_LOCATION
            and target.isprintable()):
        return target
    return fallback
