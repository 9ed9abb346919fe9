"""Catalog tools: semantic search with filters, and item details by id or fuzzy title."""

from __future__ import annotations

from typing import Any

from tools.context import ToolContext
from tools.results import ScoredItem, ToolInputError, ToolResult

MAX_K = 50
MIN_YEAR, MAX_YEAR = 1870, 2100


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
            f"unknown genre(s) {', '.join(map(repr, unknown))}; known genres: {', '.join(ctx.catalog.genres)}"
        )
    for name, year in (("year_from", year_from), ("year_to", year_to)):
        if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
            raise ToolInputError(f"{name} must be a year between {MIN_YEAR} and {MAX_YEAR}, not {year}")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ToolInputError(f"year_from ({year_from}) is after year_to ({year_to})")
    if not 1 <= k <= MAX_K:
        raise ToolInputError(f"k must be between 1 and {MAX_K}, not {k}")


def _why(item_genres: tuple[str, ...], filters: dict[str, Any], similarity: float, exact: bool) -> dict[str, Any]:
    matched = [g for g in filters.get("genres") or [] if g in item_genres]
    provenance: dict[str, Any] = {"similarity": round(similarity, 4), "matched_genres": matched}
    if exact:
        provenance["title_match"] = True
    for key in ("exclude_genres", "year_from", "year_to", "min_rating"):
        if filters.get(key) not in (None, []):
            provenance[key] = filters[key]
    return provenance


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
) -> ToolResult:
    """Search the catalog by meaning (plot, mood, theme or title) with optional filters.

    Args:
        query: What to look for, in plain words, e.g. "heist movie with a twist" or a title.
        genres: Keep items having at least one of these genres (e.g. ["Crime", "Thriller"]).
        exclude_genres: Drop items having any of these genres (e.g. ["Horror"]).
        year_from: Keep items released in or after this year.
        year_to: Keep items released in or before this year.
        min_rating: Keep items whose mean user rating (0.5-5) is at least this.
        exclude_ids: Item ids not to return (e.g. already shown).
        k: How many items to return (1-50).
    """
    if not query or not query.strip():
        raise ToolInputError("query must not be empty")
    validate_filters(ctx, genres, exclude_genres, year_from, year_to, k)
    filters = {
        "genres": genres,
        "exclude_genres": exclude_genres,
        "year_from": year_from,
        "year_to": year_to,
        "min_rating": min_rating,
    }
    hits = ctx.catalog.search(query[:1000], exclude_ids=exclude_ids, k=k, **filters)
    exact_item = ctx.titles.get_exact(query)
    exact = exact_item.item_id if exact_item is not None else None
    items = []
    for item, score in hits:
        is_exact = exact is not None and item.item_id == exact
        reason_bits = ["Title match" if is_exact else f"Matches “{query.strip()[:60]}”"]
        matched = [g for g in genres or [] if g in item.genres]
        reason_bits.append(", ".join(matched or item.genres[:3]))
        items.append(
            ScoredItem(
                item, score, " · ".join(b for b in reason_bits if b), _why(item.genres, filters, score, is_exact)
            )
        )
    summary = f"{len(items)} items for {query.strip()[:80]!r}"
    return ToolResult(items, summary, {"query": query, "filters": {k: v for k, v in filters.items() if v}})


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
        "genres": list(found.genres),
        "overview": found.overview,
        "tagline": found.tagline,
        "keywords": list(found.keywords[:15]),
        "tags": list(found.tags[:10]),
        "rating_mean": found.rating_mean,
        "rating_count": found.rating_count,
    }
    reason = f"Details of {found.label}"
    return ToolResult([ScoredItem(found, 1.0, reason, {"lookup": item})], reason, {"item": facts})
