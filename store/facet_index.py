"""The catalog profile's facets as arrays: which items have an author, a brand, a price in a range.

Built once per catalog snapshot, like the genre bits and year arrays of store/catalog.py, so a facet filter is a
numpy mask and not a scan of every item's `extra`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from store.catalog_profile import CatalogProfile, FacetKind
from store.facet_match import FacetValueMatcher
from store.items import CatalogItem

Ranges = Mapping[str, tuple[float | None, float | None]]


class FacetIndex:
    """Exact facets: lowercased value -> item rows. Range facets: one float per item (nan: no value)."""

    def __init__(self, items: Sequence[CatalogItem], profile: CatalogProfile) -> None:
        self._size = len(items)
        self._values: dict[str, dict[str, np.ndarray]] = {}
        self._numbers: dict[str, np.ndarray] = {}
        self._spelling: dict[str, dict[str, str]] = {}  # field -> lowercased value -> the first spelling seen
        self._matchers: dict[str, FacetValueMatcher] = {}  # built on first use
        for facet in profile.facets:
            if facet.kind == FacetKind.RANGE:
                numbers = [facet.number_of(item) for item in items]
                self._numbers[facet.field] = np.array([np.nan if n is None else n for n in numbers], np.float64)
                continue
            rows: dict[str, list[int]] = {}
            spelling = self._spelling.setdefault(facet.field, {})
            for i, item in enumerate(items):
                for value in facet.values_of(item):
                    rows.setdefault(value.lower(), []).append(i)
                    spelling.setdefault(value.lower(), value)
            self._values[facet.field] = {v: np.array(r, dtype=np.int64) for v, r in rows.items()}

    def values(self, field_name: str) -> list[str]:
        """The distinct values (lowercased) of an exact facet, for matching what people write against them."""
        return sorted(self._values.get(field_name, {}))

    def value_counts(self, field_name: str) -> dict[str, int]:
        """How many items have each value of an exact facet."""
        return {value: len(rows) for value, rows in self._values.get(field_name, {}).items()}

    def spelling(self, field_name: str, value: str) -> str:
        """A value of an exact facet as the catalog writes it ("stephen king" -> "Stephen King")."""
        return self._spelling.get(field_name, {}).get(value.strip().lower(), value)

    def matcher(self, field_name: str) -> FacetValueMatcher:
        """Fuzzy matching of written values against this facet's values (store.facet_match), built once."""
        if field_name not in self._matchers:
            counts = {self.spelling(field_name, v): n for v, n in self.value_counts(field_name).items()}
            self._matchers[field_name] = FacetValueMatcher(counts)
        return self._matchers[field_name]

    def bounds(self, field_name: str) -> tuple[float, float] | None:
        """The smallest and largest value of a range facet, or None when no item has one."""
        numbers = self._numbers.get(field_name)
        if numbers is None or bool(np.all(np.isnan(numbers))):
            return None
        return float(np.nanmin(numbers)), float(np.nanmax(numbers))

    def mask(self, facets: Mapping[str, Sequence[str]] | None, ranges: Ranges | None) -> np.ndarray:
        """Items with any of the given values of every exact facet, and inside every given range.

        ValueError for a field that is not a facet of this kind (the caller's arguments are wrong)."""
        keep = np.ones(self._size, dtype=bool)
        for field_name, values in (facets or {}).items():
            index = self._values.get(field_name)
            if index is None:
                raise ValueError(f"{field_name!r} is not a facet of this catalog")
            hit = np.zeros(self._size, dtype=bool)
            for value in values:
                rows = index.get(value.strip().lower())
                if rows is not None:
                    hit[rows] = True
            keep &= hit
        for field_name, (low, high) in (ranges or {}).items():
            numbers = self._numbers.get(field_name)
            if numbers is None:
                raise ValueError(f"{field_name!r} is not a range facet of this catalog")
            with np.errstate(invalid="ignore"):
                if low is not None:
                    keep &= numbers >= low
                if high is not None:
                    keep &= numbers <= high
        return keep
