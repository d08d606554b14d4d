"""Login throttling: failed attempts counted per account and per address, in memory or in Redis.

In memory, each app process counts on its own; with REDIS_URL every process shares the counts. Only
failures count, and a successful login clears the account's count (not the address's).
"""

import logging
import time
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

logger = logging.getLogger("plenary.accounts")

ACCOUNT_LIMIT = "10 per 15 minutes"
ADDRESS_LIMIT = "30 per 15 minutes"


@dataclass(frozen=True)
class Refusal:
    retry_after_seconds: int

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after_seconds // 60))


def limits_storage(storage_uri: str | None, key_prefix: str) -> Storage:
    """Counts shared through Redis (`redis://...`), or kept in this process's memory without one."""
    options: dict[str, Any] = {"key_prefix": key_prefix, "wrap_exceptions": True} if storage_uri else {}
    # limits types the result as sync or async storage; the memory:// and redis:// schemes are sync.
    storage: Storage = storage_from_string(storage_uri or "memory://", **options)  # type: ignore[assignment]
    return storage


class LoginThrottle:
    def __init__(
        self,
        storage_uri: str | None = None,
        *,
        per_account: str = ACCOUNT_LIMIT,
        per_address: str = ADDRESS_LIMIT,
        key_prefix: str = "plenary-login",
    ) -> None:
        self.storage = limits_storage(storage_uri, key_prefix)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_account: RateLimitItem = parse(per_account)
        self.per_address: RateLimitItem = parse(per_address)

    def _checks(self, email: str, address: str) -> list[tuple[RateLimitItem, str, str]]:
        return [(self.per_account, "account", email), (self.per_address, "address", address)]

    def refusal(self, email: str, address: str) -> Refusal | None:
        """Why this attempt may not even be tried, or None when it may."""
        try:
            for item, kind, key in self._checks(email, address):
                if not self.limiter.test(item, kind, key):
                    stats = self.limiter.get_window_stats(item, kind, key)
                    return Refusal(retry_after_seconds=max(1, int(stats.reset_time - time.time())))
        except StorageError:
            # A shared store that is down must not lock everyone out; the hashing bound still holds.
            logger.warning("login throttle storage unavailable; attempt not checked", exc_info=True)
        return None

    def failed(self, email: str, address: str) -> None:
        try:
            for item, kind, key in self._checks(email, address):
                self.limiter.hit(item, kind, key)
        except StorageError:
            logger.warning("login throttle storage unavailable; failure not counted", exc_info=True)

    def succeeded(self, email: str) -> None:
        try:
            self.limiter.clear(self.per_account, "account", email)
        except StorageError:
            logger.warning("login throttle storage unavailable; count not cleared", exc_info=True)

    def reset(self) -> None:
        """Forgets every count (as if every window had passed)."""
        self.storage.reset()
