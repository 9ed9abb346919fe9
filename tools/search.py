"""Catalog tools: semantic search with filters, and item details by id or fuzzy title."""

from __future__ import annotations

from typing import Any

from store.items import CatalogItem
from tools.context import ToolContext
from tools.facets import FACET_FILTERS, FacetFilter, resolve_facets
from tools.results import ScoredItem, ToolInputError, ToolResult

MAX_K = 50
MIN_YEAR, MAX_YEAR = 1870, 2100
MAX_QUERY_CHARS = 1000


def canonical_genres(ctx: ToolContext, names: list[str] | None) -> list[str] | None:
    """Genre names as the catalog spells them ("crime" -> "Crime"); unknown names are kept for the error."""
    if not names:
        return None
    known = {g.lower(): g for g in ctx.catalog.genres}
    return [known.get(str(name).strip().lower(), str(name)) for name in names]


def validate_filters(
    ctx: ToolContext,
    genres: list[str] | None,
    exclude_genres: list[str] | None,
    year_from: int | None,
    year_to: int | None,
    k: int,
) -> None:
    """Raise ToolInputError for filters that cannot be right."""
    unknown = ctx.catalog.unknown_genres([*(genres or []), *(exclude_genres or [])])
    if unknown:
        raise ToolInputError(
            f"unknown genre(s) {', '.join(map(repr, unknown))}; known genres: {', '.join(ctx.catalog.genres)}",
            suggestions=list(ctx.catalog.genres),
        )
    for name, year in (("year_from", year_from), ("year_to", year_to)):
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            raise ToolInputError(f"{name} must be a year between {MIN_YEAR} and {MAX_YEAR}, not {year}")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ToolInputError(f"year_from ({year_from}) is after year_to ({year_to})")
    if not 1 <= k <= MAX_K:
        raise ToolInputError(f"k must be between 1 and {MAX_K}, not {k}")


def _filters_matched(item: CatalogItem, filters: dict[str, Any]) -> list[str]:
    """The filters this item passed, in words (for provenance)."""
    matched = []
    wanted = [g for g in filters["genres"] or [] if g in item.genres]
    if wanted:
        matched.append("genre " + "/".join(wanted))
    if filters["exclude_genres"]:
        matched.append("not " + "/".join(filters["exclude_genres"]))
    if filters["year_from"] is not None or filters["year_to"] is not None:
        matched.append(f"year {item.year} in {filters['year_from'] or '…'}-{filters['year_to'] or '…'}")
    if filters["min_rating"] is not None:
        matched.append(f"rating {item.rating_mean:.1f} ≥ {filters['min_rating']}")
    return matched


def _scored(item: CatalogItem, score: float, query: str, filters: dict[str, Any], exact: bool) -> ScoredItem:
    matched_genres = [g for g in filters["genres"] or [] if g in item.genres]
    provenance: dict[str, Any] = {
        "similarity": round(score, 4),
        "matched_genres": matched_genres,
        "filters_matched": _filters_matched(item, filters),
        "query": query[:200],
    }
    for key in ("exclude_genres", "year_from", "year_to", "min_rating"):
        if filters[key] not in (None, []):
            provenance[key] = filters[key]
    if exact:
        provenance["title_match"] = True
    head = "Title match" if exact else f"Matches “{query[:60]}”"
    details = ", ".join(matched_genres or list(item.genres[:3]))
    return ScoredItem(item, score, " · ".join(b for b in (head, details) if b), provenance)


def search_catalog(
    ctx: ToolContext,
    query: str,
    genres: list[str] | None = None,
    exclude_genres: list[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    min_rating: float | None = None,
    exclude_ids: list[str] | None = None,
    k: int = 10,
    facets: dict[str, list[str]] | None = None,
    min_values: dict[str, float] | None = None,
    max_values: dict[str, float] | None = None,
) -> ToolResult:
    """Search the catalog by meaning (plot, mood, theme or title) with optional filters.

    Args:
        query: What to look for, in plain words, e.g. "a heist story with a twist" or a title.
        genres: Keep items having at least one of these genres (e.g. ["Crime", "Thriller"]).
        exclude_genres: Drop items having any of these genres (e.g. ["Horror"]).
        year_from: Keep items released in or after this year.
        year_to: Keep items released in or before this year.
        min_rating: Keep items whose mean user rating (0.5-5) is at least this.
        exclude_ids: Item ids not to return (e.g. already shown).
        k: How many items to return (1-50).
        facets: Keep items with one of these values of a catalog facet, by field, e.g. {"authors": ["Stephen King"]}.
        min_values: Lower bounds of numeric facets, by field, e.g. {"price": 10}.
        max_values: Upper bounds of numeric facets, by field, e.g. {"price": 20} for "under 20".
    """
    query = (query or "").strip()
    if not query:
        raise ToolInputError("query must not be empty")
    genres = canonical_genres(ctx, genres)
    exclude_genres = canonical_genres(ctx, exclude_genres)
    validate_filters(ctx, genres, exclude_genres, year_from, year_to, k)
    if min_rating is not None and not 0 <= min_rating <= 5:
        raise ToolInputError(f"min_rating must be between 0 and 5, not {min_rating}")
    filters: dict[str, Any] = {
        "genres": genres,
        "exclude_genres": exclude_genres,
        "year_from": year_from,
        "year_to": year_to,
        "min_rating": min_rating,
    }
    chosen = resolve_facets(ctx.catalog, facets, min_values, max_values)
    query = query[:MAX_QUERY_CHARS]
    hits = ctx.catalog.search(query, exclude_ids=exclude_ids, k=k, **filters, **chosen.store_arguments())
    exact = ctx.titles.get_exact(query)
    if exact is not None:
        hits = _exact_first(ctx, hits, exact, filters, chosen, exclude_ids, k)
    described = chosen.describe(ctx.catalog.profile, ctx.locale)
    items = [
        _scored(item, score, query, filters, exact is not None and item.item_id == exact.item_id)
        for item, score in hits
    ]
    for scored in items:
        scored.provenance["filters_matched"].extend(described)
    summary = f"{len(items)} items for {query[:80]!r}"
    data = {"query": query, "filters": {n: v for n, v in filters.items() if v}, FACET_FILTERS: described}
    return ToolResult(items, summary, data)


def _exact_first(
    ctx: ToolContext,
    hits: list[tuple[CatalogItem, float]],
    exact: CatalogItem,
    filters: dict[str, Any],
    chosen: FacetFilter,
    exclude_ids: list[str] | None,
    k: int,
) -> list[tuple[CatalogItem, float]]:
    """The item whose title is the query goes first (if it passes the filters), whatever its similarity."""
    rest = [(item, score) for item, score in hits if item.item_id != exact.item_id]
    position = ctx.catalog.position(exact.item_id)
    keep = ctx.catalog.mask(exclude_ids=exclude_ids, **filters, **chosen.store_arguments())
    if position is None or not keep[position]:
        return hits
    score = next((s for item, s in hits if item.item_id == exact.item_id), 1.0)
    return [(exact, score), *rest][:k]


def item_details(ctx: ToolContext, item: str) -> ToolResult:
    """Look up one catalog item (plot, year, genres, keywords, rating) by its id or its title (typos are fine).

    Args:
        item: The item's id, or its title such as "godfather" or "The Godfather (1972)".
    """
    found = ctx.titles.resolve(item)
    facts = {
        "item_id": found.item_id,
        "title": found.title,
        "year": found.year,
        "label": found.label,
        "genres": list(found.genres),
        "overview": found.overview,
        "tagline": found.tagline,
        "keywords": list(found.keywords[:15]),
        "tags": list(found.tags[:10]),
        "rating_mean": found.rating_mean,
        "rating_count": found.rating_count,
        "extra": found.extra,
    }
    matched_by = "id" if str(item).strip() == found.item_id else "title"
    reason = ctx.locale.phrase("details_of", title=found.label)
    return ToolResult(
        [ScoredItem(found, 1.0, reason, {"lookup": item, "matched_by": matched_by})], reason, {"item": facts}
    )
