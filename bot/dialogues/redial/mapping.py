"""ReDial movies -> catalog items, by title and year.

A ReDial name is "Title  (Year)" (sometimes without the year). Both sides are normalised the way the catalog's own
title lookup does it (tools.titles.normalize: case, accents, punctuation, a leading "The"/"A"/"An"; a trailing
", The" is moved to the front first), and the catalog's alternative titles count too (tools.titles.title_keys).
A name with a year maps only to an item of that year; a name without one only when a single item has the title."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from store.items import CatalogItem
from tools.titles import normalize, title_keys

_YEAR = re.compile(r"^(?P<title>.*?)\s*\((?P<year>\d{4})\)\s*$")
_TRAILING_ARTICLE = re.compile(r"^(?P<body>.+),\s*(?P<article>the|a|an)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class MovieName:
    title: str
    year: int | None

    def render(self) -> str:
        """As a person would write it in a message: "Police Academy (1984)"."""
        return f"{self.title} ({self.year})" if self.year else self.title


def parse_name(raw: str) -> MovieName:
    """'Police Academy  (1984)' -> MovieName('Police Academy', 1984); 'American Pie ' -> ('American Pie', None)."""
    text = " ".join(raw.split())
    match = _YEAR.match(text)
    if match and match.group("title").strip():
        return MovieName(match.group("title").strip(), int(match.group("year")))
    return MovieName(text, None)


def title_key(title: str) -> str:
    """The normalised title: 'Godfather, The' and 'The Godfather!' -> 'godfather'."""
    moved = _TRAILING_ARTICLE.match(title.strip())
    if moved:
        title = f"{moved.group('article')} {moved.group('body')}"
    return normalize(title)


class CatalogMapper:
    """Title + year -> catalog item id, built once from the catalog's items."""

    def __init__(self, items: Iterable[CatalogItem]) -> None:
        self._by_title_year: dict[tuple[str, int | None], list[CatalogItem]] = {}
        self._by_title: dict[str, set[str]] = {}
        for item in items:
            for key in title_keys(item):
                self._by_title_year.setdefault((key, item.year), []).append(item)
                self._by_title.setdefault(key, set()).add(item.item_id)

    def item_for(self, name: MovieName) -> str | None:
        """The catalog item id of a ReDial movie, or None when the catalog has no item of that title and year."""
        key = title_key(name.title)
        if not key:
            return None
        if name.year is None:
            owners = self._by_title.get(key, set())
            return next(iter(owners)) if len(owners) == 1 else None
        candidates = self._by_title_year.get((key, name.year))
        if not candidates:
            return None
        return max(candidates, key=lambda item: (item.rating_count, item.item_id)).item_id
