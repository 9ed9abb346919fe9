"""Session store, on SQLite and on PostgreSQL (`store_engine`): ownership, persistence across restarts,
forget-me, retention."""

from __future__ import annotations

import time

import pytest

from tests.store_engines import StoreEngine


def test_session_belongs_to_its_user(store_engine: StoreEngine) -> None:
    store = store_engine.sessions()
    sid = store.create("alice")
    assert store.owns("alice", sid)
    assert not store.owns("bob", sid)
    assert store.load_state("bob", sid) is None
    assert store.messages("bob", sid) is None
    with pytest.raises(LookupError):
        store.append_turn("bob", sid, [("user", "hi", {})], {})
    assert store.messages("alice", sid) == []


def test_turns_survive_a_restart(store_engine: StoreEngine) -> None:
    store = store_engine.sessions()
    sid = store.create("alice")
    store.append_turn("alice", sid, [("user", "hi", {}), ("assistant", "hello", {"items": [1]})], {"turn_index": 1})
    store.close()
    reopened = store_engine.sessions()
    messages = reopened.messages("alice", sid)
    assert [m["content"] for m in messages or []] == ["hi", "hello"]
    assert (messages or [])[1]["items"] == [1]
    assert reopened.load_state("alice", sid) == {"turn_index": 1}
    assert reopened.message_count("alice", sid) == 2


def test_delete_user_removes_every_row_of_that_user_only(store_engine: StoreEngine) -> None:
    store = store_engine.sessions()
    for user in ("alice", "bob"):
        sid = store.create(user)
        store.append_turn(user, sid, [("user", "x", {}), ("assistant", "y", {})], {})
    assert store.delete_user("alice") == {"sessions": 1, "messages": 2}
    assert store.count_rows("alice") == 0
    assert store.count_rows("bob") == 3


def test_purge_keeps_recent_transcripts(store_engine: StoreEngine) -> None:
    store = store_engine.sessions()
    old = store.create("alice")
    store.append_turn("alice", old, [("user", "old", {})], {})
    later = time.time() + 31 * 86400
    fresh = store.create("alice")
    deleted = store.purge_older_than(30, now=later)
    assert deleted == {"sessions": 2, "messages": 1}
    assert not store.owns("alice", fresh) and not store.owns("alice", old)
    recent = store.create("alice")
    assert store.purge_older_than(30) == {"sessions": 0, "messages": 0}
    assert store.owns("alice", recent)
