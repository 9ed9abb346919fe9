"""Per-user request rate limiting (sliding window, in memory) and request size checks."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RateLimited(Exception):
    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many requests; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class RateLimiter:
    """At most `per_minute` requests per user in any 60-second window."""

    def __init__(self, per_minute: int, window_s: float = 60.0, max_users: int = 100_000) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self.max_users = max_users
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, user_id: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._hits) > self.max_users:
                self._hits.clear()  # bounded memory under a flood of distinct users
            hits = self._hits[user_id]
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.per_minute:
                raise RateLimited(max(1, int(hits[0] + self.window_s - now) + 1))
            hits.append(now)
