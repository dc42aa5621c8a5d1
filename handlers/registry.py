"""Registry of service-task handlers and of the functions BPMN expressions may call.

Handlers are pure: ``handler(**params) -> dict``, no session, no web. Registering a name twice is a
programming error and raises before anything is changed (procrastinate's registration rule).
"""
from __future__ import annotations

from typing import Any
from collections.abc import Callable


class DuplicateHandler(Exception):
    """A handler or expression function with this name is already registered."""


class HandlerRegistry:
    def __init__(self) -> None:
        self.services: dict[str, Callable[..., dict[str, Any]]] = {}
        self.functions: dict[str, Callable[..., Any]] = {}

    def service(self, name: str):
        """Register the handler a BPMN service task names as its operator."""
        def register(fn):
            self._add(self.services, name, fn)
            return fn
        return register

    def function(self, fn=None, *, name: str | None = None):
        """Whitelist a function for expressions, scripts and timer texts in the diagrams."""
        def register(f):
            self._add(self.functions, name or f.__name__, f)
            return f
        return register(fn) if fn is not None else register

    @staticmethod
    def _add(table: dict, name: str, fn: Callable) -> None:
        if name in table:
            raise DuplicateHandler(f"'{name}' is already registered by {table[name].__module__}")
        table[name] = fn


registry = HandlerRegistry()
