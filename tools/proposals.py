"""`recommend_titles`: items a capable model proposes from its own knowledge, grounded in the catalog.

"The LLM proposes, the catalog disposes" (as in CRAG, WWW 2025: collaborative retrieval plus LLM re-ranking): each
proposed title is resolved against the catalog (fuzzy title + year); a title that does not resolve confidently is
never shown, only reported back in data["unresolved"]. The resolved proposals pass the same filters, history and
business rules as `recommend` (the hybrid ranker is asked once normally and once restricted to them, so each
proposal gets the ranker's own score, reason and provenance) and are fused with the ranker's list by weighted
reciprocal-rank fusion:

    fused(item) = 1 / (RRF_K + ranker_rank) + PROPOSAL_WEIGHT / (RRF_K + proposal_rank)

where ranker_rank is the item's 1-based place in the plain recommend list and proposal_rank its place among the
resolved proposals in the model's order (a term is 0 when the item is not in that list). A proposal the ranker also
recommends comes first; the other proposals and the ranker's items interleave, a proposal first on ties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from store.items import CatalogItem
from store.years import years_in
from tools.context import ToolContext
from tools.facets import FACET_FILTERS, resolve_facets
from tools.recommend import candidate_mask, history_weights, query_vector, recommender_of
from tools.recommender.hybrid import RankRequest
from tools.results import ScoredItem, ToolInputError, ToolResult
from tools.search import validate_filters

RRF_K = 60.0  # the usual reciprocal-rank-fusion constant: ranks matter, but no list dominates by its top alone
PROPOSAL_WEIGHT = 1.0  # a proposal's place counts as much as the ranker's
MAX_PROPOSALS = 20
YEAR_TOLERANCE = 1  # a stated year this far from the catalog's still matches (release vs. festival year)
PROPOSED = "proposed"  # provenance: the model's text the item was resolved from (None: the ranker's own pick)
FUSION = "fusion"  # provenance: {"ranker_rank", "proposal_rank", "score"} of the fusion above


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed title and the catalog item it resolved to."""

    text: str
    item: CatalogItem


def _years_agree(text: str, item: CatalogItem) -> bool:
    """False when the proposal states a year (not one that is part of the title, "Blade Runner 2049") that is not
    the item's: "Heat (1972)" is another film than the catalog's Heat (1995)."""
    stated = years_in(text) - years_in(item.title)
    if not stated or item.year is None:
        return True
    return any(abs(year - item.year) <= YEAR_TOLERANCE for year in stated)


def resolve_proposals(ctx: ToolContext, titles: Sequence[str]) -> tuple[list[Proposal], list[str]]:
    """The proposals that name a catalog item (fuzzy title + year; the first of duplicates) and the texts that
    name none confidently."""
    resolved: list[Proposal] = []
    unresolved: list[str] = []
    taken: set[str] = set()
    for text in titles:
        text = str(text).strip()
        if not text:
            continue
        try:
            item = ctx.titles.resolve(text)
        except ToolInputError:
            unresolved.append(text)
            continue
        if not _years_agree(text, item):
            unresolved.append(text)
        elif item.item_id not in taken:
            taken.add(item.item_id)
            resolved.append(Proposal(text, item))
    return resolved, unresolved


def fuse(ranked: Sequence[ScoredItem], proposed: Sequence[ScoredItem], k: int) -> list[ScoredItem]:
    """The top k of both lists by the weighted reciprocal-rank fusion of the module docstring (ties: proposals
    first, then the ranker's order), each with its fusion ranks and score in provenance[FUSION]."""
    ranker_rank = {s.item.item_id: n for n, s in enumerate(ranked, 1)}
    proposal_rank = {s.item.item_id: n for n, s in enumerate(proposed, 1)}
    by_id = {s.item.item_id: s for s in [*proposed, *ranked]}  # the ranker's plain entry wins when in both

    def fused(item_id: str) -> float:
        score = 1.0 / (RRF_K + ranker_rank[item_id]) if item_id in ranker_rank else 0.0
        if item_id in proposal_rank:
            score += PROPOSAL_WEIGHT / (RRF_K + proposal_rank[item_id])
        return score

    def order(item_id: str) -> tuple[float, float, float]:
        return (-fused(item_id), proposal_rank.get(item_id, np.inf), ranker_rank.get(item_id, np.inf))

    out: list[ScoredItem] = []
    for item_id in sorted(by_id, key=order)[:k]:
        scored = by_id[item_id]
        score = fused(item_id)
        fusion = {"ranker_rank": ranker_rank.get(item_id), "proposal_rank": proposal_rank.get(item_id)}
        provenance = {**scored.provenance, FUSION: {**fusion, "score": round(score, 6)}}
        out.append(ScoredItem(scored.item, score, scored.reason, provenance))
    return out


def recommend_titles(
    ctx: ToolContext,
    titles: list[str],
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
    """Recommend items you propose from your own knowledge, grounded in the catalog and merged with `recommend`'s.

    Args:
        titles: Titles you would recommend, best first, with years, e.g. ["Heat (1995)"]; unknown ones are never shown.
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
    if len(titles) > MAX_PROPOSALS:
        raise ToolInputError(f"at most {MAX_PROPOSALS} titles, not {len(titles)}")
    chosen = resolve_facets(ctx.catalog, facets, min_values, max_values)
    ranker = recommender_of(ctx).ranker
    disliked = ctx.history.disliked_ids(ctx.user_id)
    history, stated, discussed = history_weights(ctx, likes, disliked)
    keep = candidate_mask(ctx, history, chosen, genres, exclude_genres, year_from, year_to, exclude_ids, disliked)
    proposals, unresolved = resolve_proposals(ctx, titles)
    vector = query_vector(ctx, query)
    plain = ranker.rank(
        RankRequest(history, keep, k, vector, query, genres or [], words=ctx.words, discussed=discussed)
    )
    allowed = np.zeros_like(keep)
    for proposal in proposals:
        position = ctx.catalog.position(proposal.item.item_id)
        if position is not None:
            allowed[position] = True
    ranked_proposals: list[ScoredItem] = []
    if proposals and (keep & allowed).any():
        restricted = RankRequest(
            history,
            keep & allowed,
            len(proposals),
            vector,
            query,
            genres or [],
            diversify=False,
            words=ctx.words,
            discussed=discussed,
        )
        ranked_proposals = ranker.rank(restricted)
    texts = {p.item.item_id: p.text for p in proposals}
    by_id = {s.item.item_id: s for s in ranked_proposals}
    kept = [by_id[p.item.item_id] for p in proposals if p.item.item_id in by_id]  # the model's order
    items = fuse(plain, kept, k)
    for scored in items:
        scored.provenance[PROPOSED] = texts.get(scored.item.item_id)
    data: dict[str, Any] = {
        "likes": stated,
        "history_size": len(history),
        "proposed": [{"title": texts[s.item.item_id], "item_id": s.item.item_id} for s in kept],
        "unresolved": unresolved,
        "filtered_out": [p.text for p in proposals if p.item.item_id not in by_id],
        FACET_FILTERS: chosen.describe(ctx.catalog.profile, ctx.locale),
    }
    shown = sum(scored.provenance[PROPOSED] is not None for scored in items)
    summary = f"{len(items)} recommendations, {shown} of them proposed ({len(unresolved)} titles not in the catalog)"
    return ToolResult(items, summary + (f" based on {', '.join(stated)}" if stated else ""), data)


__all__ = ["FUSION", "PROPOSED", "fuse", "recommend_titles", "resolve_proposals"]
