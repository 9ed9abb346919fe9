"""Typed tool results. Items carry their provenance so every reason shown can be checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from store.items import CatalogItem


@dataclass(slots=True)
class ScoredItem:
    """An item a tool returned, its score, a short reason built from data, and the provenance behind it.

    provenance is plain JSON-able data, e.g. {"liked_items": [{"item_id": "6", "title": "Heat", "weight": 0.41}],
    "matched_genres": ["Crime"], "query_terms": ["heist"], "rules": ["boost:summer-sale"]}.
    """

    item: CatalogItem
    score: float
    reason: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ToolResult:
    """What a tool returns to the loop.

    items: the candidate items (may be empty); summary: one short line for traces and the LLM;
    data: any other structured output (a profile, keywords, copy, ...), JSON-able.
    """

    items: list[ScoredItem] = field(default_factory=list)
    summary: str = ""
    data: dict[str, Any] = field(default_factory=dict)


class ToolInputError(ValueError):
    """The arguments of a tool call are wrong (unknown item, bad year range, ...).

    The loop feeds the message back as an observation; it is shown to the model and logged in the trace.
    """

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []
