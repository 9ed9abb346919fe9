"""Evaluation metrics and split on tiny hand-made examples with known values, and the model pipeline."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from tools.recommender.eval_models import fit_ease_subset, itemknn_scores
from tools.recommender.evaluation import Split, rank_all
from tools.recommender.hybrid import HybridWeights
from tools.recommender.metrics import (
    Interactions,
    coverage,
    popularity_percentiles,
    ranking_metrics,
    temporal_holdout,
    top_k,
)


def test_ndcg_and_recall_known_values() -> None:
    recommended = np.array([[0, 1, 2], [3, 4, 5]])
    truth = sp.csr_matrix(np.array([[0, 1, 0, 1, 0, 0], [0, 0, 0, 1, 0, 1]], dtype=np.float32))
    m = ranking_metrics(recommended, truth, np.array([0]), k=3)
    # user 0: one hit at rank 2 of 2 relevant -> DCG 1/log2(3), IDCG 1 + 1/log2(3)
    assert m["ndcg"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert m["recall"] == pytest.approx(0.5)
    both = ranking_metrics(recommended, truth, np.array([0, 1]), k=3)
    # user 1: hits at ranks 1 and 3 of 2 relevant
    ndcg1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert both["ndcg"] == pytest.approx((m["ndcg"] + ndcg1) / 2)
    assert both["recall"] == pytest.approx(0.75)


def test_top_k_never_returns_excluded_and_is_sorted() -> None:
    scores = np.array([[0.9, 0.8, 0.1, 0.5], [0.0, 0.2, 0.3, 0.4]], dtype=np.float32)
    exclude = sp.csr_matrix(np.array([[1, 0, 0, 0], [0, 0, 0, 1]], dtype=np.float32))
    assert top_k(scores, exclude, 2).tolist() == [[1, 3], [2, 1]]


def test_temporal_holdout_takes_latest_positives() -> None:
    users = np.array([0] * 6 + [1] * 3)
    items = np.arange(9)
    ratings = np.array([5, 4, 2, 4, 5, 4, 5, 5, 5], dtype=np.float32)
    ts = np.array([1, 2, 9, 3, 4, 5, 1, 2, 3])
    held = temporal_holdout(Interactions(users, items, ratings, ts, 2, 9), min_rating=4.0, fraction=0.2)
    # user 0 has 5 positives -> the newest one (ts 5, item 5); the low rating at ts 9 is never held out
    assert np.flatnonzero(held).tolist() == [5]


def test_coverage_and_popularity_percentiles() -> None:
    recommended = np.array([[0, 1], [1, 2]])
    assert coverage(recommended, np.array([0, 1]), 10, k=2) == pytest.approx(0.3)
    pct = popularity_percentiles(np.array([0.0, 0.0, 5.0, 9.0]))
    assert pct.tolist() == pytest.approx([1 / 6, 1 / 6, 2 / 3, 1.0])


def test_ease_subset_matches_closed_form() -> None:
    rng = np.random.default_rng(0)
    x = sp.csr_matrix((rng.random((40, 12)) < 0.3).astype(np.float32))
    cols, b = fit_ease_subset(x, 5.0, min_item_count=1)
    dense = x[:, cols].toarray()
    p = np.linalg.inv(dense.T @ dense + 5.0 * np.eye(len(cols)))
    expected = p / -np.diag(p)
    np.fill_diagonal(expected, 0.0)
    assert b == pytest.approx(expected.astype(np.float32), abs=1e-4)


def test_itemknn_is_cosine_sum() -> None:
    x = sp.csr_matrix(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 0]], dtype=np.float32))
    dense = x.toarray()
    norms = np.linalg.norm(dense, axis=0)
    cosine = (dense.T @ dense) / np.outer(norms, norms)
    assert itemknn_scores(x) == pytest.approx(dense @ cosine, abs=1e-5)


def test_rank_all_pipeline_excludes_training_items() -> None:
    rng = np.random.default_rng(1)
    n_users, n_items = 30, 60
    users = np.repeat(np.arange(n_users), 12)
    items = np.concatenate([rng.choice(n_items, 12, replace=False) for _ in range(n_users)])
    ratings = rng.choice(np.array([2.0, 3.5, 4.0, 5.0], dtype=np.float32), len(users))
    data = Interactions(users, items, ratings, rng.integers(0, 1000, len(users)), n_users, n_items)
    split = Split.make(data, temporal_holdout(data))
    vectors = rng.normal(size=(n_items, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    years = rng.integers(1950, 2019, n_items).astype(np.float32)
    ranked = rank_all(split, vectors, years, 10.0, HybridWeights())
    assert set(ranked) >= {"popularity", "itemknn", "ease", "content", "hybrid"}
    for top in ranked.values():
        assert top.shape == (n_users, 20)
        for user in range(n_users):
            assert not set(top[user].tolist()) & set(split.exclude[user].indices.tolist())
            assert len(set(top[user].tolist())) == 20
