"""The deserialized workflows of recently saved instances, so the next action on one skips the load.

Deserializing a complaint's three workflows is the largest single cost of an action (about a third
of it). The stored state stays the truth: an entry is keyed by the instance's row ``version``, which
every write bumps by compare-and-set, so a workflow another process (or another action of this one)
changed since is never used; the state is then read from the row as before.

An entry is *taken* (removed) when an action loads it and put back only after that action's commit,
so a workflow an action changed and then rolled back (a refusal, an incident, a lost race) is never
seen again, and two threads never share one workflow object. Only actions that save use the cache;
pages and dry runs, which read the state without saving it, deserialize their own copy.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

DEFAULT_SIZE = 256  # a complaint's three workflows hold ~0.2 MB in memory: ~50 MB per process at most


class WorkflowCache:
    """A bounded least-recently-saved map: instance id -> (row version, workflow)."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = max(0, size)
        self._entries: OrderedDict[int, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def take(self, instance_id: int, version: int) -> Any | None:
        """The workflow saved as ``version`` of the instance, removed from the cache; None when the
        cache has none or an older one (dropped: the row has moved on)."""
        with self._lock:
            entry = self._entries.pop(instance_id, None)
            if entry is not None and entry[0] == version:
                self.hits += 1
                return entry[1]
            self.misses += 1
            return None

    def keep(self, instance_id: int, version: int, workflow: Any) -> None:
        """Remember ``workflow`` as the committed ``version`` of the instance (call after the commit)."""
        if self.size == 0:
            return
        with self._lock:
            self._entries[instance_id] = (version, workflow)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def drop(self, instance_id: int) -> None:
        with self._lock:
            self._entries.pop(instance_id, None)

    def __len__(self) -> int:
        return len(self._entries)
