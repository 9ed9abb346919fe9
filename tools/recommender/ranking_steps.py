"""The steps both rankers share (hybrid, and content + popularity): candidates after the history and the rules'
exclusions, similarity to the liked items' centroid, rule boosts and pins, and diversification (MMR)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from tools.recommender.rules import Rules

if TYPE_CHECKING:
    from store.catalog import CatalogStore


def candidate_rows(catalog: CatalogStore, keep: np.ndarray, history: dict[str, float], rules: Rules) -> np.ndarray:
    """A copy of `keep` without the liked items and the rules' exclusions."""
    keep = keep.copy()
    for item_id in list(history) + sorted(rules.excluded):
        index = catalog.position(item_id)
        if index is not None:
            keep[index] = False
    return keep


def centroid_similarity(
    catalog: CatalogStore, history: dict[str, float]
) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """Cosine of every item to the weighted centroid of the liked items (in the catalog), their vectors and ids."""
    liked = [i for i in history if catalog.get(i) is not None]
    if not liked:
        return np.zeros(catalog.count(), dtype=np.float32), None, []
    vectors = catalog.vectors(liked)
    weights = np.array([history[i] for i in liked], dtype=np.float32)[:, None]
    centroid = (vectors * weights).sum(axis=0)
    norm = float(np.linalg.norm(centroid))
    centroid = centroid / norm if norm else centroid
    return catalog.matrix @ centroid, vectors, liked


def fresh_popularity(popularity: np.ndarray, years: np.ndarray, boost: float, scale_years: float) -> np.ndarray:
    """The popularity prior with recent releases raised: x (1 + boost x exp(-age / scale_years)), age counted from
    the catalog's newest year (so a catalog snapshot is judged by its own time), normalised to [0, 1] again. Items
    without a year (0) are not raised. boost 0 leaves the prior as it is."""
    if boost <= 0 or not (years > 0).any():
        return popularity
    age = np.clip(years.max() - years, 0.0, None)
    raised = popularity * (1.0 + boost * np.exp(-age / scale_years) * (years > 0))
    top = float(raised.max())
    return (raised / top if top > 0 else raised).astype(np.float32)


def query_strength(similarities: np.ndarray, low: float, high: float) -> float:
    """How much a free-text wish is about the catalog, 0..1, from its best cosine to an item: 0 at or below `low`
    (chat left over from a message, "agree", "looks"), 1 at or above `high` ("time travel", "funny heist")."""
    if similarities.size == 0 or high <= low:
        return 1.0
    return float(np.clip((float(similarities.max()) - low) / (high - low), 0.0, 1.0))


def rule_boosts(catalog: CatalogStore, rules: Rules) -> np.ndarray:
    """The business rules' boost of every item (0 for most)."""
    boosts = np.zeros(catalog.count(), dtype=np.float32)
    for boost in rules.boosts:
        for item_id in boost.item_ids:
            index = catalog.position(item_id)
            if index is not None:
                boosts[index] += boost.weight
    return boosts


def with_pins(
    catalog: CatalogStore, rules: Rules, keep: np.ndarray, chosen: list[int], k: int
) -> tuple[list[int], list[int]]:
    """The rules' pinned items (those still allowed) first, then the chosen rows; and the pinned rows."""
    pinned = [p for p in (catalog.position(i) for i in rules.pinned) if p is not None and keep[p]]
    return [*pinned, *[c for c in chosen if c not in pinned]][:k], pinned


def mmr_order(matrix: np.ndarray, pool: np.ndarray, score: np.ndarray, k: int, lam: float) -> list[int]:
    """Up to k rows of `pool`, each chosen for lam x relevance minus (1 - lam) x its highest cosine to the rows
    already chosen. `matrix` holds L2-normalised item vectors, `score` one relevance per catalog row."""
    vectors = matrix[pool]
    relevance = score[pool]
    spread = float(relevance.max() - relevance.min()) or 1.0
    relevance = (relevance - relevance.min()) / spread
    chosen: list[int] = []
    max_sim = np.full(len(pool), -np.inf, dtype=np.float32)
    available = np.ones(len(pool), dtype=bool)
    for _ in range(min(k, len(pool))):
        penalty = np.where(np.isfinite(max_sim), max_sim, 0.0)
        value = np.where(available, lam * relevance - (1.0 - lam) * penalty, -np.inf)
        best = int(np.argmax(value))
        chosen.append(int(pool[best]))
        available[best] = False
        max_sim = np.maximum(max_sim, vectors @ vectors[best])
    return chosen


def nearest_liked(
    catalog: CatalogStore, index: int, liked_vectors: np.ndarray | None, liked_ids: list[str]
) -> tuple[str, str, float] | None:
    """The liked item most like the item at `index`: its id, its label (the id when it left the catalog) and the
    cosine; None without liked items. What a reason's "Similar to X" and the provenance's content_similarity cite."""
    if liked_vectors is None or not liked_ids:
        return None
    sims = liked_vectors @ catalog.matrix[index]
    best = int(np.argmax(sims))
    source = catalog.get(liked_ids[best])
    return liked_ids[best], source.label if source else liked_ids[best], float(sims[best])
