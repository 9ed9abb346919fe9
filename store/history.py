"""User interaction history in SQLite: append-only events (rating, like, dislike, seen) with timestamps.

Every query names one user, except the bulk read the recommender trains on (`training_events`), which
returns anonymous arrays and is never exposed to a tool.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from store.sqlite import SqliteFile

if TYPE_CHECKING:
    from store.movielens import Ratings

SIGNALS = ("rating", "like", "dislike", "seen")
DEMO_SOURCE = "movielens"
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
"""


@dataclass(frozen=True, slots=True)
class Event:
    user_id: str
    item_id: str
    signal: str
    rating: float | None
    ts: int
    source: str


class HistoryStore(SqliteFile):
    """Thread-safe: one connection guarded by a lock (SQLite in WAL mode)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)
        self._demo_users: set[str] | None = None

    def add_event(
        self, user_id: str, item_id: str, signal: str, rating: float | None = None, ts: int | None = None
    ) -> int:
        """Append one event; returns its row id. The write is durable when this returns."""
        if signal not in SIGNALS:
            raise ValueError(f"signal must be one of {', '.join(SIGNALS)}, not {signal!r}")
        if signal == "rating" and (rating is None or not 0.0 <= rating <= 5.0):
            raise ValueError("a rating event needs a rating between 0 and 5")
        with self._tx() as conn:
            cursor = conn.execute(
                "INSERT INTO events(user_id, item_id, signal, rating, ts) VALUES (?, ?, ?, ?, ?)",
                (str(user_id), str(item_id), signal, rating, int(ts if ts is not None else time.time())),
            )
        return int(cursor.lastrowid or 0)

    def events(self, user_id: str) -> list[Event]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT user_id, item_id, signal, rating, ts, source FROM events WHERE user_id = ? ORDER BY ts, id",
                (str(user_id),),
            ).fetchall()
        return [Event(*row) for row in rows]

    def latest_signals(self, user_id: str) -> dict[str, Event]:
        """The latest event per item of this user (a like after a dislike wins, and so on)."""
        latest: dict[str, Event] = {}
        for event in self.events(user_id):
            latest[event.item_id] = event
        return latest

    def seen_ids(self, user_id: str) -> set[str]:
        """Items the user has rated, seen, liked or disliked: never recommended again."""
        return set(self.latest_signals(user_id))

    def disliked_ids(self, user_id: str) -> set[str]:
        return {
            item
            for item, e in self.latest_signals(user_id).items()
            if e.signal == "dislike" or (e.signal == "rating" and (e.rating or 0) <= 2.0)
        }

    def liked(self, user_id: str) -> dict[str, float]:
        """Items the user liked, with a weight: explicit like = 5, a rating counts as itself (≥ 3.5)."""
        liked: dict[str, float] = {}
        for item, event in self.latest_signals(user_id).items():
            if event.signal == "like":
                liked[item] = 5.0
            elif event.signal == "rating" and (event.rating or 0) >= 3.5:
                liked[item] = float(event.rating or 0)
        return liked

    def users(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute("SELECT DISTINCT user_id FROM events").fetchall()
        return [row[0] for row in rows]

    def is_demo_user(self, user_id: str) -> bool:
        if self._demo_users is None:
            with self._lock:
                rows = self._conn.execute("SELECT DISTINCT user_id FROM events WHERE source = ?", (DEMO_SOURCE,))
                self._demo_users = {row[0] for row in rows.fetchall()}
        return user_id in self._demo_users

    def count_rows(self, user_id: str) -> int:
        with self._lock:
            row = self._conn.execute("SELECT COUNT(*) FROM events WHERE user_id = ?", (str(user_id),)).fetchone()
        return int(row[0])

    def delete_user(self, user_id: str) -> int:
        """Forget a user: every event of theirs. Returns the number of rows deleted."""
        with self._tx() as conn:
            deleted = conn.execute("DELETE FROM events WHERE user_id = ?", (str(user_id),)).rowcount
        self.erase_wal()
        if self._demo_users is not None:
            self._demo_users.discard(str(user_id))
        return int(deleted)

    def import_movielens(self, ratings: Ratings) -> dict[str, int | bool]:
        """Import MovieLens ratings as the demo users' history, once (idempotent)."""
        with self._tx() as conn:
            done = conn.execute("SELECT rows FROM imports WHERE name = ?", (DEMO_SOURCE,)).fetchone()
            if done is not None:
                return {"rows": int(done[0]), "skipped": True}
            conn.executemany(
                "INSERT INTO events(user_id, item_id, signal, rating, ts, source) VALUES (?, ?, 'rating', ?, ?, ?)",
                zip(
                    ratings.user_ids.tolist(),
                    ratings.item_ids.tolist(),
                    ratings.ratings.astype(float).tolist(),
                    ratings.timestamps.tolist(),
                    [DEMO_SOURCE] * len(ratings),
                    strict=True,
                ),
            )
            conn.execute(
                "INSERT INTO imports(name, rows, ts) VALUES (?, ?, ?)", (DEMO_SOURCE, len(ratings), int(time.time()))
            )
        self._demo_users = None
        return {"rows": len(ratings), "skipped": False}

    def training_events(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All events as anonymous arrays (user, item, signal, rating) for model training only."""
        with self._lock:
            rows = self._conn.execute("SELECT user_id, item_id, signal, COALESCE(rating, -1) FROM events").fetchall()
        if not rows:
            empty = np.zeros(0, dtype=object)
            return empty, empty, empty, np.zeros(0, dtype=np.float32)
        users, items, signals, values = zip(*rows, strict=True)
        return (
            np.array(users, dtype=object),
            np.array(items, dtype=object),
            np.array(signals, dtype=object),
            np.array(values, dtype=np.float32),
        )

    def fingerprint(self) -> str:
        with self._lock:
            row = self._conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM events").fetchone()
        return f"{row[0]}:{row[1]}"
