"""Build steps of the recommender (`concierge build-demo`, `concierge train`): demo history import and EASE^R
training, each skipped when its inputs are unchanged."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from store.catalog import CatalogStore
from store.history import HistoryStore
from store.movielens import load_ratings
from tools.recommender.ease import EaseModel, positive_interactions

DEFAULT_LAMBDA = 120.0


def import_demo_history(history_path: Path, data_dir: Path) -> dict[str, Any]:
    history = HistoryStore(history_path)
    try:
        return history.import_movielens(load_ratings(data_dir))
    finally:
        history.close()


def train_recommender(
    models_dir: Path,
    catalog: CatalogStore,
    history: HistoryStore,
    *,
    lam: float = DEFAULT_LAMBDA,
    force: bool = False,
    only_if_missing: bool = False,
) -> dict[str, Any]:
    """Train EASE^R on the positive interactions in the history store and save the weights.

    Skipped when the stored weights were trained on the same history, catalog size and λ (unless `force`),
    or, with `only_if_missing`, whenever weights exist at all (the demo build).
    """
    fingerprint = f"{history.fingerprint()}:{catalog.count()}:{lam}"
    stored = EaseModel.stored_fingerprint(models_dir)
    if not force and (stored == fingerprint or (only_if_missing and stored is not None)):
        return {"skipped": True, "fingerprint": stored}
    started = time.perf_counter()
    users, items, signals, ratings = history.training_events()
    pos_users, pos_items = positive_interactions(users, items, signals, ratings)
    model = EaseModel.train(pos_users, pos_items, [i.item_id for i in catalog.items()], lam, fingerprint)
    model.save(models_dir)
    return {
        "skipped": False,
        "items": len(model.item_ids),
        "positives": len(pos_users),
        "lambda": lam,
        "seconds": round(time.perf_counter() - started, 1),
    }
