"""The builtins and string methods diagram code gets, each bounded like the operators in
``code_bounds``: a call whose result would exceed ``MAX_ITEMS`` characters or items is refused
before it is computed, and anything that iterates in C (``map``, ``sorted``, ``sum``...) counts its
items against the step budget, so a loop hidden in a builtin cannot run past it.

Some results are small in memory but huge when written out: ``[b, b, b]`` of a list ``b`` that
already holds ten million characters. ``code_bounds.weight`` measures what ``str``, ``repr``,
``join``, an f-string or the engine's state dump would write, and those are refused when it is too
much (``MAX_DATA`` for what a script leaves in the task data).
"""
from __future__ import annotations

import builtins as py
import math
import string
from types import SimpleNamespace

from runtime.code_bounds import MAX_BITS, MAX_ITEMS, CodeLimitExceeded, binop, counted_iter, sized, weight

MAX_DATA = MAX_ITEMS  # characters and items a script may leave in the task data


def _width(n, what: str) -> None:
    if isinstance(n, int) and n > MAX_ITEMS:
        raise CodeLimitExceeded(f"{what} of {n:,} characters is too large for diagram code")


def _str_method(value, name: str, method):
    """The bounded form of ``method``, a str/bytes method that can make a result larger than its input
    (as RestrictedPython's guard gave it: its ``format`` cannot reach attributes)."""

    def pad(width, *rest):
        _width(width, name)
        return method(width, *rest)

    def expandtabs(tabsize=8):
        _width(value.count("\t" if isinstance(value, str) else b"\t") * tabsize + len(value), name)
        return method(tabsize)

    def replace(old, new, count=-1):
        hits = (len(value) + 1 if not old else value.count(old)) if count < 0 else count
        _width(len(value) + hits * max(0, len(new) - len(old)), name)
        return method(old, new, count)

    def join(items):
        items = list(counted_iter(items))
        _width(sum(weight(i) for i in items) + len(value) * max(0, len(items) - 1), name)
        return method(items)

    bounded = {"ljust": pad, "rjust": pad, "center": pad, "zfill": pad, "expandtabs": expandtabs,
               "replace": replace, "join": join}
    return bounded.get(name, method)


GROWING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs", "replace", "join"})
# (``format`` and ``format_map`` RestrictedPython refuses outright.)


UNSAFE_ON_TYPES = frozenset({"format", "format_map"})  # str.format(fmt, obj) reaches attributes


def guarded_getattr(safer_getattr):
    """``_getattr_``: RestrictedPython's guard, with the growing str/bytes methods bounded, on a value
    (``s.ljust(n)``) and on the type (``str.ljust(s, n)``). The ``str`` stand-in is looked at as the
    real type, and its ``format`` methods are refused like those of a string value."""
    def getattr_(obj, name, *default):
        if obj is BoundedStr:
            obj = py.str
        if obj is BoundedInt:
            if name == "from_bytes":
                return lambda *args, **kwargs: _small(py.int.from_bytes(*args, **kwargs))
            obj = py.int
        if obj in (py.str, bytes) and name in UNSAFE_ON_TYPES:
            raise NotImplementedError(f"str.{name} is not allowed in diagram code")
        special = _SPECIAL.get(name)
        if special is not None and isinstance(obj, special[0]):
            return special[1](obj)
        if name in GROWING_METHODS:
            if isinstance(obj, (py.str, bytes)):
                return _str_method(obj, name, safer_getattr(obj, name))
            if obj in (py.str, bytes):
                return lambda self, *args, **kwargs: getattr_(self, name)(*args, **kwargs)
        return safer_getattr(obj, name, *default)
    return getattr_


def _bounded_extend(target: list):
    def extend(items):
        items = list(counted_iter(items))
        _width(len(target) + len(items), "extend")
        target.extend(items)
    return extend


def _bounded_to_bytes(number: int):
    def to_bytes(length=1, *args, **kwargs):
        _width(length, "to_bytes")
        return number.to_bytes(length, *args, **kwargs)
    return to_bytes


def _bounded_translate(text: str):
    def translate(table):
        longest = max((len(v) for v in table.values() if isinstance(v, py.str)), default=1) \
            if isinstance(table, dict) else 1
        _width(len(text) * max(1, longest), "translate")
        return text.translate(table)
    return translate


_SPECIAL = {"extend": (list, _bounded_extend), "to_bytes": (py.int, _bounded_to_bytes),
            "translate": (py.str, _bounded_translate)}  # methods that grow their object or result, bounded
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
        total = math.lcm(total, n)
        if total.bit_length() > 100_000:
            raise CodeLimitExceeded("the least common multiple would be too large a number for diagram code")
    return total


def overrides() -> dict:
    """The builtins diagram code gets in place of Python's own."""
    return {"pow": bounded_pow, "round": bounded_round, "sum": bounded_sum, "str": BoundedStr, "int": BoundedInt,
            "repr": bounded_repr,
            "math": MATH, "string": STRING, "sorted": _counted(py.sorted), "min": _counted_or_args(py.min),
            "max": _counted_or_args(py.max), "any": _counted(py.any), "all": _counted(py.all),
            "map": _counted_all(py.map), "filter": _counted_all(py.filter), "zip": _counted_all(py.zip),
            "enumerate": _counted_all(py.enumerate), "reversed": _counted_all(py.reversed)}


def _counted_or_args(function):
    """``min``/``max``: one iterable is counted; several arguments are few by nature."""
    def call(*args, **kwargs):
        if len(args) == 1:
            return function(counted_iter(args[0]), **kwargs)
        return function(*args, **kwargs)
    call.__name__ = function.__name__
    return call
