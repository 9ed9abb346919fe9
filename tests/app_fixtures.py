"""A real backend on a small catalog: real router, tools, stores and loop; hashing embedder; scripted LLM.

EASE is trained on the MovieLens ratings of the catalog's items, so recommendations are real.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.composition import Overrides
from bot.concierge import Concierge, build_backend
from bot.config import Settings
from store.catalog import CatalogStore
from store.database import History, open_history
from store.embedder import HashingEmbedder
from store.movielens import load_ratings
from tests.catalog_fixtures import DEMO_DATA, popular_items
from tools.chat_model import ChatModel
from tools.recommender.ease import EaseModel, positive_interactions
from tools.recommender.engine import Recommender

SMALL_CATALOG = 600
DEMO_USERS = 40


@lru_cache(maxsize=1)
def _small_parts() -> tuple[CatalogStore, EaseModel]:
    items = popular_items(SMALL_CATALOG)
    catalog = CatalogStore.from_items(items, HashingEmbedder())
    ratings = load_ratings(DEMO_DATA)
    ids = {i.item_id for i in items}
    keep = np.array([i in ids for i in ratings.item_ids.tolist()])
    users, item_ids = positive_interactions(
        ratings.user_ids[keep],
        ratings.item_ids[keep],
        np.full(int(keep.sum()), "rating", dtype=object),
        ratings.ratings[keep],
    )
    ease = EaseModel.train(users, item_ids, [i.item_id for i in items], 100.0, "small")
    return catalog, ease


def import_demo_users(history: History) -> None:
    """The MovieLens ratings of the first DEMO_USERS users."""
    from store.movielens import Ratings

    ratings = load_ratings(DEMO_DATA)
    wanted = {str(u) for u in range(1, DEMO_USERS + 1)}
    mask = np.array([u in wanted for u in ratings.user_ids.tolist()])
    history.import_movielens(
        Ratings(ratings.user_ids[mask], ratings.item_ids[mask], ratings.ratings[mask], ratings.timestamps[mask])
    )


def backend_over(
    home: Path,
    catalog: CatalogStore,
    ease: EaseModel,
    llm: ChatModel | None,
    overrides: dict[str, Any],
    **settings: Any,
) -> Concierge:
    """A warmed-up Concierge over catalog + EASE with the demo users' history; more Overrides fields by name."""
    config = Settings(home=home, data_dir=DEMO_DATA, **settings)
    history = open_history(config.database)  # SQLite under home, or PostgreSQL with database_url
    import_demo_users(history)
    parts = Overrides(
        embedder=catalog.embedder,
        catalog=catalog,
        history=history,
        recommender=Recommender(catalog, ease),
        llm=llm,
        **overrides,
    )
    backend = build_backend(config, parts)
    backend.warm_up()
    return backend


def small_backend(tmp_path: Path, llm: ChatModel | None = None, **settings: Any) -> Concierge:
    """A Concierge over 600 popular demo movies, with the first DEMO_USERS MovieLens users as demo users."""
    catalog, ease = _small_parts()
    return backend_over(tmp_path / "home", catalog, ease, llm, {}, **settings)
