"""A sliding-window limit on how often one address may submit the public registration form.

The counts live in memory, per app process: with several processes an address may send up to that many
times the limit, which still stops a script hammering the form. Requests are keyed by the client address
the server sees (run uvicorn with --proxy-headers behind a reverse proxy, so that is the visitor's).
"""

import threading
import time
from collections import deque


class SlidingWindowLimiter:
    """At most `limit` requests per key in any `window_seconds`; a limit of 0 lets everything through."""

    # Keys whose window has emptied are swept when this many are kept, so memory stays bounded.
    SWEEP_ABOVE = 10_000

    def __init__(self, limit: int, window_seconds: float = 60.0) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str, now: float | None = None) -> bool:
        """Counts this request and says whether it may go ahead."""
        if self.limit <= 0:
            return True
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) > self.SWEEP_ABOVE:
                self._sweep(now)
            hits = self._hits.setdefault(key, deque())
            self._forget_old(hits, now)
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def retry_after(self, key: str, now: float | None = None) -> int:
        """Seconds until this key may send again (at least 1)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.get(key)
            if not hits:
                return 1
            return max(1, int(hits[0] + self.window_seconds - now + 0.999))

    def _forget_old(self, hits: deque[float], now: float) -> None:
        while hits and hits[0] <= now - self.window_seconds:
            hits.popleft()

    def _sweep(self, now: float) -> None:
        for key in list(self._hits):
            self._forget_old(self._hits[key], now)
            if not self._hits[key]:
                del self._hits[key]
