"""Shared helpers for catalog tests: a real subset of the demo items, settings in a temp folder."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.config import REPO_ROOT, Settings
from store.catalog import CatalogStore
from store.embedder import HashingEmbedder
from store.items import CatalogItem
from store.movielens import load_demo_items, load_ratings
from tools.recommender.ease import EaseModel, positive_interactions
from tools.recommender.hybrid import HybridRanker

DEMO_DATA = REPO_ROOT / "data"


@lru_cache(maxsize=1)
def demo_items() -> tuple[CatalogItem, ...]:
    return tuple(load_demo_items(DEMO_DATA))


def popular_items(n: int = 400) -> list[CatalogItem]:
    """The n most rated demo items (real titles, years, genres, overviews)."""
    return sorted(demo_items(), key=lambda i: -i.rating_count)[:n]


def tmp_settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(home=tmp_path / "home", data_dir=DEMO_DATA, **overrides)  # type: ignore[arg-type]


def demo_hybrid_ranker(count: int, lam: float) -> HybridRanker:
    """The hybrid ranker over the `count` most rated demo films (hashing embeddings), EASE^R trained with `lam` on
    the demo ratings (every rating a positive of its strength)."""
    items = popular_items(count)
    catalog = CatalogStore.from_items(items, HashingEmbedder())
    ratings = load_ratings(DEMO_DATA)
    signals = np.full(len(ratings), "rating", dtype=object)
    users, item_ids = positive_interactions(ratings.user_ids, ratings.item_ids, signals, ratings.ratings)
    return HybridRanker(catalog, EaseModel.train(users, item_ids, [i.item_id for i in items], lam, "test"))
