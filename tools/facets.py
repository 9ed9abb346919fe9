"""Facet filters of the list tools: the catalog profile's fields people filter on ("by Stephen King", "under 20
euros"), checked against the profile and matched fuzzily against the catalog's own values (store.facet_match).

A model or the router passes `facets={"authors": ["stephen king"]}`, `max_values={"price": 20}`; what the tools
filter on is a `FacetFilter` of the catalog's spellings, which also says itself in words for the reply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prompts.locale import Locale, source_locale
from store.catalog import CatalogStore
from store.catalog_profile import CatalogProfile, Facet, FacetKind
from store.facet_index import Ranges
from tools.results import ToolInputError

FACET_FILTERS = "facet_filters"  # ToolResult.data key: the facet filters in words, for the reply's constraints
MAX_VALUES_PER_FACET = 10


@dataclass(frozen=True, slots=True)
class FacetFilter:
    """Exact values (field -> the catalog's spellings) and numeric ranges (field -> (min, max)) to filter on."""

    values: dict[str, list[str]] = field(default_factory=dict)
    ranges: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.values or self.ranges)

    def store_arguments(self) -> dict[str, Any]:
        """The keyword arguments of CatalogStore.mask / search."""
        ranges: Ranges = self.ranges
        return {"facets": self.values or None, "ranges": ranges or None}

    def describe(self, profile: CatalogProfile, words: Locale | None = None) -> list[str]:
        """The filters in words: "by Stephen King", "under 20 euros", "pages 100–300"; in another language the
        locale's phrases and facet labels ("作者：Stephen King"). The values stay as the catalog spells them."""
        words = words or source_locale()
        out: list[str] = []
        for field_name, values in self.values.items():
            facet = profile.facet(field_name)
            cue = facet.cue_words[0] if facet is not None and facet.cue_words else _label(profile, field_name)
            label = words.facet_label(_label(profile, field_name))
            joined = words.phrase("or").join(values)
            out.append(words.phrase("facet_values", cue=cue, label=label, values=joined))
        for field_name, (low, high) in self.ranges.items():
            unit = _unit(profile, field_name)
            tail = f" {unit}" if unit else ""
            label = words.facet_label(_label(profile, field_name))
            numbers = {"label": label, "unit": tail, "low": _number(low), "high": _number(high)}
            if low is not None and high is not None:
                out.append(words.phrase("facet_between", **numbers))
            elif high is not None:
                out.append(words.phrase("facet_under", **numbers))
            elif low is not None:
                out.append(words.phrase("facet_over", **numbers))
        return out


def _label(profile: CatalogProfile, field_name: str) -> str:
    facet = profile.facet(field_name)
    return facet.label if facet is not None else field_name


def _unit(profile: CatalogProfile, field_name: str) -> str:
    facet = profile.facet(field_name)
    if facet is not None and facet.unit:
        return facet.unit
    return profile.currency if field_name == profile.price_field else ""


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _facet_named(profile: CatalogProfile, name: str, kind: FacetKind) -> Facet:
    """The facet a caller names by its field or its label ("authors", "author"); ToolInputError lists the known."""
    wanted = str(name).strip().lower()
    found = next((f for f in profile.facets if wanted in (f.field.lower(), f.label.lower())), None)
    of_kind = [f for f in profile.facets if f.kind == kind]
    if found is not None and found.kind == kind:
        return found
    if not of_kind:
        raise ToolInputError(f"this catalog has no {kind.value} facets (asked for {name!r})")
    known = ", ".join(f.field if f.label == f.field else f"{f.field} ({f.label})" for f in of_kind)
    raise ToolInputError(
        f"unknown {kind.value} facet {name!r}; facets of this catalog: {known}", suggestions=[f.field for f in of_kind]
    )


def _matched_values(catalog: CatalogStore, facet: Facet, written: Sequence[str]) -> list[str]:
    matcher = catalog.facets.matcher(facet.field)
    out: list[str] = []
    for text in list(written)[:MAX_VALUES_PER_FACET]:
        match = matcher.match(str(text))
        if match.value is not None:
            if match.value not in out:
                out.append(match.value)
        elif match.ambiguous:
            raise ToolInputError(
                f"{facet.label} {str(text)!r} matches several: {', '.join(match.candidates)}; which one?",
                suggestions=list(match.candidates),
            )
        else:
            raise ToolInputError(f"no {facet.label} {str(text)!r} in this catalog", suggestions=list(match.candidates))
    return out


def resolve_facets(
    catalog: CatalogStore,
    facets: Mapping[str, Sequence[str]] | None,
    min_values: Mapping[str, float] | None,
    max_values: Mapping[str, float] | None,
) -> FacetFilter:
    """The facet arguments of a tool call checked against the profile and matched to the catalog's values."""
    profile = catalog.profile
    values: dict[str, list[str]] = {}
    for name, written in (facets or {}).items():
        facet = _facet_named(profile, name, FacetKind.EXACT)
        items = [written] if isinstance(written, str) else list(written or [])
        matched = _matched_values(catalog, facet, items)
        if matched:
            values[facet.field] = matched
    ranges: dict[str, tuple[float | None, float | None]] = {}
    for bound, given in (("min", min_values), ("max", max_values)):
        for name, number in (given or {}).items():
            facet = _facet_named(profile, name, FacetKind.RANGE)
            low, high = ranges.get(facet.field, (None, None))
            ranges[facet.field] = (float(number), high) if bound == "min" else (low, float(number))
    for field_name, (low, high) in ranges.items():
        if low is not None and high is not None and low > high:
            raise ToolInputError(f"the minimum {_number(low)} of {field_name} is above its maximum {_number(high)}")
    return FacetFilter(values, ranges)


__all__ = ["FACET_FILTERS", "FacetFilter", "resolve_facets"]
