"""Bounds on diagram code, so a script, condition or timer expression can never hang a request, hold
the database's write lock, or exhaust the server's memory.

At compile time (the deployment lint and the sandbox use the same policy) RestrictedPython's policy is
extended: ``**``, ``*``, ``<<``, ``%`` and ``+`` become calls of ``_binop_``, which refuses results
beyond ``MAX_BITS`` bits or ``MAX_ITEMS`` items (``%`` formatting: widths beyond ``MAX_WIDTH``); every
``while`` loop body and every lambda or function call first calls ``_step_``; f-string padding wider
than ``MAX_WIDTH`` or computed at run time is refused, and each f-string value goes through
``_sized_``; so are constant expressions that are unbounded on their face (``9**9**9``,
``'a' * 10**10``, ``'%999999999d' % 1``).

At run time every evaluation has a budget of steps and time (``runtime.code_budget``). A breach
raises ``CodeLimitExceeded``, which the engine turns into an incident naming the element; the server and
every other complaint go on.
"""
from __future__ import annotations

import ast
import math
from typing import cast

from RestrictedPython import RestrictingNodeTransformer

MAX_BITS = 100_000  # an integer result of about 30,000 digits
MAX_ITEMS = 10_000_000  # characters of a string, items of a list made by repetition
MAX_WIDTH = 1_000  # f-string padding
_OPS = {ast.Pow: "**", ast.Mult: "*", ast.LShift: "<<", ast.Mod: "%", ast.Add: "+"}


class CodeLimitExceeded(Exception):
    """Diagram code went beyond its bounds (steps, time, or the size of a result)."""


class BoundedPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy plus the bounds above."""

    def visit_BinOp(self, node: ast.BinOp):
        node = cast(ast.BinOp, super().visit_BinOp(node))
        symbol = _OPS.get(type(node.op))
        if symbol is None:
            return node
        try:
            left, right = _static(node.left), _static(node.right)
            if left is not _UNKNOWN and right is not _UNKNOWN:
                check(symbol, left, right)
        except CodeLimitExceeded as e:  # unbounded on its face, e.g. 9**9**9: refused before it runs
            self.error(node, str(e))
            return node
        return _call("_binop_", node, ast.Constant(symbol), node.left, node.right)

    def visit_Lambda(self, node: ast.Lambda):
        """Each call of a lambda is a step (``_step_() or body``): recursion and C loops calling a lambda
        (``sorted(key=...)``, ``map``) spend the same budget as loops."""
        node = cast(ast.Lambda, super().visit_Lambda(node))
        node.body = ast.fix_missing_locations(ast.copy_location(
            ast.BoolOp(ast.Or(), [_call("_step_", node.body), node.body]), node.body))
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef):
        node = cast(ast.FunctionDef, super().visit_FunctionDef(node))
        node.body.insert(0, ast.copy_location(ast.Expr(_call("_step_", node)), node))
        return node

    def visit_While(self, node: ast.While):
        node = cast(ast.While, super().visit_While(node))
        node.body.insert(0, ast.copy_location(ast.Expr(_call("_step_", node)), node))
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue):
        spec = node.format_spec
        if spec is not None:
            parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
            if any(not isinstance(p, ast.Constant) for p in parts):
                self.error(node, "f-string formats computed at run time are not allowed in diagram code")
            elif any(int(w) > MAX_WIDTH for p in parts for w in _digit_runs(str(getattr(p, "value", "")))):
                self.error(node, f"f-string padding wider than {MAX_WIDTH} is not allowed in diagram code")
        node = cast(ast.FormattedValue, super().visit_FormattedValue(node))
        node.value = _call("_sized_", node.value, node.value)
        return node


def _call(guard: str, where: ast.AST, *args: ast.expr) -> ast.Call:
    """A call of one of the sandbox's guards (``_step_``, ``_binop_``, ``_sized_``), placed at ``where``.
    Made after RestrictedPython's checks, so its underscore name is not refused."""
    call = ast.Call(func=ast.Name(guard, ast.Load()), args=list(args), keywords=[])
    return ast.fix_missing_locations(ast.copy_location(call, where))


_UNKNOWN = object()


def _static(node):
    """The value of a constant operand, also of a bounded operation on constants (already turned into
    a ``_binop_`` call); ``_UNKNOWN`` for anything that depends on data."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return -node.operand.value if isinstance(node.operand.value, (int, float)) else _UNKNOWN
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_binop_":
        symbol, left, right = node.args
        a, b = _static(left), _static(right)
        if a is _UNKNOWN or b is _UNKNOWN:
            return _UNKNOWN
        return binop(symbol.value, a, b)
    return _UNKNOWN


def _digit_runs(text: str) -> list[str]:
    runs, current = [], ""
    for ch in text:
        if ch.isdigit():
            current += ch
        elif current:
            runs.append(current)
            current = ""
    return runs + ([current] if current else [])


def check(symbol: str, a, b) -> None:
    """Refuse a ``**``, ``*``, ``<<``, ``%`` or ``+`` whose result would be beyond the bounds, before
    computing it (also for the in-place ``*=``, ``%=``, ``+=``, which keep their in-place meaning)."""
    if symbol == "+":
        if isinstance(a, (str, bytes, list, tuple)) and isinstance(b, (str, bytes, list, tuple)) \
                and len(a) + len(b) > MAX_ITEMS:
            raise CodeLimitExceeded(f"joining {len(a):,} and {len(b):,} items is too large for diagram code")
        return
    if symbol == "%":
        if isinstance(a, (str, bytes)):
            format_widths(a.decode("latin-1") if isinstance(a, bytes) else a)
            sized(b, "the formatted text")
        return
    if symbol == "**" and isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and b > 0 \
            and b * math.log2(abs(a)) > MAX_BITS:
        raise CodeLimitExceeded(f"{a} ** {b} would be too large a number for diagram code")
    if symbol == "<<" and isinstance(b, int) and b > MAX_BITS:
        raise CodeLimitExceeded(f"<< {b} would be too large a number for diagram code")
    if symbol == "*":
        for seq, n in ((a, b), (b, a)):
            if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int) and n > 0 \
                    and weight(seq, MAX_ITEMS // n + 1) * n > MAX_ITEMS:
                raise CodeLimitExceeded(f"repeating {len(seq)} items {n} times is too large for diagram code")
        if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > MAX_BITS:
            raise CodeLimitExceeded("the product would be too large a number for diagram code")


def binop(symbol: str, a, b):
    """``_binop_``: the operator, once the operands are known to give a bounded result."""
    check(symbol, a, b)
    if symbol == "**":
        return a ** b
    if symbol == "%":
        return a % b
    if symbol == "+":
        return a + b
    return a * b if symbol == "*" else a << b


def printf_specs(fmt: str) -> list[str]:
    """The widths and precisions of a printf-style format, read as Python reads them (a mapping key
    may hold nested parentheses: ``%(a(b)c)9s``)."""
    found, i = [], 0
    while (i := fmt.find("%", i)) >= 0:
        i += 1
        if i < len(fmt) and fmt[i] == "(":
            depth = 0
            while i < len(fmt):
                depth += {"(": 1, ")": -1}.get(fmt[i], 0)
                i += 1
                if depth == 0:
                    break
        while i < len(fmt) and fmt[i] in "#0- +":
            i += 1
        for _part in ("width", "precision"):
            start = i
            while i < len(fmt) and (fmt[i].isdigit() or fmt[i] == "*"):
                i += 1
            if i > start:
                found.append(fmt[start:i])
            if i < len(fmt) and fmt[i] == ".":
                i += 1
        i += 1  # the conversion character (``%%`` included)
    return found


def format_widths(fmt: str) -> None:
    """Widths and precisions of a printf-style format at most MAX_WIDTH each and MAX_ITEMS together,
    none given as ``*`` (computed at run time); literal text such as an order number is not a width.
    (``str.format`` is refused; f-string specs are checked at compile time.)"""
    specs = printf_specs(fmt)
    if any("*" in spec for spec in specs):
        raise CodeLimitExceeded("widths given as * are not allowed in diagram code")
    widths = [int(spec) for spec in specs]
    for width in widths:
        if width > MAX_WIDTH:
            raise CodeLimitExceeded(f"a format width of {width:,} is wider than {MAX_WIDTH} for diagram code")
    if sum(widths) > MAX_ITEMS:
        raise CodeLimitExceeded("the format's widths add up to too much text for diagram code")


def weight(value, limit: int = MAX_ITEMS) -> int:
    """About how many characters ``value`` takes written out, counting shared parts every time they
    occur (``[b] * 10`` of a large ``b`` is small in memory, not in a state dump); stops counting, and
    returns more than ``limit``, as soon as ``limit`` is passed."""
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 1  # about its decimal digits
        else:
            total += 1
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
        if total > limit:
            return total
    return total


def sized(value, what: str = "the result"):
    """``_sized_``: ``value`` if it is not too large to write out, else CodeLimitExceeded."""
    if weight(value) > MAX_ITEMS:
        raise CodeLimitExceeded(f"{what} would be more than {MAX_ITEMS:,} characters: too large for diagram code")
    return value
