"""Vectorised scorers for the offline evaluation: every model scores all users at once (users × items).

The hybrid here re-implements `tools.recommender.hybrid.HybridRanker.rank` on matrices with the same `HybridWeights`
(normalised EASE + content profile + popularity, then MMR over the same candidate pool); business rules,
query text and filters are not part of the offline protocol.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from tools.recommender.ease import fit_ease
from tools.recommender.hybrid import POOL, HybridWeights
from tools.recommender.metrics import top_k

FLOOR = -1e9  # score of items a model cannot rank (kept finite so ties stay deterministic)


def popularity_scores(train: sp.csr_matrix) -> np.ndarray:
    """One row: how many users have the item as a training positive."""
    return np.asarray(train.sum(axis=0), dtype=np.float32).ravel()


def itemknn_scores(train: sp.csr_matrix) -> np.ndarray:
    """Cosine item-item kNN over all neighbours: score = Σ_j∈history cos(j, i), computed as (X·Xnᵀ)·Xn."""
    norms = np.sqrt(np.asarray(train.multiply(train).sum(axis=0), dtype=np.float32).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    xn = sp.csr_matrix(train @ sp.diags(inv))
    users_overlap = (train @ xn.T).toarray().astype(np.float32)  # users × users
    return np.asarray((xn.T @ users_overlap.T).T, dtype=np.float32)


def fit_ease_subset(train: sp.csr_matrix, lam: float, min_item_count: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """EASE^R over the items with ≥ min_item_count positives; returns (item columns, B) in float32."""
    counts = np.asarray(train.getnnz(axis=0)).ravel()
    cols = np.flatnonzero(counts >= min_item_count)
    return cols, fit_ease(train[:, cols], lam)


def ease_scores(history: sp.csr_matrix, cols: np.ndarray, b: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """history (users × all items) through B; items outside the model get `fill`."""
    scores = np.full(history.shape, fill, dtype=np.float32)
    scores[:, cols] = np.asarray(history[:, cols] @ b, dtype=np.float32)
    return scores


def content_scores(history: sp.csr_matrix, vectors: np.ndarray) -> np.ndarray:
    """Cosine of each item to the user's profile: the weighted, L2-normalised sum of liked item vectors."""
    profile = np.asarray(history @ vectors, dtype=np.float32)
    norms = np.linalg.norm(profile, axis=1, keepdims=True)
    profile = np.divide(profile, norms, out=np.zeros_like(profile), where=norms > 0)
    return profile @ vectors.T


def hybrid_popularity(counts: np.ndarray, sums: np.ndarray) -> np.ndarray:
    """HybridRanker's popularity prior log1p(count)·max(mean-2.5, 0), normalised to [0, 1]."""
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    pop = np.log1p(counts) * np.clip(means - 2.5, 0.0, None)
    return (pop / pop.max() if pop.max() > 0 else pop).astype(np.float32)


def hybrid_scores(
    collab: np.ndarray,
    content: np.ndarray,
    popularity: np.ndarray,
    history_sizes: np.ndarray,
    exclude: sp.csr_matrix,
    weights: HybridWeights,
) -> np.ndarray:
    """HybridRanker's score: collab / max|collab over candidates| + content weight (cold or warm) + popularity."""
    masked = np.abs(collab)
    rows, cols = exclude.nonzero()
    masked[rows, cols] = 0.0
    scale = masked.max(axis=1, keepdims=True)
    collab_n = np.divide(collab, scale, out=np.zeros_like(collab), where=scale > 0)
    cold = (history_sizes <= weights.cold_history)[:, None]
    content_w = np.where(cold, weights.content_cold, weights.content).astype(np.float32)
    pop_w = np.where(history_sizes[:, None] == 0, 3.0, 1.0) * weights.popularity
    return (weights.collaborative * collab_n + content_w * content + pop_w * popularity[None, :]).astype(np.float32)


def mmr_rerank(
    scores: np.ndarray, exclude: sp.csr_matrix, vectors: np.ndarray, k: int, lam: float, pool: int = POOL
) -> np.ndarray:
    """Batched maximal marginal relevance, as HybridRanker._mmr: pool = best max(POOL, 4k) candidates."""
    candidates = top_k(scores, exclude, max(pool, k * 4))  # users × size, best first
    size = candidates.shape[1]
    relevance = np.take_along_axis(scores, candidates, axis=1)
    excluded = np.asarray(exclude[np.arange(scores.shape[0])[:, None], candidates].todense()) != 0
    low = np.where(excluded, np.inf, relevance).min(axis=1, keepdims=True)
    spread = relevance.max(axis=1, keepdims=True) - low
    spread[spread == 0] = 1.0
    relevance = (relevance - low) / spread
    pool_vectors = vectors[candidates]  # users × size × dim
    sims = np.einsum("upd,uqd->upq", pool_vectors, pool_vectors)
    n_users = scores.shape[0]
    max_sim = np.zeros((n_users, size), dtype=np.float32)
    available = ~excluded  # tiny catalogs: the pool may reach excluded items, never pick them
    chosen = np.zeros((n_users, k), dtype=np.int64)
    every = np.arange(n_users)
    for step in range(k):
        value = np.where(available, lam * relevance - (1.0 - lam) * (max_sim if step else 0.0), -np.inf)
        best = np.argmax(value, axis=1)
        chosen[:, step] = candidates[every, best]
        available[every, best] = False
        max_sim = sims[every, best] if step == 0 else np.maximum(max_sim, sims[every, best])
    return chosen
