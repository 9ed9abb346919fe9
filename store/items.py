"""The catalog item: what every tool returns and every surface renders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """One item of the catalog (a movie in the demo catalog).

    item_id is a string so that bring-your-own catalogs can use any id scheme.
    """

    item_id: str
    title: str
    year: int | None = None
    genres: tuple[str, ...] = ()
    overview: str = ""
    keywords: tuple[str, ...] = ()
    tagline: str = ""
    tags: tuple[str, ...] = ()
    rating_count: int = 0
    rating_mean: float | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def label(self) -> str:
        """Title with the year, as shown to people: "Heat (1995)"."""
        return f"{self.title} ({self.year})" if self.year else self.title

    def embedding_text(self, extra_fields: Sequence[str] = ()) -> str:
        """The text that is embedded for semantic search; `extra_fields` are the profile's searchable fields of
        `extra` ("Authors: Suzanne Collins")."""
        parts = [self.label]
        for key in extra_fields:
            value = self.extra.get(key)
            if value not in (None, "") and not isinstance(value, (dict, list)):
                parts.append(f"{key.replace('_', ' ').capitalize()}: {value}")
        if self.genres:
            parts.append("Genres: " + ", ".join(self.genres))
        if self.tagline:
            parts.append(self.tagline)
        if self.overview:
            parts.append(self.overview)
        if self.keywords:
            parts.append("Keywords: " + ", ".join(self.keywords[:20]))
        if self.tags:
            parts.append("Tags: " + ", ".join(self.tags[:20]))
        return "\n".join(parts)
