"""User interaction history in SQLite: append-only events (rating, like, dislike, seen) with timestamps, and the
interactions the shop's own systems send (view, click, add_to_cart, purchase, rating; idempotent by event_id).

Every query names one user, except the bulk reads the recommender trains on (`training_events`,
`training_preferences`), which return anonymous arrays and are never exposed to a tool. How an interaction
becomes a preference is `store.event_weights` (configuration); `liked` and `training_preferences` apply it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from store.event_weights import IMPLICIT_KINDS, RATING_KIND, EventWeights
from store.interactions import EventConflict, Interaction
from store.sqlite import SqliteFile

if TYPE_CHECKING:
    from store.movielens import Ratings

SIGNALS = ("rating", "like", "dislike", "seen")
DEMO_SOURCE = "movielens"
SHOP_SOURCE = "shop"  # Event.source of the interactions sent by the shop's systems
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

    def __init__(self, path: Path, weights: EventWeights | None = None) -> None:
        super().__init__(path, SCHEMA)
        self.weights = weights or EventWeights.load()
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

    def add_interactions(self, events: Sequence[Interaction]) -> int:
        """Store the events whose event_id is new, in one transaction; returns how many were new.

        An event_id already stored with the same fields is skipped (a batch sent twice adds nothing); with other
        fields it raises EventConflict and nothing of the batch is written.
        """
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
            fresh: list[Interaction] = []
            for event in events:
                fields = (event.event_id, event.user_id, event.item_id, event.kind, event.value, event.ts)
                known = stored.get(event.event_id)
                if known is None:
                    fresh.append(event)
                elif known != fields:
                    raise EventConflict(event.event_id)
            conn.executemany(
                "INSERT INTO interactions(event_id, user_id, item_id, kind, value, ts) VALUES (?, ?, ?, ?, ?, ?)",
                [(e.event_id, e.user_id, e.item_id, e.kind, e.value, e.ts) for e in fresh],
            )
        return len(fresh)

    def events(self, user_id: str) -> list[Event]:
        """Everything this user did, oldest first: feedback, ratings and the shop's interactions."""
        with self._lock:
            rows = self._conn.execute(USER_EVENTS, (str(user_id), str(user_id))).fetchall()
        return [Event(*row) for row in rows]

    def latest_signals(self, user_id: str) -> dict[str, Event]:
        """The latest like / dislike / seen / rating per item of this user (a like after a dislike wins)."""
        return latest_opinions(self.events(user_id))

    def interaction_strengths(self, events: Sequence[Event]) -> dict[str, float]:
        """Per item of these events (`events(user_id)`), how much the views, clicks, add-to-carts and purchases say
        the user likes it (0..1, the event weights' noisy-OR); items with only zero-weight events are left out."""
        strengths: dict[str, list[float]] = {}
        for event in events:
            if event.signal in IMPLICIT_KINDS:
                strengths.setdefault(event.item_id, []).append(self.weights.strength(event.signal))
        combined = {item: self.weights.combine(parts) for item, parts in strengths.items()}
        return {item: strength for item, strength in combined.items() if strength > 0}

    def preference(self, opinion: Event | None, implicit: float) -> float:
        """0..1: what the user says beats what they did (a like = 1, a dislike = 0, a rating by the event weights'
        rule); without an opinion (or only a seen mark) the implicit strength counts."""
        if opinion is None or opinion.signal == "seen":
            return implicit
        if opinion.signal == "like":
            return 1.0
        if opinion.signal == "dislike":
            return 0.0
        return self.weights.strength(RATING_KIND, opinion.rating)

    def seen_ids(self, user_id: str) -> set[str]:
        """Items the user has rated, seen, liked, disliked or interacted with: never recommended again."""
        return {event.item_id for event in self.events(user_id)}

    def disliked_ids(self, user_id: str) -> set[str]:
        return {
            item
            for item, e in self.latest_signals(user_id).items()
            if e.signal == "dislike" or (e.signal == "rating" and (e.rating or 0) <= 2.0)
        }

    def liked(self, user_id: str) -> dict[str, float]:
        """Items the user liked, with a weight on the rating scale (5 × `preference`): explicit like = 5, a rating
        counts as itself (from the weights' positive_from, 3.5), a purchase 5 × its weight, and so on."""
        events = self.events(user_id)  # one read for both kinds of evidence
        latest = latest_opinions(events)
        implicit = self.interaction_strengths(events)
        liked: dict[str, float] = {}
        for item in (*latest, *(i for i in implicit if i not in latest)):
            strength = self.preference(latest.get(item), implicit.get(item, 0.0))
            if strength > 0:
                liked[item] = round(strength * 5.0, 6)
        return liked

    def users(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute("SELECT user_id FROM events UNION SELECT user_id FROM interactions").fetchall()
        return [row[0] for row in rows]

    def is_demo_user(self, user_id: str) -> bool:
        if self._demo_users is None:
            with self._lock:
                rows = self._conn.execute("SELECT DISTINCT user_id FROM events WHERE source = ?", (DEMO_SOURCE,))
                self._demo_users = {row[0] for row in rows.fetchall()}
        return user_id in self._demo_users

    def count_rows(self, user_id: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT (SELECT COUNT(*) FROM events WHERE user_id = ?) + "
                "(SELECT COUNT(*) FROM interactions WHERE user_id = ?)",
                (str(user_id), str(user_id)),
            ).fetchone()
        return int(row[0])

    def delete_user(self, user_id: str) -> int:
        """Forget a user: every event of theirs. Returns the number of rows deleted."""
        with self._tx() as conn:
            deleted = conn.execute("DELETE FROM events WHERE user_id = ?", (str(user_id),)).rowcount
            deleted += conn.execute("DELETE FROM interactions WHERE user_id = ?", (str(user_id),)).rowcount
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

    def training_preferences(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(user, item, strength 0..1) of every user-item pair with a positive `preference`, for training only:
        the latest opinion decides, else the noisy-OR of the shop's interactions under the event weights."""
        with self._lock:
            opinions = self._conn.execute(ALL_OPINIONS).fetchall()
            implicit_rows = self._conn.execute(
                "SELECT user_id, item_id, kind FROM interactions WHERE kind != ?", (RATING_KIND,)
            ).fetchall()
        latest: dict[tuple[str, str], Event] = {}
        for user, item, signal, rating in opinions:
            latest[(user, item)] = Event(user, item, signal, rating, 0, "")
        parts: dict[tuple[str, str], list[float]] = {}
        for user, item, kind in implicit_rows:
            parts.setdefault((user, item), []).append(self.weights.strength(kind))
        users: list[str] = []
        items: list[str] = []
        strengths: list[float] = []
        for pair in (*latest, *(p for p in parts if p not in latest)):
            strength = self.preference(latest.get(pair), self.weights.combine(parts.get(pair, ())))
            if strength > 0:
                users.append(pair[0])
                items.append(pair[1])
                strengths.append(strength)
        return np.array(users, dtype=object), np.array(items, dtype=object), np.array(strengths, dtype=np.float32)

    def fingerprint(self) -> str:
        """Changes with every write (events and interactions): `concierge train` and the scheduled retrain
        compare it with the one the model was trained on."""
        with self._lock:
            row = self._conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM events").fetchone()
            shop = self._conn.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM interactions").fetchone()
        base = f"{row[0]}:{row[1]}"
        return base if shop[0] == 0 and shop[1] == 0 else f"{base}:{shop[0]}:{shop[1]}"


def latest_opinions(events: Sequence[Event]) -> dict[str, Event]:
    """The latest like / dislike / seen / rating per item of these events (oldest first)."""
    latest: dict[str, Event] = {}
    for event in events:
        if event.signal in SIGNALS:
            latest[event.item_id] = event
    return latest
