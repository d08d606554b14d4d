"""Per-process memory of built values (programme data, rendered pages, exports), keyed by version stamps.

Each app process keeps its own copies; all of them key on stamps read from the shared database (the
latest release, Event.updated_at, the speakers' and materials' stamps), so several processes never
serve anything older than what the database holds, and nothing ever needs to be invalidated. One
instance per kind of value, each with its own key type: app/web/caches.py.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class _Build:
    """One build in progress, which requests asking for the same key wait for instead of repeating it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: object = None
        self.error: BaseException | None = None


class RenderedViews(Generic[Key, Value]):
    """A small least-recently-used map; building runs outside the lock, so a slow build blocks nobody.

    Each key is built by one thread at a time: requests that arrive while it builds wait for that
    build (a 30-second PDF is made once, not once per impatient reader).
    """

    def __init__(self, max_entries: int = 128) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Key, Value] = OrderedDict()
        self._building: dict[Key, _Build] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, key: Key, build: Callable[[], Value]) -> Value:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
            pending = self._building.get(key)
            if pending is None:
                self.misses += 1
                mine = self._building[key] = _Build()
        if pending is not None:
            pending.done.wait()
            if pending.error is not None:
                raise pending.error
            return pending.value  # type: ignore[return-value]
        try:
            value = build()
        except BaseException as error:
            mine.error = error
            raise
        else:
            mine.value = value
            with self._lock:
                self._entries[key] = value
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            return value
        finally:
            with self._lock:
                self._building.pop(key, None)
            mine.done.set()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
