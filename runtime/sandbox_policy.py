"""What diagram code may use besides the whitelisted functions: one list, read by the sandbox that
runs the code and by the lint that checks it at deployment, so the two cannot disagree."""
from __future__ import annotations

from RestrictedPython import limited_builtins, safe_builtins

from runtime import bounded_builtins

_EXTRA = (dict, list, set, frozenset, tuple)  # the rest (sum, map, sorted...) bounded, from bounded_builtins
_DROPPED = ("__build_class__", "setattr", "delattr")  # no class definitions or attribute writes in diagrams


def builtins() -> dict:
    allowed = {**safe_builtins, **limited_builtins, **{f.__name__: f for f in _EXTRA}}
    for name in _DROPPED:
        allowed.pop(name, None)
    allowed.update(bounded_builtins.overrides())  # math and string too, as bounded namespaces
    return allowed


BUILTIN_NAMES = frozenset(builtins())
