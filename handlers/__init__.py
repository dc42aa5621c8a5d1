"""Service-task handlers and expression functions, listed explicitly (no scanning).

Importing this package registers everything in ``HANDLER_MODULES`` on ``registry``.
"""
from __future__ import annotations

import importlib

from handlers.registry import registry

HANDLER_MODULES = (
    "handlers.time_functions",
    "handlers.complaint_rules",
)

for _module in HANDLER_MODULES:
    importlib.import_module(_module)

__all__ = ["registry", "HANDLER_MODULES"]
