"""Admission control for a small pool of model instances: wait for a free one only when the wait fits.

Each instance serves one generation at a time. A caller asks for a slot with a wait budget; the gate
estimates the wait from the queue ahead of it and the recent service time (an exponentially weighted
mean), and refuses at once (`LLMBusy`) when the estimate is over budget — so a crowded engine answers
"busy" in microseconds instead of queueing callers into a timeout. A caller admitted on the estimate
still gives up (`LLMBusy`) when the real wait runs past its budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from tools.chat_model import LLMBusy

SlotT = TypeVar("SlotT")


class AdmissionGate(Generic[SlotT]):
    """Hands out `slots` (model instances) one caller at a time, with a wait estimate.

    Args:
        slots: the instances; each is lent to one caller at a time.
        initial_service_s: the service-time estimate before any generation finished.
        smoothing: weight of the newest service time in the running mean (0 < smoothing <= 1).
    """

    def __init__(self, slots: list[SlotT], *, initial_service_s: float = 1.0, smoothing: float = 0.3) -> None:
        if not slots:
            raise ValueError("an admission gate needs at least one slot")
        if not 0.0 < smoothing <= 1.0:
            raise ValueError("smoothing must be in (0, 1]")
        self._idle = list(slots)
        self._size = len(slots)
        self._cond = threading.Condition()
        self._waiting = 0
        self._service_s = initial_service_s
        self._smoothing = smoothing
        self.refused = 0

    @property
    def size(self) -> int:
        return self._size

    @property
    def service_s(self) -> float:
        """The running mean of one generation's duration, in seconds."""
        return self._service_s

    def estimated_wait_s(self) -> float:
        """Seconds a new caller would wait for a slot, by the queue ahead of it and the service time."""
        with self._cond:
            return self._estimate_locked()

    def _estimate_locked(self) -> float:
        if self._idle and self._waiting == 0:
            return 0.0
        rounds = (self._waiting // self._size) + 1
        return rounds * self._service_s

    @contextmanager
    def slot(self, max_wait_s: float) -> Iterator[SlotT]:
        """Lend one slot for the `with` block; raise LLMBusy when the wait would exceed `max_wait_s`."""
        deadline = time.monotonic() + max(0.0, max_wait_s)
        with self._cond:
            estimate = self._estimate_locked()
            if estimate > max_wait_s:
                self.refused += 1
                raise LLMBusy(f"LLM busy: estimated wait {estimate:.1f} s > {max_wait_s:g} s")
            self._waiting += 1
            try:
                while not self._idle:
                    remaining = deadline - time.monotonic()
                    timed_out = remaining <= 0 or not self._cond.wait(remaining)
                    if timed_out and not self._idle:
                        self.refused += 1
                        raise LLMBusy(f"LLM busy: no free instance within {max_wait_s:g} s")
                instance = self._idle.pop()
            finally:
                self._waiting -= 1
        started = time.monotonic()
        try:
            yield instance
        finally:
            elapsed = time.monotonic() - started
            with self._cond:
                self._service_s += self._smoothing * (elapsed - self._service_s)
                self._idle.append(instance)
                self._cond.notify()
