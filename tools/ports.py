"""What tools use of their dependencies, as Protocols: a test (or another application) may pass any object that
has these methods in a ToolContext (see tools/context.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from store.items import CatalogItem


class TitleLookup(Protocol):
    """Find catalog items by what users call them (tools.titles.TitleIndex is the real one)."""

    def resolve(self, ref: str) -> CatalogItem:
        """The item for an id, an exact or a fuzzy title; raises tools.results.ToolInputError with suggestions."""
        ...

    def get_exact(self, text: str) -> CatalogItem | None:
        """The item whose normalised title is exactly text, or None."""
        ...

    def match(self, text: str, limit: int = 5) -> list[tuple[CatalogItem, float]]:
        """Up to limit fuzzy matches with their scores (0-100), best first."""
        ...

    def same_series(self, item_ids: Iterable[str]) -> list[str]:
        """The ids of every item in the same series as one of item_ids ("Toy Story 3" for "Toy Story")."""
        ...
