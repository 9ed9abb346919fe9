"""The content + popularity ranker: recommendations for a catalog without interaction history.

A shop's own catalog (or the books demo) has no ratings to train EASE^R on, yet must still recommend. This ranker
scores every item from what the catalog itself says:

    score = content · cos(item, liked items' centroid)        (the anchor of "similar to X", likes, history)
          + query   · cos(item, query)                          (a free-text wish)
          + facets  · shared rare facet values with the liked items   (same author; IDF-weighted, so a shared
                                                                        language counts for little)
          + popularity · log(rating_count) × rating quality (0..1)  (×3 when nothing else is known)
          + business-rule boosts

then picks with MMR like the hybrid ranker. Every item carries its provenance (score parts, the liked item it is
most like, the facet values it shares) and a reason built from it. Same interface as HybridRanker (`rank`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from prompts.locale import source_locale
from store.catalog_profile import FacetKind
from tools.recommender.hybrid import POOL, RankRequest
from tools.recommender.ranking_steps import (
    candidate_rows,
    centroid_similarity,
    mmr_order,
    nearest_liked,
    rule_boosts,
    with_pins,
)
from tools.recommender.rules import Rules
from tools.results import LIKED_ITEMS, SHARED_FACETS, ScoredItem

if TYPE_CHECKING:
    from store.catalog import CatalogStore

SHOWN_FACET_VALUES = 2
# A shared facet value is named in a reason only when it is telling: idf / log(N) of at least this (for 10,000
# books: a value held by at most ~250 items; an author is, "English" is not).
TELLING_IDF = 0.4


@dataclass(frozen=True, slots=True)
class ContentWeights:
    """The content ranker's configuration (see the module docstring for the score)."""

    content: float = 1.0
    query: float = 1.5
    facets: float = 0.35
    popularity: float = 0.3
    popularity_cold: float = 3.0  # popularity multiplier with no liked items and no query
    similar_reason: float = 0.45  # "Similar to X" in the reason from this cosine on
    mmr_lambda: float = 0.8
    # at most this share of a list from one telling facet value (an author): the rest of the list is for other
    # authors, as long as the catalog has candidates for it
    max_share_per_value: float = 0.5


def popularity_scores(counts: np.ndarray, means: np.ndarray) -> np.ndarray:
    """log(1 + rating_count) × (mean rating above 2.5), scaled to 0..1 (all zeros when nothing is rated)."""
    pop = np.log1p(counts.astype(np.float32)) * np.clip(means.astype(np.float32) - 2.5, 0.0, None)
    return pop / pop.max() if pop.size and pop.max() > 0 else pop


class ContentRanker:
    """Scores from the catalog alone: item vectors, exact facets, rating counts. Built once per catalog snapshot."""

    def __init__(
        self, catalog: CatalogStore, weights: ContentWeights | None = None, rules: Rules | None = None
    ) -> None:
        self.catalog = catalog
        self.weights = weights or ContentWeights()
        self.rules = rules or Rules()
        items = catalog.items()
        counts = np.array([item.rating_count for item in items], dtype=np.float32)
        means = np.array([item.rating_mean or 0.0 for item in items], dtype=np.float32)
        self.popularity = popularity_scores(counts, means)
        self._facets = [f for f in catalog.profile.facets if f.kind == FacetKind.EXACT]
        self._log_n = math.log(max(catalog.count(), 2))
        self._counts = {f.field: catalog.facets.value_counts(f.field) for f in self._facets}

    # ---- score parts -------------------------------------------------------------------------
    def content(self, history: dict[str, float]) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
        """Cosine of every item to the weighted centroid of the liked items, their vectors and ids."""
        return centroid_similarity(self.catalog, history)

    def facet_affinity(self, history: dict[str, float]) -> tuple[np.ndarray, dict[str, set[int]]]:
        """Per item, the strongest shared exact-facet value with a liked item: idf(value) / log(N) times the liked
        item's weight (0..1); and the telling values ("same author: Suzanne Collins") -> their rows, for reasons."""
        affinity = np.zeros(self.catalog.count(), dtype=np.float32)
        rows_of: dict[str, set[int]] = {}
        top = max(history.values(), default=1.0) or 1.0
        for item_id, weight in history.items():
            item = self.catalog.get(item_id)
            if item is None:
                continue
            for facet in self._facets:
                for value in facet.values_of(item):
                    rows = np.flatnonzero(self.catalog.mask(facets={facet.field: [value]}))
                    if rows.size == 0:
                        continue
                    idf = math.log(self.catalog.count() / rows.size) / self._log_n
                    affinity[rows] = np.maximum(affinity[rows], np.float32(idf * weight / top))
                    if idf >= TELLING_IDF:
                        rows_of.setdefault(f"same {facet.label}: {value}", set()).update(rows.tolist())
        return affinity, rows_of

    # ---- ranking -----------------------------------------------------------------------------
    def rank(self, request: RankRequest) -> list[ScoredItem]:
        w = self.weights
        keep = candidate_rows(self.catalog, request.keep, request.history, self.rules)
        candidates = np.flatnonzero(keep)
        if candidates.size == 0:
            return []
        content, liked_vectors, liked_ids = self.content(request.history)
        facets, facet_rows = self.facet_affinity(request.history)
        query = np.zeros(self.catalog.count(), dtype=np.float32)
        if request.query_vector is not None:
            query = self.catalog.matrix @ request.query_vector
        known = bool(liked_ids) or request.query_vector is not None
        popularity = w.popularity * (1.0 if known else w.popularity_cold) * self.popularity
        boosts = rule_boosts(self.catalog, self.rules)
        score = w.content * content + w.query * query + w.facets * facets + popularity + boosts
        pool = candidates[np.argsort(-score[candidates], kind="stable")[: max(POOL, request.k * 4)]]
        if request.diversify:
            chosen = self._capped(self._mmr(pool, score, len(pool)), request.k)
        else:
            chosen = [int(i) for i in pool[: request.k]]
        chosen, pinned = with_pins(self.catalog, self.rules, keep, chosen, request.k)
        if not request.provenance:
            return [ScoredItem(self.catalog.items()[i], float(score[i])) for i in chosen]
        parts = {"content": content, "query": query, "facets": facets, "popularity": popularity, "boosts": boosts}
        return [
            self._explain(int(i), float(score[i]), request, parts, liked_vectors, liked_ids, facet_rows, i in pinned)
            for i in chosen
        ]

    def telling_values(self, index: int) -> list[str]:
        """The item's exact-facet values rare enough to name it (an author, not a language): "authors=jane austen"."""
        item = self.catalog.items()[index]
        values = []
        for facet in self._facets:
            counts = self._counts[facet.field]
            for value in facet.values_of(item):
                held = counts.get(value.lower(), 0)
                if held and math.log(self.catalog.count() / held) / self._log_n >= TELLING_IDF:
                    values.append(f"{facet.field}={value.lower()}")
        return values

    def _capped(self, ordered: list[int], k: int) -> list[int]:
        """The first k of `ordered` with at most `max_share_per_value` of k per telling facet value; when that leaves
        fewer than k, the capped items fill up in order."""
        cap = max(1, math.ceil(k * self.weights.max_share_per_value))
        taken: list[int] = []
        held: dict[str, int] = {}
        skipped: list[int] = []
        for index in ordered:
            if len(taken) == k:
                break
            values = self.telling_values(index)
            if any(held.get(v, 0) >= cap for v in values):
                skipped.append(index)
                continue
            taken.append(index)
            for value in values:
                held[value] = held.get(value, 0) + 1
        return [*taken, *skipped][:k]

    def _mmr(self, pool: np.ndarray, score: np.ndarray, k: int) -> list[int]:
        return mmr_order(self.catalog.matrix, pool, score, k, self.weights.mmr_lambda)

    def _explain(
        self,
        index: int,
        score: float,
        request: RankRequest,
        parts: dict[str, np.ndarray],
        liked_vectors: np.ndarray | None,
        liked_ids: list[str],
        shared: dict[str, set[int]],
        pinned: bool,
    ) -> ScoredItem:
        item = self.catalog.items()[index]
        provenance: dict[str, Any] = {
            "ranker": "content",
            "score_parts": {k: round(float(v[index]), 6) for k, v in parts.items()},
        }
        liked: list[dict[str, Any]] = []
        nearest = nearest_liked(self.catalog, index, liked_vectors, liked_ids)
        if nearest is not None:
            item_id, label, similarity = nearest
            provenance["content_similarity"] = {"to": label, "similarity": round(similarity, 4)}
            if similarity >= self.weights.similar_reason:
                liked.append({"item_id": item_id, "title": label, "similarity": round(similarity, 4)})
        provenance[LIKED_ITEMS] = liked
        provenance[SHARED_FACETS] = [label for label, rows in shared.items() if index in rows]
        provenance["matched_genres"] = [g for g in request.genres if g in item.genres]
        if request.query_text:
            provenance["query"] = request.query_text
            provenance["query_similarity"] = round(float(parts["query"][index]), 4)
        provenance["rules"] = list(self.rules.boost_for(item.item_id)[1]) + (["pin"] if pinned else [])
        return ScoredItem(item, score, content_reason(item.genres, liked, provenance, request), provenance)


def content_reason(
    genres: Sequence[str], liked: list[dict[str, Any]], provenance: dict[str, Any], request: RankRequest
) -> str:
    """A reason from the provenance: "Similar to The Hunger Games (2008) · author Suzanne Collins"."""
    words = request.words or source_locale()
    if liked:
        head = words.phrase("similar_to", title=liked[0]["title"])
    elif provenance[SHARED_FACETS]:
        named = words.phrase("list_sep").join(provenance[SHARED_FACETS][:SHOWN_FACET_VALUES])
        head = named[:1].upper() + named[1:]
    elif request.query_text:
        head = words.phrase("matches", query=request.query_text[:50])
    else:
        head = words.phrase("popular")
    details = [*(provenance[SHARED_FACETS][:SHOWN_FACET_VALUES] if liked else [])]
    details += [words.category_name(g) for g in provenance["matched_genres"] or list(genres[:3])]
    tail = words.phrase("list_sep").join(details)
    extra = " · " + "; ".join(provenance["rules"]) if provenance["rules"] else ""
    return f"{head} · {tail}{extra}" if tail else head + extra


__all__ = ["ContentRanker", "ContentWeights", "content_reason", "popularity_scores"]
