"""The builtins and string methods diagram code gets, each bounded like the operators in
``code_bounds``: a call whose result would exceed ``MAX_ITEMS`` characters or items is refused
before it is computed, and anything that iterates in C (``map``, ``sorted``, ``sum``...) counts its
items against the step budget, so a loop hidden in a builtin cannot run past it.

Some results are small in memory but huge when written out: ``[b, b, b]`` of a list ``b`` that
already holds ten million characters. ``code_bounds.weight`` measures what ``str``, ``repr``,
``join``, an f-string or the engine's state dump would write, and those are refused when it is too
much (also what a script leaves in the task data).
"""
from __future__ import annotations

import builtins as py
import math
import string
from types import SimpleNamespace

from runtime.code_bounds import MAX_BITS, MAX_ITEMS, CodeLimitExceeded, binop, sized, weight
from runtime.code_budget import bounded_range, counted_iter

def _width(n, what: str) -> None:
    if isinstance(n, int) and n > MAX_ITEMS:
        raise CodeLimitExceeded(f"{what} of {n:,} characters is too large for diagram code")


# Methods that can make their result (or their object) far larger than their input, each with the
# size it would reach, computed before the method runs, and the arguments to run it with (``join``
# and ``extend`` read their items through ``counted_iter`` first: an iterator can be read only once).
def _pad(value, width, *rest):
    return width, (width, *rest)


def _expandtabs(value, tabsize=8):
    return value.count("\t" if isinstance(value, str) else b"\t") * tabsize + len(value), (tabsize,)


def _replace(value, old, new, count=-1):
    hits = len(value) + 1 if not old else value.count(old)
    hits = hits if count < 0 else min(count, hits)
    return len(value) + hits * max(0, len(new) - len(old)), (old, new, count)


def _join(value, items):
    items = list(counted_iter(items))
    return sum(weight(i) for i in items) + len(value) * max(0, len(items) - 1), (items,)


def _extend(value, items):
    items = list(counted_iter(items))
    return len(value) + len(items), (items,)


def _to_bytes(value, length=1, *rest):
    return length, (length, *rest)


def _translate(value, table):
    longest = max((len(v) for v in table.values() if isinstance(v, py.str)), default=1) \
        if isinstance(table, dict) else 1
    return len(value) * max(1, longest), (table,)


STRINGS = (py.str, bytes)
BOUNDED_METHODS = {"ljust": (STRINGS, _pad), "rjust": (STRINGS, _pad), "center": (STRINGS, _pad),
                   "zfill": (STRINGS, _pad), "expandtabs": (STRINGS, _expandtabs), "replace": (STRINGS, _replace),
                   "join": (STRINGS, _join), "extend": ((list,), _extend), "to_bytes": ((py.int,), _to_bytes),
                   "translate": ((py.str,), _translate)}
UNSAFE_ON_TYPES = frozenset({"format", "format_map"})  # str.format(fmt, obj) reaches attributes


def _bounded(name: str, value, method, size):
    def call(*args, **kwargs):
        reached, args = size(value, *args)
        _width(reached, name)
        return method(*args, **kwargs)
    return call


def guarded_getattr(safer_getattr):
    """``_getattr_``: RestrictedPython's guard, with the methods of ``BOUNDED_METHODS`` bounded, on a
    value (``s.ljust(n)``) and on its type (``str.ljust(s, n)``, ``list.extend(l, m)``). The ``str`` and
    ``int`` stand-ins are looked at as the real types; ``format`` is refused on ``str`` as on a string."""
    def getattr_(obj, name, *default):
        if obj is BoundedInt and name == "from_bytes":
            return lambda *args, **kwargs: _small(py.int.from_bytes(*args, **kwargs))
        obj = obj.real if isinstance(obj, _Delegating) else obj
        if obj in STRINGS and name in UNSAFE_ON_TYPES:
            raise NotImplementedError(f"str.{name} is not allowed in diagram code")
        kinds, size = BOUNDED_METHODS.get(name, ((), None))
        if size is not None and isinstance(obj, kinds):
            return _bounded(name, obj, safer_getattr(obj, name), size)
        if size is not None and obj in kinds:  # the unbound method, called with its object first
            return lambda self, *args, **kwargs: getattr_(self, name)(*args, **kwargs)
        return safer_getattr(obj, name, *default)
    return getattr_


MAX_MODULAR_BITS = 20_000  # pow(a, b, m) costs bits(b) multiplications of numbers as large as m


def bounded_pow(base, exp, mod=None):
    if mod is None:
        return binop("**", base, exp)
    if any(isinstance(n, int) and n.bit_length() > MAX_MODULAR_BITS for n in (base, exp, mod)):
        raise CodeLimitExceeded("pow with numbers this large is too slow for diagram code")
    return py.pow(base, exp, mod)


def bounded_round(number, ndigits=None):
    if isinstance(ndigits, int) and abs(ndigits) > 1000:
        raise CodeLimitExceeded(f"round to {ndigits:,} digits is not allowed in diagram code")
    return py.round(number) if ndigits is None else py.round(number, ndigits)


def bounded_sum(iterable, start=0):
    total = start
    for item in counted_iter(iterable):
        total = total + item
        if isinstance(total, (str, bytes, list, tuple)):
            _width(len(total), "sum")
    return total


def _counted(function):
    def call(iterable, *args, **kwargs):
        return function(counted_iter(iterable), *args, **kwargs)
    call.__name__ = function.__name__
    return call


def _counted_all(function):
    def call(*args, **kwargs):
        return counted_iter(function(*args, **kwargs))
    call.__name__ = function.__name__
    return call


class _Delegating(type):
    """A stand-in for a builtin type: instances of the real type count as its instances, and its
    methods are the real type's (``isinstance(x, str)`` and ``str.upper(x)`` work as in Python)."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, cls.real)

    def __subclasscheck__(cls, other):
        return issubclass(other, cls.real)

    def __getattr__(cls, name):  # reached only through ``guarded_getattr``, which checks the name first
        return getattr(cls.real, name)


class BoundedStr(metaclass=_Delegating):
    """``str``: converting something too large to write out is refused."""
    real = py.str

    def __new__(cls, *args, **kwargs):
        return py.str(*(sized(a, "the text") for a in args), **kwargs)


class BoundedInt(metaclass=_Delegating):
    """``int``: a number beyond MAX_BITS from text or bytes is refused (``int(s, 16)`` of a megabyte of hex
    digits would make every later ``%`` or ``//`` on it take seconds in C, past the time budget)."""
    real = py.int

    def __new__(cls, *args, **kwargs):
        return _small(py.int(*args, **kwargs))


def _small(number):
    if isinstance(number, py.int) and number.bit_length() > MAX_BITS:
        raise CodeLimitExceeded(f"a number of {number.bit_length():,} bits is too large for diagram code")
    return number


def bounded_repr(value):
    return py.repr(sized(value, "the text"))


def _factorial(n):
    if isinstance(n, int) and n > 20_000:
        raise CodeLimitExceeded(f"factorial of {n:,} is too large for diagram code")
    return math.factorial(n)


def _combinations(function):
    def call(n, k=None):
        if isinstance(n, int) and n > 20_000:
            raise CodeLimitExceeded(f"{function.__name__} of {n:,} is too large for diagram code")
        return function(n) if k is None else function(n, k)
    call.__name__ = function.__name__
    return call


def _product(iterable, start=1):
    total = start
    for item in counted_iter(iterable):
        total = binop("*", total, item)
    return total


MATH = SimpleNamespace(**{**{name: getattr(math, name) for name in dir(math) if not name.startswith("_")},
                          "factorial": _factorial, "comb": _combinations(math.comb),
                          "perm": _combinations(math.perm), "prod": _product, "lcm": lambda *n: _lcm(n)})
STRING = SimpleNamespace(**{name: getattr(string, name) for name in (
    "ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits", "octdigits", "punctuation",
    "printable", "whitespace")}, capwords=string.capwords)


def _lcm(numbers):
    total = 1
    for n in counted_iter(numbers):
        total = _small(math.lcm(total, n))
    return total


def _counted_or_args(function):
    """``min``/``max``: one iterable is counted; several arguments are few by nature."""
    def call(*args, **kwargs):
        if len(args) == 1:
            return function(counted_iter(args[0]), **kwargs)
        return function(*args, **kwargs)
    call.__name__ = function.__name__
    return call


def overrides() -> dict:
    """The builtins diagram code gets in place of Python's own."""
    return {"pow": bounded_pow, "round": bounded_round, "sum": bounded_sum, "str": BoundedStr, "int": BoundedInt,
            "repr": bounded_repr, "range": bounded_range, "math": MATH, "string": STRING,
            "sorted": _counted(py.sorted), "any": _counted(py.any), "all": _counted(py.all),
            "min": _counted_or_args(py.min), "max": _counted_or_args(py.max),
            "map": _counted_all(py.map), "filter": _counted_all(py.filter), "zip": _counted_all(py.zip),
            "enumerate": _counted_all(py.enumerate), "reversed": _counted_all(py.reversed)}
