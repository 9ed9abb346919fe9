"""`concierge eval`: offline comparison of the recommenders on a temporal split of the demo ratings.

Protocol (docs/evaluation.md): positives = rating ≥ 4; per user the most recent 20% of positives are the
test set; EASE λ (and, with --tune, the hybrid weights) are chosen on a validation split carved the same
way from the training data; full ranking over the catalog, the user's training items excluded.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from store.catalog import CatalogStore
from store.chroma_client import ChromaConfig
from store.movielens import load_ratings
from tools.recommender.eval_models import (
    FLOOR,
    content_scores,
    ease_scores,
    fit_ease_subset,
    hybrid_popularity,
    hybrid_scores,
    itemknn_scores,
    mmr_rerank,
    popularity_scores,
)
from tools.recommender.hybrid import HybridWeights
from tools.recommender.metrics import (
    Interactions,
    K,
    coverage,
    mean_popularity,
    paired_ratio,
    per_user_metrics,
    popularity_percentiles,
    ranking_metrics,
    temporal_holdout,
    top_k,
)
from tools.recommender.ranking_steps import fresh_popularity

POSITIVE = 4.0  # implicit positive for training and test
LIKED = 3.5  # the product's history: ratings ≥ 3.5 weighted rating/5 (HistoryStore.liked)
COLD = 10  # cold users: at most this many training positives
LAMBDAS = (30.0, 60.0, 120.0, 250.0, 500.0)
MODELS = ("popularity", "itemknn", "ease", "content", "hybrid")
TUNE_GRID = {
    "content": (0.0, 0.1, 0.2, 0.35, 0.5),
    "content_cold": (0.2, 0.4, 0.8, 1.2, 2.0),
    "popularity": (0.0, 0.04, 0.08, 0.15, 0.3),
    "freshness": (0.0, 1.0, 3.0, 6.0),
}


class _VectorsOnly:
    """The catalog needs an embedder object; the evaluation only reads stored vectors, never embeds."""

    dim = 384

    def embed(self, texts: Any, *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        raise RuntimeError("the evaluation reads stored catalog vectors and never embeds text")


@dataclass
class Split:
    """One train / held-out split: the matrices every model needs."""

    train: Interactions
    truth: sp.csr_matrix  # users × items, held-out positives
    positives: sp.csr_matrix  # binary training positives (≥ POSITIVE)
    liked: sp.csr_matrix  # training ratings ≥ LIKED, weighted rating/5 (the hybrid's history)
    exclude: sp.csr_matrix  # every training row
    users: np.ndarray  # users with held-out positives
    cold: np.ndarray  # subset of users with ≤ COLD training positives

    @classmethod
    def make(cls, data: Interactions, held: np.ndarray) -> Split:
        train = data.subset(~held)
        truth = data.subset(held).matrix()
        positives = train.matrix(POSITIVE)
        users = np.flatnonzero(truth.getnnz(axis=1) > 0)
        cold = users[positives.getnnz(axis=1)[users] <= COLD]
        return cls(train, truth, positives, train.matrix(LIKED, weighted=True), train.matrix(), users, cold)

    def popularity(self, years: np.ndarray, weights: HybridWeights) -> np.ndarray:
        """HybridRanker's prior from the training ratings, recent releases (`years`, by catalog row) raised."""
        counts = np.bincount(self.train.items, minlength=self.train.n_items).astype(np.float32)
        sums = np.bincount(self.train.items, weights=self.train.ratings, minlength=self.train.n_items)
        prior = hybrid_popularity(counts, sums.astype(np.float32))
        return fresh_popularity(prior, years, weights.freshness, weights.freshness_years)


def load_interactions(chroma: ChromaConfig, data_dir: Path) -> tuple[Interactions, np.ndarray, np.ndarray]:
    """Demo ratings mapped onto the catalog order, the catalog's item vectors and release years (0 = none);
    read-only."""
    catalog = CatalogStore.open(chroma, _VectorsOnly())
    ratings = load_ratings(data_dir)
    positions = np.array([catalog.position(i) if catalog.position(i) is not None else -1 for i in ratings.item_ids])
    known = positions >= 0
    user_ids, users = np.unique(ratings.user_ids[known].astype(str), return_inverse=True)
    data = Interactions(
        users.astype(np.int64),
        positions[known].astype(np.int64),
        ratings.ratings[known].astype(np.float32),
        ratings.timestamps[known].astype(np.int64),
        len(user_ids),
        catalog.count(),
    )
    years = np.array([item.year or 0 for item in catalog.items()], dtype=np.float32)
    return data, catalog.matrix, years


def _ndcg(recommended: np.ndarray, split: Split, users: np.ndarray) -> float:
    return ranking_metrics(recommended, split.truth, users)["ndcg"]


def choose_lambda(split: Split, grid: tuple[float, ...]) -> tuple[float, dict[float, float], np.ndarray]:
    """The λ with the best validation NDCG@K, every λ's score, and the best model's collaborative scores."""
    results: dict[float, float] = {}
    best: tuple[float, np.ndarray] | None = None
    for lam in grid:
        cols, b = fit_ease_subset(split.positives, lam)
        ranked = top_k(ease_scores(split.positives, cols, b, FLOOR), split.exclude)
        results[lam] = _ndcg(ranked, split, split.users)
        if best is None or results[lam] > results[best[0]]:
            best = (lam, ease_scores(split.liked, cols, b))
    assert best is not None
    return best[0], results, best[1]


def tune_hybrid(
    split: Split, collab: np.ndarray, vectors: np.ndarray, years: np.ndarray, base: HybridWeights
) -> HybridWeights:
    """Grid search of the hybrid weights on the validation split: popularity (and for each, the warm and cold
    content weights separately), then the freshness of the prior at the best of those."""
    content = content_scores(split.liked, vectors)
    sizes = split.liked.getnnz(axis=1)
    warm = np.setdiff1d(split.users, split.cold)
    best: tuple[float, HybridWeights] | None = None
    for pop in TUNE_GRID["popularity"]:
        chosen = replace(base, popularity=pop)
        popularity = split.popularity(years, chosen)
        for field, users in (("content", warm), ("content_cold", split.cold)):
            scored = []
            for value in TUNE_GRID[field]:
                weights = replace(chosen, content=value) if field == "content" else replace(chosen, content_cold=value)
                ranked = top_k(hybrid_scores(collab, content, popularity, sizes, split.exclude, weights), split.exclude)
                scored.append((_ndcg(ranked, split, users), value))
            best_value = max(scored)[1]
            chosen = (
                replace(chosen, content=best_value) if field == "content" else replace(chosen, content_cold=best_value)
            )
        ranked = top_k(hybrid_scores(collab, content, popularity, sizes, split.exclude, chosen), split.exclude)
        score = _ndcg(ranked, split, split.users)
        if best is None or score > best[0]:
            best = (score, chosen)
    assert best is not None
    for fresh in TUNE_GRID["freshness"]:
        chosen = replace(best[1], freshness=fresh)
        popularity = split.popularity(years, chosen)
        ranked = top_k(hybrid_scores(collab, content, popularity, sizes, split.exclude, chosen), split.exclude)
        score = _ndcg(ranked, split, split.users)
        if score > best[0]:
            best = (score, chosen)
    return best[1]


def rank_all(
    split: Split, vectors: np.ndarray, years: np.ndarray, lam: float, weights: HybridWeights
) -> dict[str, np.ndarray]:
    """Top-K lists (users × K catalog positions) of every model on one split."""
    ranked: dict[str, np.ndarray] = {}
    pop = popularity_scores(split.positives)
    ranked["popularity"] = top_k(np.broadcast_to(pop, split.exclude.shape), split.exclude)
    ranked["itemknn"] = top_k(itemknn_scores(split.positives), split.exclude)
    cols, b = fit_ease_subset(split.positives, lam)
    ranked["ease"] = top_k(ease_scores(split.positives, cols, b, FLOOR), split.exclude)
    content = content_scores(split.liked, vectors)
    ranked["content"] = top_k(content, split.exclude)
    sizes = split.liked.getnnz(axis=1)
    hybrid = hybrid_scores(
        ease_scores(split.liked, cols, b), content, split.popularity(years, weights), sizes, split.exclude, weights
    )
    ranked["hybrid-nommr"] = top_k(hybrid, split.exclude)
    ranked["hybrid"] = mmr_rerank(hybrid, split.exclude, vectors, K, weights.mmr_lambda)
    return ranked


def run_eval(
    chroma: ChromaConfig, data_dir: Path, sample_users: int | None = None, tune: bool = False, seed: int = 0
) -> dict[str, Any]:
    """The whole protocol; returns {"rows": [...one per model and slice...], "meta": {...}}."""
    started = time.perf_counter()
    data, vectors, years = load_interactions(chroma, data_dir)
    if sample_users is not None and sample_users < data.n_users:
        keep_users = np.random.default_rng(seed).choice(data.n_users, sample_users, replace=False)
        data = data.subset(np.isin(data.users, keep_users))
    test = Split.make(data, temporal_holdout(data, POSITIVE))
    validation = Split.make(test.train, temporal_holdout(test.train, POSITIVE))
    loaded = time.perf_counter()
    lam, lambda_ndcg, val_collab = choose_lambda(validation, LAMBDAS)
    weights = HybridWeights()
    if tune:
        weights = tune_hybrid(validation, val_collab, vectors, years, weights)
    tuned = time.perf_counter()
    ranked = rank_all(test, vectors, years, lam, weights)
    percentiles = popularity_percentiles(popularity_scores(test.positives))
    rows = []
    for name, slice_users in itertools.product(ranked, (("all", test.users), ("cold", test.cold))):
        label, users = slice_users
        metrics = ranking_metrics(ranked[name], test.truth, users)
        rows.append(
            {
                "model": name,
                "slice": label,
                "users": metrics["users"],
                f"recall@{K}": round(metrics["recall"], 4),
                f"ndcg@{K}": round(metrics["ndcg"], 4),
                "coverage": round(coverage(ranked[name], users, data.n_items), 4),
                "popularity_pct": round(mean_popularity(ranked[name], users, percentiles), 4),
            }
        )
    versus = {}
    for label, users in (("all", test.users), ("cold", test.cold)):
        hybrid_ndcg = per_user_metrics(ranked["hybrid"], test.truth, users)[1]
        ease_ndcg = per_user_metrics(ranked["ease"], test.truth, users)[1]
        versus[label] = {k: round(v, 4) for k, v in paired_ratio(hybrid_ndcg, ease_ndcg).items()}
    meta = {
        "hybrid_vs_ease_ndcg": versus,
        "users": int(data.n_users),
        "items": int(data.n_items),
        "lambda": lam,
        "lambda_validation_ndcg": {str(k): round(v, 4) for k, v in lambda_ndcg.items()},
        "hybrid_weights": {f: getattr(weights, f) for f in weights.__dataclass_fields__},
        "tuned": tune,
        "seconds": {
            "load": round(loaded - started, 1),
            "validation": round(tuned - loaded, 1),
            "test": round(time.perf_counter() - tuned, 1),
            "total": round(time.perf_counter() - started, 1),
        },
    }
    return {"rows": rows, "meta": meta}


def format_table(result: dict[str, Any]) -> str:
    head = f"{'model':<14}{'slice':<6}{'users':>6}{'R@20':>8}{'NDCG@20':>9}{'cover':>8}{'pop%':>7}"
    lines = [head, "-" * len(head)]
    for row in result["rows"]:
        lines.append(
            f"{row['model']:<14}{row['slice']:<6}{row['users']:>6}{row[f'recall@{K}']:>8.4f}"
            f"{row[f'ndcg@{K}']:>9.4f}{row['coverage']:>8.4f}{row['popularity_pct']:>7.3f}"
        )
    meta = result["meta"]
    lines.append(f"EASE λ={meta['lambda']:g} (validation NDCG@20 {meta['lambda_validation_ndcg']})")
    for label, cmp in meta["hybrid_vs_ease_ndcg"].items():
        lines.append(
            f"hybrid / EASE NDCG@20 ({label}): {cmp['ratio']:.3f}× "
            f"(paired diff {cmp['diff']:+.4f} ± {cmp['se']:.4f} SE)"
        )
    lines.append(f"hybrid weights: {meta['hybrid_weights']}")
    lines.append(f"time: {meta['seconds']}")
    return "\n".join(lines)
