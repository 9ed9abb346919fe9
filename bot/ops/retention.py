"""Retention: chat transcripts older than CONCIERGE_RETENTION_DAYS are purged at start and then hourly.

`concierge serve` (bot/cli/service.py) starts one RetentionPurger; a daemon thread calls `purge_if_due` every
`interval_s`. The clock is injectable so tests can move time without waiting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

HOUR_S = 3600.0


class Purgeable(Protocol):
    def purge_older_than(self, days: float, now: float | None = None) -> dict[str, int]: ...


class RetentionPurger:
    """Purges transcripts older than `days`, at most once per `interval_s` (by `clock`)."""

    def __init__(
        self,
        store: Purgeable,
        days: float,
        *,
        interval_s: float = HOUR_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.days = days
        self.interval_s = interval_s
        self.clock = clock
        self.last_run: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def purge_if_due(self) -> dict[str, int] | None:
        """Purge when the last purge is at least interval_s old (or there was none); the rows deleted, else None."""
        now = self.clock()
        if self.last_run is not None and now - self.last_run < self.interval_s:
            return None
        self.last_run = now
        purged = self.store.purge_older_than(self.days, now=now)
        if any(purged.values()):
            log.info("retention: purged %s", purged)
        return purged

    def start(self, wake_s: float | None = None) -> RetentionPurger:
        """Purge now, then check every wake_s seconds (default interval_s) in a daemon thread."""
        self.purge_if_due()
        wait = self.interval_s if wake_s is None else wake_s

        def run() -> None:
            while not self._stop.wait(wait):
                try:
                    self.purge_if_due()
                except Exception:  # a locked or broken store must not kill the thread; retried next time
                    log.exception("retention purge failed")

        self._thread = threading.Thread(target=run, name="retention-purge", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
