"""The composition root: settings, database and engine wired once, passed to every service."""
from __future__ import annotations

import gc
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
    tune_collector(settings.gc_young_objects)
    business_calendar.watch(settings.calendar_path, settings.timezone)
    engine = Engine(dict(handlers.registry.functions), dict(handlers.registry.services))
    return Runtime(settings=settings, db=Database(settings.database_url), engine=engine,
                   workflows=WorkflowCache(settings.workflow_cache_size))


OLDEST_AFTER = 50  # collections of the middle generation before the oldest is considered (Python's: 10)


def tune_collector(young_objects: int) -> None:
    """Collect the youngest generation after ``young_objects`` new objects instead of Python's 700, and
    consider a full collection after 50 middle ones instead of 10.

    An action allocates thousands of objects (a complaint's three workflows, their dumps) and a full
    workflow cache keeps some 270,000 alive. At Python's thresholds the collector promoted them fast enough
    to run a full collection every ~80 complaints (measured over 400 complaints of the bench's normal
    path), a pause of 260-700 ms with a full cache that lands on whichever request is running (all of a
    process's threads wait for it), and the young collections cost ~1 ms of every action. With 10,000 the
    young garbage (pages' workflows, dumps) is still collected within a few actions and none of those 400
    complaints met a full collection; over HTTP, where every request allocates too, the oldest threshold
    of 50 halved the p99 of 32 clients on SQLite (724-1,339 -> 329-384 ms) for 3 % more memory (304 ->
    313 MB over 600 complaints). 0 leaves Python's thresholds."""
    if young_objects > 0:
        _, older, _ = gc.get_threshold()
        gc.set_threshold(young_objects, older, OLDEST_AFTER)
