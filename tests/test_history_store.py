"""History store, on SQLite and on PostgreSQL (`store_engine`): concurrent appends from many threads, forgetting
a user, the latest signal winning, and events that cannot be changed once written."""

from __future__ import annotations

import sqlite3
import threading

import psycopg
import pytest

from tests.store_engines import StoreEngine

THREADS = 16
PER_THREAD = 40


def test_many_threads_appending(store_engine: StoreEngine) -> None:
    store = store_engine.history()
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker(n: int) -> None:
        try:
            start.wait()
            for i in range(PER_THREAD):
                store.add_event(f"user-{n % 4}", f"item-{n}-{i}", "like" if i % 2 else "seen", ts=1_000 + i)
                store.seen_ids(f"user-{n % 4}")  # reads interleaved with writes
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(store.count_rows(f"user-{u}") for u in range(4)) == THREADS * PER_THREAD
    assert sorted(store.users()) == [f"user-{u}" for u in range(4)]
    assert len(store.seen_ids("user-0")) == (THREADS // 4) * PER_THREAD
    store.close()
    reopened = store_engine.history()  # durable: a new connection (pool) reads every row back
    assert reopened.fingerprint().startswith(f"{THREADS * PER_THREAD}:")


def test_delete_user_forgets_only_that_user(store_engine: StoreEngine) -> None:
    store = store_engine.history()
    store.add_event("alice", "1", "rating", 4.5)
    store.add_event("alice", "2", "dislike")
    store.add_event("bob", "1", "like")
    assert store.delete_user("alice") == 2
    assert store.events("alice") == [] and store.seen_ids("alice") == set()
    assert store.liked("bob") == {"1": 5.0}
    assert store.delete_user("alice") == 0
    assert store.users() == ["bob"]


def test_latest_signal_wins(store_engine: StoreEngine) -> None:
    store = store_engine.history()
    store.add_event("alice", "1", "dislike", ts=10)
    store.add_event("alice", "1", "like", ts=20)
    store.add_event("alice", "2", "rating", 2.0, ts=30)
    assert store.liked("alice") == {"1": 5.0}
    assert store.disliked_ids("alice") == {"2"}
    assert store.seen_ids("alice") == {"1", "2"}


@pytest.mark.parametrize("table", ["events", "interactions"])
def test_events_are_append_only(store_engine: StoreEngine, table: str) -> None:
    store = store_engine.history()
    store.add_event("alice", "1", "like")
    store_engine.execute(
        "INSERT INTO interactions (event_id, user_id, item_id, kind, value, ts) VALUES (?, ?, ?, ?, ?, ?)",
        ("e1", "alice", "1", "view", None, 5),
    )
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.RaiseException), match="append-only"):
        store_engine.execute(f"UPDATE {table} SET item_id = ? WHERE user_id = ?", ("2", "alice"))
    assert {e.item_id for e in store.events("alice")} == {"1"}
    assert store.delete_user("alice") == 2  # forget-me still deletes them
