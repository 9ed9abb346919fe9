"""Offline evaluation helpers: the temporal leave-last-out split, top-k ranking and ranking metrics.

All functions work on whole matrices (users × items) so that every model is scored in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

K = 20


@dataclass(frozen=True, slots=True)
class Interactions:
    """Rating rows with integer user / item indices (items index the catalog order)."""

    users: np.ndarray  # int64 user index
    items: np.ndarray  # int64 catalog position
    ratings: np.ndarray  # float32
    timestamps: np.ndarray  # int64
    n_users: int
    n_items: int

    def subset(self, mask: np.ndarray) -> Interactions:
        return Interactions(
            self.users[mask], self.items[mask], self.ratings[mask], self.timestamps[mask], self.n_users, self.n_items
        )

    def matrix(self, min_rating: float | None = None, weighted: bool = False) -> sp.csr_matrix:
        """users × items, binary (or rating/5 when `weighted`), rows with rating < min_rating dropped."""
        keep = np.ones(len(self.users), dtype=bool) if min_rating is None else self.ratings >= min_rating
        data = (self.ratings[keep] / 5.0) if weighted else np.ones(int(keep.sum()), dtype=np.float32)
        m = sp.csr_matrix(
            (data.astype(np.float32), (self.users[keep], self.items[keep])),
            shape=(self.n_users, self.n_items),
            dtype=np.float32,
        )
        m.sum_duplicates()
        if not weighted:
            m.data[:] = 1.0
        return m


def temporal_holdout(
    data: Interactions, min_rating: float = 4.0, fraction: float = 0.2, min_positives: int = 5
) -> np.ndarray:
    """Bool mask over rows: the most recent `fraction` of each user's positives (users with ≥ min_positives).

    Recency is (timestamp, then item position) so ties are broken deterministically; at least one row is
    held out per eligible user.
    """
    held = np.zeros(len(data.users), dtype=bool)
    positive = np.flatnonzero(data.ratings >= min_rating)
    order = positive[np.lexsort((data.items[positive], data.timestamps[positive], data.users[positive]))]
    users = data.users[order]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    ends = np.r_[starts[1:], len(order)]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        count = end - start
        if count < min_positives:
            continue
        n_test = max(1, round(count * fraction))
        held[order[end - n_test : end]] = True
    return held


def top_k(scores: np.ndarray, exclude: sp.csr_matrix, k: int = K) -> np.ndarray:
    """Indices of the k best items per row (best first), items in `exclude` (non-zeros) never chosen."""
    scores = np.array(scores, dtype=np.float32, copy=True)
    rows, cols = exclude.nonzero()
    scores[rows, cols] = -np.inf
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def per_user_metrics(
    recommended: np.ndarray, truth: sp.csr_matrix, users: np.ndarray, k: int = K
) -> tuple[np.ndarray, np.ndarray]:
    """Per-user Recall@k (hits / min(k, |test|)) and NDCG@k (binary gains) for `users`."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    truth_rows = truth[users]
    hits = np.asarray(truth_rows[np.arange(len(users))[:, None], recommended[users, :k]].todense()) > 0
    n_true = np.asarray(truth_rows.getnnz(axis=1))
    ideal = np.cumsum(discounts)[np.minimum(n_true, k) - 1]
    return hits.sum(axis=1) / np.minimum(n_true, k), (hits * discounts).sum(axis=1) / ideal


def ranking_metrics(recommended: np.ndarray, truth: sp.csr_matrix, users: np.ndarray, k: int = K) -> dict[str, float]:
    """Mean Recall@k and NDCG@k over `users`."""
    if users.size == 0:
        return {"recall": float("nan"), "ndcg": float("nan"), "users": 0}
    recall, ndcg = per_user_metrics(recommended, truth, users, k)
    return {"recall": float(recall.mean()), "ndcg": float(ndcg.mean()), "users": len(users)}


def paired_ratio(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """mean(a) / mean(b) and the standard error of the per-user difference a - b (same users)."""
    diff = a - b
    se = float(diff.std(ddof=1) / np.sqrt(len(diff))) if len(diff) > 1 else float("nan")
    return {"ratio": float(a.mean() / b.mean()) if b.mean() else float("nan"), "diff": float(diff.mean()), "se": se}


def coverage(recommended: np.ndarray, users: np.ndarray, n_items: int, k: int = K) -> float:
    """Share of catalog items recommended to at least one of `users` in their top k."""
    if users.size == 0:
        return float("nan")
    return float(np.unique(recommended[users, :k]).size / n_items)


def popularity_percentiles(counts: np.ndarray) -> np.ndarray:
    """Each item's popularity percentile in [0, 1] (1 = most popular), ties share their mean rank."""
    order = np.argsort(counts, kind="stable")
    ranks = np.empty(len(counts), dtype=np.float64)
    ranks[order] = np.arange(len(counts), dtype=np.float64)
    # average ranks over ties so that the long tail of zero-count items is not ordered arbitrarily
    _, inverse, tie_counts = np.unique(counts, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    ranks = (sums / tie_counts)[inverse]
    return ranks / max(1, len(counts) - 1)


def mean_popularity(recommended: np.ndarray, users: np.ndarray, percentiles: np.ndarray, k: int = K) -> float:
    if users.size == 0:
        return float("nan")
    return float(percentiles[recommended[users, :k]].mean())
