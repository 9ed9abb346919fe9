"""Scheduled retraining: with CONCIERGE_TRAIN_INTERVAL_S set, `concierge serve` retrains the recommender in the
background whenever the history changed (events ingested, feedback given) and swaps the new model in.

The scheduler only knows two callables — the history's fingerprint and "retrain and swap" (the composition
root's `Components.retrain_recommender`) — so it can be tested with a fake clock and a fake trainer. A check
is cheap (one COUNT/MAX query); training runs on the checking thread, so two trainings never overlap.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class ScheduledRetrain:
    """Calls `retrain` when `fingerprint()` differs from the one of the last retrain, at most every interval_s."""

    def __init__(
        self,
        fingerprint: Callable[[], str],
        retrain: Callable[[], dict[str, Any]],
        interval_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("the retrain interval must be positive (0 = off: do not start a ScheduledRetrain)")
        self.fingerprint = fingerprint
        self.retrain = retrain
        self.interval_s = interval_s
        self.clock = clock
        self.trained_on: str | None = None  # None: the first check always asks (training skips an unchanged one)
        self.last_check: float | None = None
        self.runs = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def retrain_if_changed(self) -> dict[str, Any] | None:
        """Retrain when the interval has passed and the history changed; the training summary, else None."""
        now = self.clock()
        if self.last_check is not None and now - self.last_check < self.interval_s:
            return None
        self.last_check = now
        current = self.fingerprint()
        if current == self.trained_on:
            return None
        summary = self.retrain()
        self.trained_on = current
        self.runs += 1
        if not summary.get("skipped"):
            log.info("recommender retrained on the changed history and swapped in: %s", summary)
        return summary

    def start(self, wake_s: float | None = None) -> ScheduledRetrain:
        """Check every wake_s seconds (default interval_s) in a daemon thread."""
        wait = self.interval_s if wake_s is None else wake_s

        def run() -> None:
            while not self._stop.wait(wait):
                try:
                    self.retrain_if_changed()
                except Exception:  # a failed training must not end the schedule; the next check retries it
                    log.exception("scheduled retrain failed")

        self._thread = threading.Thread(target=run, name="scheduled-retrain", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
