"""Prometheus metrics of the turns a service ran (prometheus-client; one registry per service, no globals).

Counted per finished turn: turns by intent and reply mode, turn latency, replies that fell back to the template
by reason (llm_busy, guard, llm error, ...), the guard's problems by check and failed tool calls by tool. Per LLM
generation: time to the first token and tokens per second. At each scrape: catalog size and version (gauges).
Reasons and problems are free text with details; only their head (before the first ':' or quote, digits as N) is
a label, so the label sets stay small; tool names are labels only while they look like identifiers and at most
MAX_TOOL_LABELS of them (a model can name tools that do not exist). No user id, message text or title ever
becomes a label.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

CONTENT_TYPE = CONTENT_TYPE_LATEST
# prometheus-client's own switch, read by it when it is imported: `concierge serve --workers N` points it at a fresh
# folder before the workers start, and each worker's values then live in files there (its multiprocess mode).
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_HEAD = re.compile(r"[:'\"“(]")
_DIGITS = re.compile(r"\d+")
MAX_LABEL_CHARS = 48
MAX_TOOL_LABELS = 32
_TOOL_NAME = re.compile(r"[a-z][a-z0-9_]{0,47}")


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
        self.guard_verdicts = Counter(
            "concierge_guard_verdicts",
            "Replies the guard checked (LLM text), by verdict: pass or fail.",
            ["verdict"],
            registry=self.registry,
        )
        self.guard_problems = Counter(
            "concierge_guard_problems", "Problems the reply guard found, by check.", ["check"], registry=self.registry
        )
        self.tool_errors = Counter(
            "concierge_tool_errors",
            "Tool calls that failed (bad input, unknown tool, ...), by tool.",
            ["tool"],
            registry=self.registry,
        )
        self.llm_first_token_seconds = Histogram(
            "concierge_llm_first_token_seconds",
            "Time from asking the LLM to its first streamed text (generations of the engine, not memo replays).",
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0),
            registry=self.registry,
        )
        self.llm_tokens_per_second = Histogram(
            "concierge_llm_tokens_per_second",
            "Decoding speed of an LLM generation: streamed pieces (tokens) after the first per second.",
            buckets=(1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0),
            registry=self.registry,
        )
        self.catalog_items = Gauge(
            "concierge_catalog_items",
            "Items in the served catalog.",
            registry=self.registry,
            multiprocess_mode="mostrecent",  # with workers: the last value any worker saw
        )
        self.catalog_revision = Gauge(
            "concierge_catalog_revision",
            "Live updates of the live catalog collection (the label: the collection the last ingest made).",
            ["collection"],
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        self._tools_seen: set[str] = set()
        self._lock = threading.Lock()

    def observe_turn(
        self,
        *,
        intent: str,
        reply_mode: str,
        seconds: float,
        fallback_reason: str | None,
        problems: Iterable[str],
        tool_errors: Iterable[str] = (),
        guard_passed: bool | None = None,
    ) -> None:
        """Count one finished turn (fallback reasons joined by "; " count one each; tool_errors: the names of the
        tools whose calls failed, one per failed call; guard_passed: the guard's verdict, None when it did not run)."""
        self.turns.labels(intent, reply_mode).inc()
        self.turn_seconds.labels(intent, reply_mode).observe(seconds)
        for reason in (fallback_reason or "").split("; "):
            if reason.strip():
                self.fallbacks.labels(label_of(reason)).inc()
        if guard_passed is not None:
            self.guard_verdicts.labels("pass" if guard_passed else "fail").inc()
        for problem in problems:
            self.guard_problems.labels(label_of(problem)).inc()
        for tool in tool_errors:
            self.tool_errors.labels(self._tool_label(tool)).inc()

    def observe_llm(self, first_token_s: float, pieces: int, total_s: float) -> None:
        """One finished LLM generation: `pieces` text pieces streamed, the first after first_token_s, the last at
        total_s. Tokens per second need two pieces (the rate is over the pieces after the first)."""
        self.llm_first_token_seconds.observe(first_token_s)
        decode_s = total_s - first_token_s
        if pieces >= 2 and decode_s > 0:
            self.llm_tokens_per_second.observe((pieces - 1) / decode_s)

    def observe_catalog(self, items: int, version: tuple[str, int] | None) -> None:
        """The served catalog's size and the live (collection, revision); None = unknown (an in-memory catalog)."""
        self.catalog_items.set(items)
        self.catalog_revision.clear()  # only the current collection is a series
        if version is not None:
            self.catalog_revision.labels(version[0][:MAX_LABEL_CHARS]).set(version[1])

    def _tool_label(self, name: str) -> str:
        with self._lock:
            if name in self._tools_seen:
                return name
            if _TOOL_NAME.fullmatch(name) and len(self._tools_seen) < MAX_TOOL_LABELS:
                self._tools_seen.add(name)
                return name
        return "other"

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        return generate_latest(self.registry)


def merged_exposition() -> bytes | None:
    """Every worker's metrics summed (counters, histograms) or the latest (gauges), in Prometheus' text format, when
    the service runs several workers (prometheus-client's multiprocess mode); None in a single process. With
    workers, a catalog collection replaced by a new ingest keeps its last revision series until the restart
    (prometheus-client cannot remove a series in this mode)."""
    if not os.environ.get(MULTIPROCESS_DIR):
        return None
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return generate_latest(registry)
