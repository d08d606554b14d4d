"""How often one address may submit the public registration form: a moving window of one minute.

The counts are kept by `limits` (the library the login throttle uses): in Redis when REDIS_URL is set, so
that every app process behind a load balancer shares them, else in the memory of each process (an
address may then send up to that many times the limit, which still stops a script hammering the form).
Requests are keyed by the client address the server sees (FORWARDED_ALLOW_IPS names the proxies whose
X-Forwarded-For is believed).
"""

import logging
import time

from limits import RateLimitItemPerMinute
from limits.errors import StorageError
from limits.strategies import MovingWindowRateLimiter

from app.accounts.throttle import limits_storage

logger = logging.getLogger("plenary.registration")


class RegistrationLimiter:
    """At most `per_minute` submissions per address in any minute; 0 lets everything through."""

    def __init__(
        self, per_minute: int, storage_uri: str | None = None, *, key_prefix: str = "plenary-registration"
    ) -> None:
        self.per_minute = per_minute
        self.storage = limits_storage(storage_uri, key_prefix)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.item = RateLimitItemPerMinute(max(per_minute, 1))

    def allow(self, address: str) -> bool:
        """Counts this submission and says whether it may go ahead."""
        if self.per_minute <= 0:
            return True
        try:
            return bool(self.limiter.hit(self.item, "address", address))
        except StorageError:
            # A shared store that is down must not close registration; the seat rules still hold.
            logger.warning(
                "registration rate limit storage unavailable; submission not counted", exc_info=True
            )
            return True

    def retry_after(self, address: str) -> int:
        """Seconds until this address may send again (at least 1)."""
        try:
            stats = self.limiter.get_window_stats(self.item, "address", address)
        except StorageError:
            return 60
        return max(1, int(stats.reset_time - time.time() + 0.999))
