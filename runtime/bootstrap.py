"""The composition root: settings, database and engine wired once, passed to every service."""
from __future__ import annotations

from dataclasses import dataclass, field

import handlers
from runtime import business_calendar
from runtime.config import Settings, load_settings
from runtime.store.db import Database
from runtime.store.workflow_cache import WorkflowCache
from runtime.engine import Engine


@dataclass
class Runtime:
    settings: Settings
    db: Database
    engine: Engine
    # definition id -> DefinitionRef; definitions are immutable, so this never goes stale
    definitions: dict = field(default_factory=dict)
    # instance id -> the workflow this process committed last (runtime/store/workflow_cache.py)
    workflows: WorkflowCache = field(default_factory=WorkflowCache)

    @property
    def functions(self) -> frozenset[str]:
        return frozenset(handlers.registry.functions)

    @property
    def services(self) -> frozenset[str]:
        return frozenset(handlers.registry.services)

    def close(self) -> None:
        self.db.dispose()


def bootstrap(settings: Settings | None = None) -> Runtime:
    """Build the runtime for ``settings`` (default: from the environment)."""
    settings = settings or load_settings()
    business_calendar.watch(settings.calendar_path, settings.timezone)
    engine = Engine(dict(handlers.registry.functions), dict(handlers.registry.services))
    return Runtime(settings=settings, db=Database(settings.database_url), engine=engine,
                   workflows=WorkflowCache(settings.workflow_cache_size))
