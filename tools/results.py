"""Typed tool results. Items carry their provenance so every reason shown can be checked."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from store.items import CatalogItem

LIKED_ITEMS = "liked_items"  # provenance: the liked items that contributed, [{"item_id", "title", ...}]
ANCHOR = "anchor"  # provenance: the item id a similar-to result is similar to
SHARED_FACETS = "shared_facets"  # provenance: telling facet values shared with liked items ["same author: X"]


def cited_item_ids(provenance: Mapping[str, Any]) -> Iterator[str]:
    """The ids of the catalog items a result's reason cites (its anchor, the liked items behind it)."""
    anchor = provenance.get(ANCHOR)
    if isinstance(anchor, str):
        yield anchor
    for liked in provenance.get(LIKED_ITEMS) or ():
        if isinstance(liked, Mapping) and isinstance(liked.get("item_id"), str):
            yield liked["item_id"]


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
