"""A catalog profile guessed from the data at ingest: nouns from telling field names, facets from repeated short
values, display fields from URL values. A profile file (store.catalog_profile.load_profile_file) overrides any of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from store.catalog_profile import MAKER_FIELDS, PEOPLE_FIELDS, CatalogProfile, Facet, FacetKind, Noun, label_of
from store.items import CatalogItem

# An exact facet's values repeat: at most this share of its items have a value no other item has.
MAX_DISTINCT_SHARE = 0.7
MAX_FACET_VALUE_CHARS = 60
_URL = re.compile(r"^https?://\S+$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")

_NOUN_HINTS: tuple[tuple[frozenset[str], Noun, str], ...] = (  # telling field names, the noun, its "consumed" verb
    (frozenset({"author", "authors", "isbn", "isbn13", "publisher"}), Noun("book", "books"), "read"),
    (frozenset({"director", "directors", "runtime", "cast"}), Noun("film", "films"), "seen"),
    (frozenset({"artist", "album", "track"}), Noun("track", "tracks"), "heard"),
    (frozenset({"price", "brand", "sku"}), Noun("product", "products"), "bought"),
)
_RANGE_HINTS = ("price", "cost", "pages", "page_count", "runtime", "duration", "length", "weight")
_IMAGE_HINTS = ("image", "img", "cover", "thumbnail", "picture", "photo")
_LINK_HINTS = ("url", "link", "href", "page")


def infer_profile(items: Sequence[CatalogItem]) -> CatalogProfile:
    """A profile from the data: nouns from telling field names, facets from repeated short values, display fields
    from URL values, range facets from numeric fields with a telling name. A profile file overrides any of it."""
    columns: dict[str, list[Any]] = {}
    echoes: dict[str, int] = {}  # per field, how many items' values repeat their title ("Heat (1995)" for Heat)
    for item in items:
        for key, value in item.extra.items():
            if value not in (None, ""):
                columns.setdefault(key, []).append(value)
                if item.title.lower() in str(value).lower():
                    echoes[key] = echoes.get(key, 0) + 1
    names = {key.lower() for key in columns}
    noun, consumed = next(((n, c) for hints, n, c in _NOUN_HINTS if names & hints), (Noun("item", "items"), "seen"))
    facets: list[Facet] = []
    searchable: list[str] = []
    image = link = price = None
    for key, values in columns.items():
        lower = key.lower()
        texts = [str(v).strip() for v in values if not isinstance(v, (dict, list))]
        if not texts:
            continue
        if all(_URL.match(t) for t in texts):
            if any(h in lower for h in _IMAGE_HINTS):
                if image is None or "small" in image.lower():
                    image = key
            elif any(h in lower for h in _LINK_HINTS) and link is None:
                link = key
            continue
        if all(_NUMBER.match(t.replace(",", ".")) for t in texts):
            if any(h in lower for h in _RANGE_HINTS):
                facets.append(Facet(key, label_of(key), FacetKind.RANGE))
                if "price" in lower and price is None:
                    price = key
            continue
        separator = ", " if sum(", " in t for t in texts) > len(texts) / 10 else ""
        separator = "|" if not separator and sum("|" in t for t in texts) > len(texts) / 10 else separator
        parts = [p.strip() for t in texts for p in (t.split(separator) if separator else [t]) if p.strip()]
        counts: dict[str, int] = {}
        for part in parts:
            counts[part.lower()] = counts.get(part.lower(), 0) + 1
        unique = sum(1 for c in counts.values() if c == 1)
        short = sum(len(p) for p in parts) / len(parts) <= MAX_FACET_VALUE_CHARS
        named = (
            lower in PEOPLE_FIELDS or lower in MAKER_FIELDS
        )  # people and makers are facets however rarely they repeat
        if short and len(counts) >= 2 and (named or unique <= MAX_DISTINCT_SHARE * len(texts)):
            cues = ("by",) if lower in PEOPLE_FIELDS else ("from", "by") if lower in MAKER_FIELDS else ()
            facets.append(Facet(key, label_of(key), FacetKind.EXACT, separator, cues))
            searchable.append(key)
        elif short and sum(" " in t for t in texts) > len(texts) / 2 and echoes.get(key, 0) <= len(texts) / 2:
            # words, not codes (an isbn, a sku), and not the title again
            searchable.append(key)
    return CatalogProfile(
        item=noun,
        consumed=consumed,
        searchable=tuple(searchable),
        facets=tuple(facets),
        image_field=image,
        link_field=link,
        price_field=price,
        currency="",
        examples=(),
    )
