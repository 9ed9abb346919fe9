"""Prometheus metrics of the turns a service ran (prometheus-client; one registry per service, no globals).

Counted per finished turn: turns by intent and reply mode, turn latency, replies that fell back to the template
by reason (llm_busy, guard, llm error, ...), and the guard's problems by check. Reasons and problems are free
text with details; only their head (before the first ':' or quote, digits as N) is a label, so the label sets
stay small. No user id, message text or title ever becomes a label.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
_HEAD = re.compile(r"[:'\"“(]")
_DIGITS = re.compile(r"\d+")
MAX_LABEL_CHARS = 48


def label_of(reason: str) -> str:
    """The check or reason a problem string names: "guard: names a title ..." -> "guard"."""
    head = _HEAD.split(reason, maxsplit=1)[0].strip().lower()
    return _DIGITS.sub("N", head)[:MAX_LABEL_CHARS] or "other"


class TurnMetrics:
    """The service's counters and histograms, in their own registry (`exposition()` renders them)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.turns = Counter("concierge_turns", "Finished turns.", ["intent", "reply_mode"], registry=self.registry)
        self.turn_seconds = Histogram(
            "concierge_turn_seconds",
            "Time of a turn's tools and reply.",
            ["intent", "reply_mode"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "concierge_reply_fallbacks",
            "Turns whose reply is the template although the LLM was asked, by reason.",
            ["reason"],
            registry=self.registry,
        )
        self.guard_problems = Counter(
            "concierge_guard_problems", "Problems the reply guard found, by check.", ["check"], registry=self.registry
        )

    def observe_turn(
        self, *, intent: str, reply_mode: str, seconds: float, fallback_reason: str | None, problems: Iterable[str]
    ) -> None:
        """Count one finished turn (fallback reasons joined by "; " count one each)."""
        self.turns.labels(intent, reply_mode).inc()
        self.turn_seconds.labels(intent, reply_mode).observe(seconds)
        for reason in (fallback_reason or "").split("; "):
            if reason.strip():
                self.fallbacks.labels(label_of(reason)).inc()
        for problem in problems:
            self.guard_problems.labels(label_of(problem)).inc()

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)
