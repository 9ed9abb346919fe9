"""Recommendation tools: `recommend` (hybrid, personalised, with provenance) and `similar_items`."""

from __future__ import annotations

import logging
from collections.abc import Set
from typing import Any

import numpy as np

from tools.context import ToolContext
from tools.facets import FACET_FILTERS, FacetFilter, resolve_facets
from tools.localized import category_list
from tools.recommender.engine import Recommender
from tools.recommender.hybrid import RankRequest
from tools.results import ANCHOR, SHARED_FACETS, ScoredItem, ToolInputError, ToolResult
from tools.search import validate_filters

log = logging.getLogger(__name__)


# The weight of an item the conversation is about but the user did not say they liked (a liked one weighs 1.0). On
# the ReDial dialogues, scoring from every item the conversation named beats scoring from the stated likes alone
# (docs/evaluation.md); on MovieLens a seen item at a quarter of a like's weight helped too.
DISCUSSED_WEIGHT = 0.5
# The likes stated in the conversation, together, against the user's whole history (1.0: as much as all of it).
STATED_SHARE = 1.0


def history_weights(
    ctx: ToolContext, likes: list[str] | None, disliked: Set[str]
) -> tuple[dict[str, float], list[str], frozenset[str]]:
    """Liked items with weights (history + likes stated in chat + the items discussed), the labels of the likes
    stated in this call, and the items in it only as discussed (never cited as liked). `disliked` (the user's
    dislikes, read once per call: `History.disliked_ids`) are never in it."""
    history = {item: weight / 5.0 for item, weight in ctx.history.liked(ctx.user_id).items()}
    stated: list[str] = []
    resolved = [ctx.titles.resolve(ref) for ref in likes or []]
    chat_likes = list(dict.fromkeys([*ctx.stated_likes, *(item.item_id for item in resolved)]))
    # "I loved The Conjuring" from a user with 500 rated films: the likes said now weigh, together, as much as the
    # whole history (at least a like's 1.0 each), so they shape the picks the reply says they come from
    weight = max(1.0, STATED_SHARE * sum(history.values()) / len(chat_likes)) if chat_likes else 1.0
    for item_id in chat_likes:
        history[item_id] = weight
    stated.extend(item.label for item in resolved)
    discussed = frozenset(i for i in ctx.discussed if i not in history and i not in disliked)
    for item_id in discussed:
        history[item_id] = DISCUSSED_WEIGHT
    return history, stated, discussed


def query_vector(ctx: ToolContext, query: str | None) -> np.ndarray | None:
    """The embedded free-text wish (None without one)."""
    if not query or not query.strip():
        return None
    return ctx.catalog.embedder.embed([query[:500]])[0]


def recommender_of(ctx: ToolContext) -> Recommender:
    """The catalog's recommender; a tool error when none is loaded."""
    if ctx.recommender is None:
        raise ToolInputError("no recommender is loaded for this catalog")
    return ctx.recommender


def candidate_mask(
    ctx: ToolContext,
    history: dict[str, float],
    chosen: FacetFilter,
    genres: list[str] | None,
    exclude_genres: list[str] | None,
    year_from: int | None,
    year_to: int | None,
    exclude_ids: list[str] | None,
    disliked: Set[str],
) -> np.ndarray:
    """The catalog rows a recommendation may return: the filters and facets, minus what the user has seen or liked,
    and the series of what they disliked (`disliked`; no Toy Story 3 after "I hated Toy Story")."""
    keep = ctx.catalog.mask(
        genres=genres,
        exclude_genres=exclude_genres,
        year_from=year_from,
        year_to=year_to,
        exclude_ids=exclude_ids,
        **chosen.store_arguments(),
    )
    for item_id in ctx.history.seen_ids(ctx.user_id) | set(history) | set(ctx.titles.same_series(disliked)):
        position = ctx.catalog.position(item_id)
        if position is not None:
            keep[position] = False
    return keep


def recommend(
    ctx: ToolContext,
    query: str | None = None,
    genres: list[str] | None = None,
    exclude_genres: list[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    likes: list[str] | None = None,
    exclude_ids: list[str] | None = None,
    k: int = 10,
    facets: dict[str, list[str]] | None = None,
    min_values: dict[str, float] | None = None,
    max_values: dict[str, float] | None = None,
) -> ToolResult:
    """Recommend items for the current user from their history, likes stated in chat, and constraints.

    Args:
        query: Free-text wish, e.g. "funny heist" (optional).
        genres: Keep items having at least one of these genres.
        exclude_genres: Drop items having any of these genres (e.g. ["Horror"] for "no horror").
        year_from: Keep items released in or after this year.
        year_to: Keep items released in or before this year.
        likes: Titles the user says they liked in this conversation (used as history at once).
        exclude_ids: Item ids not to return (e.g. shown already).
        k: How many items to return (1-50).
        facets: Keep items with one of these values of a catalog facet, by field, e.g. {"authors": ["Stephen King"]}.
        min_values: Lower bounds of numeric facets, by field, e.g. {"price": 10}.
        max_values: Upper bounds of numeric facets, by field, e.g. {"price": 20} for "under 20".
    """
    validate_filters(ctx, genres, exclude_genres, year_from, year_to, k)
    chosen = resolve_facets(ctx.catalog, facets, min_values, max_values)
    recommender = recommender_of(ctx)
    disliked = ctx.history.disliked_ids(ctx.user_id)
    history, stated, discussed = history_weights(ctx, likes, disliked)
    keep = candidate_mask(ctx, history, chosen, genres, exclude_genres, year_from, year_to, exclude_ids, disliked)
    vector = query_vector(ctx, query)
    request = RankRequest(history, keep, k, vector, query, genres or [], words=ctx.words, discussed=discussed)
    items = recommender.ranker.rank(request)
    summary = f"{len(items)} recommendations" + (f" based on {', '.join(stated)}" if stated else "")
    data: dict[str, Any] = {"likes": stated, "history_size": len(history)}
    data[FACET_FILTERS] = chosen.describe(ctx.catalog.profile, ctx.locale)
    return ToolResult(items, summary, data)


def similar_items(
    ctx: ToolContext,
    item: str,
    k: int = 10,
    genres: list[str] | None = None,
    exclude_genres: list[str] | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    exclude_ids: list[str] | None = None,
    facets: dict[str, list[str]] | None = None,
    min_values: dict[str, float] | None = None,
    max_values: dict[str, float] | None = None,
) -> ToolResult:
    """Items most like one item: people who liked it also liked (EASE) plus similar plot and themes, optionally
    within filters ("like Heat but funnier, after 2000": genres ["Comedy"], year_from 2000).

    Args:
        item: The item's id or title (typos are fine), e.g. "Toy Story".
        k: How many items to return (1-50).
        genres: Keep items having at least one of these genres.
        exclude_genres: Drop items having any of these genres.
        year_from: Keep items released in or after this year.
        year_to: Keep items released in or before this year.
        exclude_ids: Item ids not to return (e.g. shown already).
        facets: Keep items with one of these values of a catalog facet, by field, e.g. {"authors": ["Stephen King"]}.
        min_values: Lower bounds of numeric facets, by field, e.g. {"price": 10}.
        max_values: Upper bounds of numeric facets, by field, e.g. {"price": 20} for "under 20".
    """
    validate_filters(ctx, genres, exclude_genres, year_from, year_to, k)
    chosen = resolve_facets(ctx.catalog, facets, min_values, max_values)
    anchor = ctx.titles.resolve(item)
    ranker = recommender_of(ctx).ranker
    keep = ctx.catalog.mask(
        genres=genres,
        exclude_genres=exclude_genres,
        year_from=year_from,
        year_to=year_to,
        exclude_ids=[anchor.item_id, *(exclude_ids or [])],
        **chosen.store_arguments(),
    )
    request = RankRequest({anchor.item_id: 1.0}, keep, k, None, None, list(genres or anchor.genres))
    items = ranker.rank(request)
    words = ctx.locale
    for scored in items:
        # only what the pick really shares with the anchor (a filter's genre is in the reply, not in the reason)
        shared = [g for g in scored.item.genres if g in anchor.genres][:3]
        shared = shared or list(scored.provenance.get(SHARED_FACETS) or [])[:2]  # a catalog without genres
        head = words.phrase("like_anchor", title=anchor.label)
        scored.reason = " · ".join([head, category_list(words, shared)] if shared else [head])
        scored.provenance[ANCHOR] = anchor.item_id
    data = {"anchor": anchor.label, FACET_FILTERS: chosen.describe(ctx.catalog.profile, ctx.locale)}
    return ToolResult(items, f"{len(items)} items similar to {anchor.label}", data)


def scored_to_dict(scored: ScoredItem) -> dict[str, Any]:
    item = scored.item
    return {
        "item_id": item.item_id,
        "title": item.title,
        "year": item.year,
        "genres": list(item.genres),
        "score": round(scored.score, 6),
        "reason": scored.reason,
        "provenance": scored.provenance,
    }


__all__ = [
    "DISCUSSED_WEIGHT",
    "candidate_mask",
    "history_weights",
    "query_vector",
    "recommend",
    "recommender_of",
    "scored_to_dict",
    "similar_items",
]
