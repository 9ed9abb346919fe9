"""User interaction history in SQLite (the zero-setup engine): append-only events (rating, like, dislike, seen)
with timestamps, and the interactions the shop's own systems send (view, click, add_to_cart, purchase, rating;
idempotent by event_id). The engine-neutral part (Event, `History`, preferences) is store/history_base.py; the
PostgreSQL engine is store/postgres/history.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from store.event_weights import RATING_KIND, EventWeights
from store.history_base import (
    DEMO_SOURCE,
    SHOP_SOURCE,
    SIGNALS,
    CountAndMax,
    Event,
    History,
    OpinionRow,
    RatingRow,
    check_event,
    fresh_interactions,
    latest_opinions,
)
from store.interactions import Interaction
from store.sqlite import SqliteFile

__all__ = ["DEMO_SOURCE", "SHOP_SOURCE", "SIGNALS", "Event", "HistoryStore", "latest_opinions"]

ID_CHUNK = 500  # event ids per lookup of already stored events (SQLite's host parameter limit is higher)
SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    signal TEXT NOT NULL CHECK (signal IN ('rating', 'like', 'dislike', 'seen')),
    rating REAL,
    ts INTEGER NOT NULL,
    source TEXT NOT NULL DEFAULT 'app'
);
CREATE INDEX IF NOT EXISTS events_user ON events(user_id, ts);
CREATE TABLE IF NOT EXISTS imports (name TEXT PRIMARY KEY, rows INTEGER NOT NULL, ts INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS interactions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('view', 'click', 'add_to_cart', 'purchase', 'rating')),
    value REAL,
    ts INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS interactions_user ON interactions(user_id, ts);
CREATE TRIGGER IF NOT EXISTS events_append_only BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER IF NOT EXISTS interactions_append_only BEFORE UPDATE ON interactions
BEGIN SELECT RAISE(ABORT, 'interactions are append-only'); END;
"""
# One user's events of both tables, oldest first (an interaction reads as an Event with signal = its kind).
USER_EVENTS = """
SELECT user_id, item_id, signal, rating, ts, source FROM (
    SELECT user_id, item_id, signal, rating, ts, source, 0 AS origin, id AS n FROM events WHERE user_id = ?
    UNION ALL
    SELECT user_id, item_id, kind, value, ts, 'shop', 1, seq FROM interactions WHERE user_id = ?
) ORDER BY ts, origin, n
"""
# Every opinion (events, and the shop's ratings), oldest first: the latest per user and item decides.
ALL_OPINIONS = """
SELECT user_id, item_id, signal, rating FROM (
    SELECT user_id, item_id, signal, rating, ts, 0 AS origin, id AS n FROM events
    UNION ALL
    SELECT user_id, item_id, kind, value, ts, 1, seq FROM interactions WHERE kind = 'rating'
) ORDER BY ts, origin, n
"""


class HistoryStore(SqliteFile, History):
    """Thread-safe: one connection guarded by a lock (SQLite in WAL mode)."""

    def __init__(self, path: Path, weights: EventWeights | None = None) -> None:
        SqliteFile.__init__(self, path, SCHEMA)
        History.__init__(self, weights)

    def add_event(
        self, user_id: str, item_id: str, signal: str, rating: float | None = None, ts: int | None = None
    ) -> int:
        check_event(signal, rating)
        with self._tx() as conn:
            cursor = conn.execute(
                "INSERT INTO events(user_id, item_id, signal, rating, ts) VALUES (?, ?, ?, ?, ?)",
                (str(user_id), str(item_id), signal, rating, int(ts if ts is not None else time.time())),
            )
        return int(cursor.lastrowid or 0)

    def add_interactions(self, events: Sequence[Interaction]) -> int:
        with self._tx() as conn:
            stored: dict[str, tuple[object, ...]] = {}
            ids = [event.event_id for event in events]
            for start in range(0, len(ids), ID_CHUNK):
                chunk = ids[start : start + ID_CHUNK]
                rows = conn.execute(
                    "SELECT event_id, user_id, item_id, kind, value, ts FROM interactions WHERE event_id IN "
                    f"({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchall()
                stored.update((row[0], tuple(row)) for row in rows)
            fresh = fresh_interactions(events, stored)
            conn.executemany(
                "INSERT INTO interactions(event_id, user_id, item_id, kind, value, ts) VALUES (?, ?, ?, ?, ?, ?)",
                [(e.event_id, e.user_id, e.item_id, e.kind, e.value, e.ts) for e in fresh],
            )
        return len(fresh)

    def events(self, user_id: str) -> list[Event]:
        with self._lock:
            rows = self._conn.execute(USER_EVENTS, (str(user_id), str(user_id))).fetchall()
        return [Event(*row) for row in rows]

    def users(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute("SELECT user_id FROM events UNION SELECT user_id FROM interactions").fetchall()
        return [row[0] for row in rows]

    def count_rows(self, user_id: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT (SELECT COUNT(*) FROM events WHERE user_id = ?) + "
                "(SELECT COUNT(*) FROM interactions WHERE user_id = ?)",
                (str(user_id), str(user_id)),
            ).fetchone()
        return int(row[0])

    def fingerprint_counts(self) -> tuple[CountAndMax, CountAndMax]:
        with self._lock:
            row = self._conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM events").fetchone()
            shop = self._conn.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM interactions").fetchone()
        return (int(row[0]), int(row[1])), (int(shop[0]), int(shop[1]))

    def _demo_user_ids(self) -> set[str]:
        with self._lock:
            rows = self._conn.execute("SELECT DISTINCT user_id FROM events WHERE source = ?", (DEMO_SOURCE,))
            return {row[0] for row in rows.fetchall()}

    def _delete_rows(self, user_id: str) -> int:
        with self._tx() as conn:
            deleted = conn.execute("DELETE FROM events WHERE user_id = ?", (user_id,)).rowcount
            deleted += conn.execute("DELETE FROM interactions WHERE user_id = ?", (user_id,)).rowcount
        self.erase_wal()
        return int(deleted)

    def _import_once(self, name: str, rows: list[RatingRow]) -> dict[str, int | bool]:
        with self._tx() as conn:
            done = conn.execute("SELECT rows FROM imports WHERE name = ?", (name,)).fetchone()
            if done is not None:
                return {"rows": int(done[0]), "skipped": True}
            conn.executemany(
                "INSERT INTO events(user_id, item_id, signal, rating, ts, source) VALUES (?, ?, 'rating', ?, ?, ?)",
                rows,
            )
            conn.execute("INSERT INTO imports(name, rows, ts) VALUES (?, ?, ?)", (name, len(rows), int(time.time())))
        return {"rows": len(rows), "skipped": False}

    def _training_rows(self) -> list[tuple[str, str, str, float]]:
        with self._lock:
            return self._conn.execute("SELECT user_id, item_id, signal, COALESCE(rating, -1) FROM events").fetchall()

    def _opinion_rows(self) -> Iterable[OpinionRow]:
        with self._lock:
            return self._conn.execute(ALL_OPINIONS).fetchall()

    def _implicit_rows(self) -> Iterable[tuple[str, str, str]]:
        with self._lock:
            return self._conn.execute(
                "SELECT user_id, item_id, kind FROM interactions WHERE kind != ?", (RATING_KIND,)
            ).fetchall()
