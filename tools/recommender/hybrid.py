"""The hybrid ranker: EASE collaborative scores + content similarity + query + popularity + rules, then MMR.

Every returned item carries its provenance; the collaborative part is an exact sum over history items. The reason shown
cites the contributors that share a category or the decade with the pick (tools/recommender/reasons.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from prompts.locale import Locale, source_locale
from tools.recommender.ease import EaseModel
from tools.recommender.ranking_steps import (
    candidate_rows,
    centroid_similarity,
    fresh_popularity,
    mmr_order,
    nearest_liked,
    query_strength,
    rule_boosts,
    with_pins,
)
from tools.recommender.reasons import CITED, choose_citation, hybrid_reason
from tools.recommender.rules import Rules
from tools.results import LIKED_ITEMS, ScoredItem

if TYPE_CHECKING:
    from store.catalog import CatalogStore
    from store.items import CatalogItem

POOL = 60
TOP_CONTRIBUTORS = 5


@dataclass(frozen=True, slots=True)
class HybridWeights:
    collaborative: float = 1.0
    content: float = 0.35
    content_cold: float = 1.2
    query: float = 2.0
    # the query's weight ramps from 0 to `query` as its best cosine to an item goes from query_low to query_high
    # (MiniLM: leftover chat words reach 0.2-0.4, wishes about items 0.43-0.68; bot/agent/router leaves such words)
    query_low: float = 0.35
    query_high: float = 0.5
    popularity: float = 0.04
    # recent releases count more in the popularity prior (ranking_steps.fresh_popularity): people mostly ask for
    # and are recommended recent items; chosen on the MovieLens validation split (docs/evaluation.md)
    freshness: float = 3.0
    freshness_years: float = 10.0
    cold_history: int = 10  # at most this many liked items = a cold user
    mmr_lambda: float = 0.8


@dataclass(slots=True)
class RankRequest:
    history: dict[str, float]  # liked item id -> weight
    keep: np.ndarray  # bool mask aligned with catalog.items(), filters already applied
    k: int = 10
    query_vector: np.ndarray | None = None
    query_text: str | None = None
    genres: Sequence[str] = ()
    diversify: bool = True
    provenance: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    words: Locale | None = None  # the reply language of the reasons (English when None)
    # history items the conversation only discussed (not liked): they score, but a reason never says "you liked"
    discussed: frozenset[str] = frozenset()


class HybridRanker:
    def __init__(
        self,
        catalog: CatalogStore,
        ease: EaseModel | None,
        weights: HybridWeights | None = None,
        rules: Rules | None = None,
    ) -> None:
        self.catalog = catalog
        self.ease = ease
        self.weights = weights or HybridWeights()
        self.rules = rules or Rules()
        items = catalog.items()
        counts = np.array([item.rating_count for item in items], dtype=np.float32)
        means = np.array([item.rating_mean or 0.0 for item in items], dtype=np.float32)
        pop = np.log1p(counts) * np.clip(means - 2.5, 0.0, None)
        years = np.array([item.year or 0 for item in items], dtype=np.float32)
        pop = pop / pop.max() if pop.max() > 0 else pop
        self.popularity = fresh_popularity(pop, years, self.weights.freshness, self.weights.freshness_years)
        # The weights' items that are in the catalog (a live update may have deleted some since training: they are
        # never scored, so never shown) and their catalog rows.
        self._ease_cols: np.ndarray | None = None
        self._ease_known: np.ndarray | None = None
        if ease is not None:
            rows = [(n, catalog.position(i)) for n, i in enumerate(ease.item_ids)]
            present = [(n, row) for n, row in rows if row is not None]
            self._ease_known = np.array([n for n, _ in present], dtype=np.int64)
            self._ease_cols = np.array([row for _, row in present], dtype=np.int64)

    # ---- score parts -------------------------------------------------------------------------
    def collaborative(self, history: dict[str, float]) -> tuple[np.ndarray, list[str], np.ndarray]:
        """Catalog-aligned EASE scores, the history items used, and their per-item contributions."""
        scores = np.zeros(self.catalog.count(), dtype=np.float32)
        if self.ease is None or self._ease_cols is None or self._ease_known is None or not history:
            return scores, [], np.zeros((0, 0), dtype=np.float32)
        used, contributions = self.ease.contributions(history)
        if used:
            scores[self._ease_cols] = contributions.sum(axis=0)[self._ease_known]
        return scores, used, contributions

    def content(self, history: dict[str, float]) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
        return centroid_similarity(self.catalog, history)

    # ---- ranking -----------------------------------------------------------------------------
    def rank(self, request: RankRequest) -> list[ScoredItem]:
        w = self.weights
        keep = candidate_rows(self.catalog, request.keep, request.history, self.rules)
        candidates = np.flatnonzero(keep)
        if candidates.size == 0:
            return []
        collab, used, contributions = self.collaborative(request.history)
        content, liked_vectors, liked_ids = self.content(request.history)
        cold = len(request.history) <= w.cold_history
        scale = float(np.abs(collab[candidates]).max()) if used else 0.0
        collab_n = collab / scale if scale > 0 else collab
        score = w.collaborative * collab_n + (w.content_cold if cold else w.content) * content
        query = np.zeros_like(score)
        if request.query_vector is not None:
            query = self.catalog.matrix @ request.query_vector
            score = score + w.query * query_strength(query, w.query_low, w.query_high) * query
        score = score + w.popularity * (3.0 if not request.history else 1.0) * self.popularity
        boosts = rule_boosts(self.catalog, self.rules)
        score = score + boosts
        pool = candidates[np.argsort(-score[candidates], kind="stable")[: max(POOL, request.k * 4)]]
        chosen = self._mmr(pool, score, request.k) if request.diversify else list(pool[: request.k])
        chosen, pinned = with_pins(self.catalog, self.rules, keep, chosen, request.k)
        if not request.provenance:
            return [ScoredItem(self.catalog.items()[i], float(score[i])) for i in chosen]
        parts = {"collab": collab, "collab_n": collab_n, "content": content, "query": query, "boosts": boosts}
        return [
            self._explain(
                int(i), float(score[i]), request, parts, used, contributions, liked_vectors, liked_ids, i in pinned
            )
            for i in chosen
        ]

    def _mmr(self, pool: np.ndarray, score: np.ndarray, k: int) -> list[int]:
        return mmr_order(self.catalog.matrix, pool, score, k, self.weights.mmr_lambda)

    def _explain(
        self,
        index: int,
        score: float,
        request: RankRequest,
        parts: dict[str, np.ndarray],
        used: list[str],
        contributions: np.ndarray,
        liked_vectors: np.ndarray | None,
        liked_ids: list[str],
        pinned: bool,
    ) -> ScoredItem:
        item = self.catalog.items()[index]
        provenance: dict[str, Any] = {"score_parts": {k: round(float(v[index]), 6) for k, v in parts.items()}}
        liked: list[dict[str, Any]] = []
        contributors: list[CatalogItem] = []  # the catalog items of `liked`, for the reason's citation
        if used and self.ease is not None and item.item_id in self.ease.index:
            column = contributions[:, self.ease.index[item.item_id]]
            order = np.argsort(-column)
            for j in order:
                if column[j] <= 0 or len(liked) == TOP_CONTRIBUTORS:
                    break
                if used[j] in request.discussed:  # it counts, but the user never said they liked it
                    continue
                source = self.catalog.get(used[j])
                if source is None:  # deleted from the catalog since: it still counts, but is never named
                    continue
                liked.append({"item_id": used[j], "title": source.label, "contribution": float(column[j])})
                contributors.append(source)
            listed = sum(entry["contribution"] for entry in liked)
            provenance["collaborative"] = float(column.sum())
            provenance["collaborative_rest"] = float(column.sum()) - listed
        provenance[LIKED_ITEMS] = liked
        nearest = nearest_liked(self.catalog, index, liked_vectors, liked_ids)
        if nearest is not None:
            provenance["content_similarity"] = {"to": nearest[1], "similarity": round(nearest[2], 4)}
        matched = [g for g in request.genres if g in item.genres]
        provenance["matched_genres"] = matched
        if request.query_text:
            provenance["query"] = request.query_text
            provenance["query_similarity"] = round(float(parts["query"][index]), 4)
        rules = [name for name in self.rules.boost_for(item.item_id)[1]] + (["pin"] if pinned else [])
        provenance["rules"] = rules
        citation = choose_citation(item, contributors)
        if citation is not None:
            provenance[CITED] = citation.provenance()
        similar = self.catalog.get(nearest[0]) if nearest is not None else None
        words = request.words or source_locale()
        reason = hybrid_reason(item, provenance, words, citation, similar, request.query_text)
        return ScoredItem(item, score, reason, provenance)
