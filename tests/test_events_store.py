"""Event ingestion in the store (on SQLite and on PostgreSQL): row validation (each bad kind of row, with its
index, nothing written), idempotency by event_id, the event weights file, and events feeding `liked` and the
profile at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from store.event_weights import EventWeights, EventWeightsError
from store.history_base import History
from store.interactions import EventRowError, ingest_events, parse_timestamp
from tests.store_engines import StoreEngine

ITEMS = {"a1", "a2", "a3"}


def event(n: int, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "event_id": f"e{n}",
        "user_id": "u1",
        "item_id": "a1",
        "kind": "view",
        "timestamp": 1_700_000_000 + n,
    }
    row.update(fields)
    return row


@pytest.fixture
def history(store_engine: StoreEngine) -> History:
    """The history store on SQLite, then on PostgreSQL."""
    return store_engine.history()


def ingest(history: History, rows: list[Any]) -> dict[str, int]:
    return ingest_events(history, rows, ITEMS.__contains__).to_dict()


def test_the_same_batch_twice_adds_nothing(history: History) -> None:
    batch = [event(1), event(2, kind="purchase", item_id="a2"), event(3, kind="rating", value=4.5, item_id="a3")]
    assert ingest(history, batch) == {"received": 3, "new": 3, "known": 0}
    before = (history.fingerprint(), history.events("u1"))
    assert ingest(history, batch) == {"received": 3, "new": 0, "known": 3}
    assert (history.fingerprint(), history.events("u1")) == before
    assert ingest(history, [*batch, event(4)]) == {"received": 4, "new": 1, "known": 3}
    assert history.count_rows("u1") == 4


def test_a_repeated_row_inside_one_batch_counts_once(history: History) -> None:
    assert ingest(history, [event(1), event(1)]) == {"received": 2, "new": 1, "known": 1}


BAD_ROWS = [
    (event(9, item_id="x"), "unknown item id 'x'"),
    (event(9, kind="rating"), "rating needs a value 0.5-5"),
    (event(9, kind="rating", value=7), "rating needs a value 0.5-5"),
    (event(9, kind="rating", value="great"), "value must be a number"),
    (event(9, kind="wishlist"), "unknown kind 'wishlist'"),
    (event(9, timestamp="yesterday"), "neither ISO 8601 nor epoch seconds"),
    (event(9, timestamp=1_700_000_000_000), "in the future (milliseconds? use seconds)"),
    (event(9, timestamp=-5), "before 1970"),
    (event(9, user_id=""), "missing user_id"),
    ({k: v for k, v in event(9).items() if k != "user_id"}, "missing user_id"),
    ({k: v for k, v in event(9).items() if k != "event_id"}, "missing event_id"),
    ({k: v for k, v in event(9).items() if k != "timestamp"}, "missing timestamp"),
    (event(9, item_id=["a1"]), "item_id must be text"),
    ("not an object", "an event is an object"),
    (event(1, item_id="a2"), "event_id 'e1' appears twice with different fields"),
]


@pytest.mark.parametrize(("bad", "problem"), BAD_ROWS, ids=[p for _, p in BAD_ROWS])
def test_a_bad_row_names_its_index_and_nothing_is_written(history: History, bad: Any, problem: str) -> None:
    batch: list[Any] = [event(1), event(2), event(3), bad, event(4)]
    with pytest.raises(EventRowError) as caught:
        ingest(history, batch)
    assert caught.value.index == 3
    assert str(caught.value).startswith("events[3]: ") and problem in str(caught.value)
    assert history.events("u1") == [] and history.fingerprint() == "0:0"


def test_an_event_id_stored_with_other_fields_is_refused_whole(history: History) -> None:
    ingest(history, [event(1)])
    with pytest.raises(EventRowError, match=r"events\[1\]: event_id 'e1' is already stored with different fields"):
        ingest(history, [event(2), event(1, kind="purchase")])
    assert [e.item_id for e in history.events("u1")] == ["a1"]  # e2 was not written either


def test_timestamps_iso_and_epoch() -> None:
    now = 1_800_000_000.0
    assert parse_timestamp("2026-11-30T14:05:00Z", now) == parse_timestamp("2026-11-30T15:05:00+01:00", now)
    assert parse_timestamp("2026-11-30T14:05:00", now) == parse_timestamp("2026-11-30T14:05:00Z", now)  # UTC
    assert parse_timestamp("1700000000", now) == parse_timestamp(1_700_000_000.7, now) == 1_700_000_000


def test_events_feed_liked_and_keep_feedback_working(history: History) -> None:
    history.add_event("u1", "a1", "like", ts=100)
    ingest(
        history,
        [
            event(1, item_id="a1", timestamp=200),  # a later view does not undo the like
            event(2, item_id="a2", kind="purchase"),
            event(3, item_id="a3", kind="add_to_cart"),
            event(4, item_id="a3", kind="add_to_cart"),
        ],
    )
    liked = history.liked("u1")
    assert liked["a1"] == 5.0 and liked["a2"] == 5.0
    assert liked["a3"] == pytest.approx(5.0 * (1 - 0.4 * 0.4))  # two add-to-carts: the noisy-OR of 0.6 twice
    assert history.seen_ids("u1") == {"a1", "a2", "a3"}
    history.add_event("u1", "a2", "dislike")  # what the user says beats what they did
    assert "a2" not in history.liked("u1") and "a2" in history.disliked_ids("u1")
    ingest(history, [event(5, item_id="a3", kind="rating", value=2.0)])
    assert "a3" not in history.liked("u1") and "a3" in history.disliked_ids("u1")


def test_forget_me_deletes_the_events_too(history: History) -> None:
    history.add_event("u1", "a1", "like")
    ingest(history, [event(1), event(2, user_id="u2")])
    assert history.delete_user("u1") == 2
    assert history.events("u1") == [] and history.users() == ["u2"]


def test_weights_file_overrides_the_defaults(tmp_path: Path, store_engine: StoreEngine) -> None:
    defaults = EventWeights.load()
    assert dict(defaults.kinds) == {"purchase": 1.0, "add_to_cart": 0.6, "click": 0.3, "view": 0.1}
    assert defaults.strength("rating", 4.0) == pytest.approx(0.8) and defaults.strength("rating", 3.0) == 0.0
    path = tmp_path / "weights.yaml"
    path.write_text("kinds: {view: 0.0, click: 0.5}\nrating: {positive_from: 4.5}\n", encoding="utf-8")
    custom = EventWeights.load(path)
    assert custom.strength("view") == 0.0 and custom.strength("click") == 0.5 and custom.strength("purchase") == 1.0
    assert custom.strength("rating", 4.0) == 0.0 and custom.digest() != defaults.digest()
    history = store_engine.history(custom)
    ingest(history, [event(1), event(2, item_id="a2", kind="click")])
    assert history.liked("u1") == {"a2": 2.5}  # the zero-weight view is stored and seen, but no preference
    assert history.seen_ids("u1") == {"a1", "a2"}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("kinds: {wishlist: 0.5}\n", "kinds.wishlist: unknown kind"),
        ("kinds: {view: 2}\n", "kinds.view: a weight is between 0 and 1"),
        ("kinds: [view]\n", "kinds"),
        ("rating: {positive_from: 9}\n", "rating.positive_from"),
        ("kinds: {view: 0.1\n", "not valid YAML"),
        ("weights: {}\n", "weights"),
    ],
)
def test_a_bad_weights_file_names_the_file_and_the_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EventWeightsError) as caught:
        EventWeights.load(path)
    assert str(caught.value).startswith(f"{path}: ") and problem in str(caught.value)
