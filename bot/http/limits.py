"""Per-user request rate limiting: the `limits` library's moving window, in a storage several processes can share.

    limiter = RateLimiter(60, "memory://")             # this process only (the default)
    limiter = RateLimiter(60, "redis://127.0.0.1:6379")  # every process and instance pointed at this Redis

The storage expires its own keys (no bound on distinct users to police here). When a shared storage is
unreachable the request is let through and a warning logged: a Redis outage must not stop every chat.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from urllib.parse import urlparse

from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MovingWindowSupport, RedisStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

NAMESPACE = "concierge"
REDIS_TIMEOUTS = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}  # a hung Redis must not hang requests


class RateLimited(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many requests; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


def open_storage(uri: str) -> Storage:
    """A `limits` storage with a moving-window implementation from its URI (memory://, redis://host:port, ...)."""
    scheme = urlparse(uri).scheme
    options = REDIS_TIMEOUTS if scheme in RedisStorage.STORAGE_SCHEME else {}
    storage = storage_from_string(uri, wrap_exceptions=True, **options)
    if not isinstance(storage, Storage) or not isinstance(storage, MovingWindowSupport):
        raise ValueError(f"{uri!r}: rate limits need a synchronous storage with a moving window (memory, redis, ...)")
    return storage


class RateLimiter:
    """At most `per_minute` requests per key in any `window_s`-second window (a moving window).

    storage: a URI (CONCIERGE_LIMITS_STORAGE) or an open `limits` Storage; limiters that share one storage (the
    same Redis, or the same in-memory Storage object) share each key's budget. clock: the storage's time source
    (time.time), for the Retry-After value.
    """

    def __init__(
        self,
        per_minute: int,
        storage: str | Storage = "memory://",
        window_s: int = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self.storage = open_storage(storage) if isinstance(storage, str) else storage
        self.item = RateLimitItemPerSecond(per_minute, window_s, namespace=NAMESPACE)
        self.strategy = MovingWindowRateLimiter(self.storage)
        self.clock = clock

    def check(self, key: str) -> None:
        """Count one request of `key`; RateLimited(retry_after_s) when its window is full (then nothing counts)."""
        try:
            if self.strategy.hit(self.item, key):
                return
            reset_at = self.strategy.get_window_stats(self.item, key).reset_time
        except StorageError as exc:
            log.warning("rate-limit storage unreachable (%s): request let through", type(exc.storage_error).__name__)
            return
        raise RateLimited(max(1, int(reset_at - self.clock()) + 1))
