"""`concierge train` learns from the events under the event weights, and the scheduled retrain swaps the new
model into the running process when the history changed."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from bot.composition import Components, Overrides
from bot.concierge import Concierge
from bot.config import Settings
from bot.ops.retrain import ScheduledRetrain
from store.catalog import CatalogStore
from store.embedder import HashingEmbedder
from store.event_weights import EventWeights
from store.history import HistoryStore
from store.interactions import ingest_events
from store.items import CatalogItem
from tools.recommender.ease import EaseModel, fit_ease
from tools.recommender.training import train_recommender

ITEMS = [CatalogItem(f"i{n}", f"Item {n}", 2000 + n, ("Kitchen",)) for n in range(6)]
LAM = 2.0


@pytest.fixture(scope="module")
def catalog() -> CatalogStore:
    return CatalogStore.from_items(ITEMS, HashingEmbedder())


def row(n: int, user: str, item: str, kind: str, value: float | None = None) -> dict[str, object]:
    return {"event_id": f"e{n}", "user_id": user, "item_id": item, "kind": kind, "timestamp": 1_000 + n, "value": value}


ROWS = [
    row(1, "u1", "i0", "purchase"),
    row(2, "u1", "i1", "view"),
    row(3, "u2", "i0", "add_to_cart"),
    row(4, "u2", "i2", "click"),
    row(5, "u3", "i1", "rating", 4.0),
    row(6, "u3", "i2", "purchase"),
    row(7, "u3", "i3", "view"),
]


def trained(tmp_path: Path, catalog: CatalogStore, weights: EventWeights) -> EaseModel:
    history = HistoryStore(tmp_path / "history.sqlite3", weights)
    ingest_events(history, ROWS, lambda item: catalog.get(item) is not None)
    summary = train_recommender(tmp_path / "models", catalog, history, lam=LAM)
    assert summary["skipped"] is False and summary["positives"] == len(ROWS)
    return EaseModel.load(tmp_path / "models")


def test_training_uses_the_event_weights(tmp_path: Path, catalog: CatalogStore) -> None:
    model = trained(tmp_path, catalog, EventWeights.load())
    assert model.item_ids == ["i0", "i1", "i2", "i3"]
    # the matrix the weights say: purchase 1.0, view 0.1, add_to_cart 0.6, click 0.3, a rating of 4 = 0.8
    weighted = np.array([[1.0, 0.1, 0, 0], [0.6, 0, 0.3, 0], [0, 0.8, 1.0, 0.1]], dtype=np.float32)
    expected = fit_ease(sp.csr_matrix(weighted), LAM)
    binary = fit_ease(sp.csr_matrix((weighted > 0).astype(np.float32)), LAM)
    assert np.allclose(model.weights, expected, atol=2e-3)
    assert not np.allclose(model.weights, binary, atol=2e-2)  # ignoring the weights would give this model


def test_a_zero_weight_kind_teaches_the_model_nothing(tmp_path: Path, catalog: CatalogStore) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text("kinds: {view: 0}\n", encoding="utf-8")
    history = HistoryStore(tmp_path / "history.sqlite3", EventWeights.load(path))
    ingest_events(history, ROWS, lambda item: catalog.get(item) is not None)
    summary = train_recommender(tmp_path / "models", catalog, history, lam=LAM)
    model = EaseModel.load(tmp_path / "models")
    assert summary["positives"] == len(ROWS) - 2  # the two views
    assert model.item_ids == ["i0", "i1", "i2"]  # i3 was only viewed


def test_new_weights_retrain_the_same_history(tmp_path: Path, catalog: CatalogStore) -> None:
    history = HistoryStore(tmp_path / "history.sqlite3")
    ingest_events(history, ROWS, lambda item: catalog.get(item) is not None)
    assert train_recommender(tmp_path / "models", catalog, history, lam=LAM)["skipped"] is False
    assert train_recommender(tmp_path / "models", catalog, history, lam=LAM)["skipped"] is True
    path = tmp_path / "weights.yaml"
    path.write_text("kinds: {click: 0.9}\n", encoding="utf-8")
    reweighted = HistoryStore(tmp_path / "history.sqlite3", EventWeights.load(path))
    assert train_recommender(tmp_path / "models", catalog, reweighted, lam=LAM)["skipped"] is False


def backend(tmp_path: Path, catalog: CatalogStore) -> Concierge:
    settings = Settings(home=tmp_path / "home")
    history = HistoryStore(settings.history_path)
    return Concierge(Components(settings, Overrides(embedder=catalog.embedder, catalog=catalog, history=history)))


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_scheduled_retrain_swaps_the_model_when_the_history_changed(tmp_path: Path, catalog: CatalogStore) -> None:
    concierge = backend(tmp_path, catalog)
    parts = concierge.components
    assert parts.recommender is not None and parts.recommender.kind == "content"  # nothing trained yet
    assert parts.retrain_recommender()["skipped"] is True  # no events yet: nothing to learn
    clock = FakeClock()
    schedule = ScheduledRetrain(parts.history.fingerprint, parts.retrain_recommender, 60.0, clock=clock)
    concierge.ingest_events(ROWS[:4])
    assert schedule.retrain_if_changed() is not None
    first = parts.recommender
    assert first is not None and first.ease is not None and first.ease.item_ids == ["i0", "i1", "i2"]
    concierge.ingest_events(ROWS)
    clock.now = 30.0
    assert schedule.retrain_if_changed() is None and parts.recommender is first  # the interval has not passed
    clock.now = 61.0
    assert schedule.retrain_if_changed() is not None
    second = parts.recommender
    assert second is not first and second is not None and second.ease is not None
    assert second.ease.item_ids == ["i0", "i1", "i2", "i3"]
    clock.now = 200.0
    assert schedule.retrain_if_changed() is None and schedule.runs == 2  # unchanged history: no training


def test_the_background_schedule_retrains_a_running_process(tmp_path: Path, catalog: CatalogStore) -> None:
    concierge = backend(tmp_path, catalog)
    parts = concierge.components
    concierge.ingest_events(ROWS[:2])
    parts.retrain_recommender()
    before = parts.recommender
    assert before is not None and before.ease is not None and "i3" not in before.ease.item_ids
    schedule = ScheduledRetrain(parts.history.fingerprint, parts.retrain_recommender, 0.05).start()
    try:
        concierge.ingest_events(ROWS)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            current = parts.recommender
            if current is not before and current is not None and current.ease and "i3" in current.ease.item_ids:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the scheduled retrain did not swap in a model trained on the new events within 60 s")
    finally:
        schedule.stop()


def test_a_process_sharing_the_models_folder_serves_the_weights_another_trained(
    tmp_path: Path, catalog: CatalogStore
) -> None:
    """Two workers (or instances) on one home and one history: the one whose retrain finds the weights current
    (another trained them) still swaps them in, instead of serving its old model forever."""
    first = backend(tmp_path, catalog)
    settings = first.components.settings
    other = Concierge(
        Components(settings, Overrides(embedder=catalog.embedder, catalog=catalog, history=first.components.history))
    )
    first.ingest_events(ROWS)
    assert other.components.recommender is not None and other.components.recommender.kind == "content"
    assert first.components.retrain_recommender()["skipped"] is False  # the first one trains
    summary = other.components.retrain_recommender()
    assert summary["skipped"] is True  # the other finds the weights current: no second training ...
    served = other.components.recommender  # ... and serves them
    assert served is not None and served.ease is not None and served.ease.item_ids == ["i0", "i1", "i2", "i3"]
    again = other.components.retrain_recommender()
    assert again["skipped"] is True and other.components.recommender is served  # unchanged: no reload


def test_concurrent_trainings_of_one_folder_train_once(tmp_path: Path, catalog: CatalogStore) -> None:
    """The lock file: two trainings of one models folder at once (two workers' schedules) do not both train or
    write the weights at the same time; the second waits, then finds them current."""
    history = HistoryStore(tmp_path / "history.sqlite3", EventWeights.load())
    ingest_events(history, ROWS, lambda item: catalog.get(item) is not None)
    with ThreadPoolExecutor(2) as pool:
        summaries = list(pool.map(lambda _: train_recommender(tmp_path / "models", catalog, history, lam=LAM), (1, 2)))
    assert sorted(s["skipped"] for s in summaries) == [False, True], summaries
    assert EaseModel.load(tmp_path / "models").item_ids == ["i0", "i1", "i2", "i3"]
