"""Build steps of the recommender (`concierge build-demo`, `concierge train`): demo history import and EASE^R
training, each skipped when its inputs are unchanged."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from filelock import FileLock

from store.catalog import CatalogStore
from store.history_base import History
from store.movielens import load_ratings
from tools.recommender.ease import EaseModel

DEFAULT_LAMBDA = 120.0
TRAIN_LOCK = ".train.lock"
TRAIN_LOCK_TIMEOUT_S = 3600.0  # a training of the full demo history takes seconds; another process's, at most this


def import_demo_history(history: History, data_dir: Path) -> dict[str, Any]:
    """The MovieLens ratings into the history store (SQLite or PostgreSQL), once."""
    return history.import_movielens(load_ratings(data_dir))


def train_recommender(
    models_dir: Path,
    catalog: CatalogStore,
    history: History,
    *,
    lam: float = DEFAULT_LAMBDA,
    force: bool = False,
    only_if_missing: bool = False,
) -> dict[str, Any]:
    """Train EASE^R on the history store's positive preferences and save the weights.

    The matrix entries are the preference strengths under the history's event weights (`store.event_weights`):
    a like or a purchase 1.0, a rating of 4 0.8, an add-to-cart 0.6 ... (`HistoryStore.training_preferences`).
    Skipped when the stored weights were trained on the same history, catalog size, λ and event weights (unless
    `force`), or, with `only_if_missing`, whenever weights exist at all (the demo build). One process at a time per
    models folder (a lock file): the others wait, then find the weights current and skip.
    """
    models_dir.mkdir(parents=True, exist_ok=True)
    with FileLock(models_dir / TRAIN_LOCK, timeout=TRAIN_LOCK_TIMEOUT_S):  # workers or instances sharing the folder
        return _train(models_dir, catalog, history, lam=lam, force=force, only_if_missing=only_if_missing)


def _train(
    models_dir: Path, catalog: CatalogStore, history: History, *, lam: float, force: bool, only_if_missing: bool
) -> dict[str, Any]:
    fingerprint = f"{history.fingerprint()}:{catalog.count()}:{lam}:w{history.weights.digest()}"
    stored = EaseModel.stored_fingerprint(models_dir)
    if not force and (stored == fingerprint or (only_if_missing and stored is not None)):
        return {"skipped": True, "fingerprint": stored}
    started = time.perf_counter()
    pos_users, pos_items, strengths = history.training_preferences()
    if len(pos_users) == 0:  # nothing to learn from (yet): the recommender stays content + popularity
        return {"skipped": True, "reason": "no positive interactions in the history", "positives": 0}
    candidates = [i.item_id for i in catalog.items()]
    model = EaseModel.train(pos_users, pos_items, candidates, lam, fingerprint, values=strengths)
    model.save(models_dir)
    return {
        "skipped": False,
        "items": len(model.item_ids),
        "positives": len(pos_users),
        "lambda": lam,
        "seconds": round(time.perf_counter() - started, 1),
    }


def newer_weights(models_dir: Path, served: EaseModel | None) -> bool:
    """Whether models_dir holds weights other than the served ones (this process, or another sharing the folder,
    trained since they were loaded)."""
    stored = EaseModel.stored_fingerprint(models_dir)
    return stored is not None and (served is None or stored != served.fingerprint)
