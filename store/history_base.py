"""The history store's engine-neutral part: the Event row, the `History` interface both engines implement
(store/history.py on SQLite, store/postgres/history.py on PostgreSQL), and everything computed from the rows.

Events are append-only (both schemas refuse an UPDATE); only forget-me deletes them. How an interaction becomes
a preference is `store.event_weights`; `liked` and `training_preferences` apply it the same way on both engines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from store.event_weights import IMPLICIT_KINDS, RATING_KIND, EventWeights
from store.interactions import EventConflict, Interaction

if TYPE_CHECKING:
    from store.movielens import Ratings

SIGNALS = ("rating", "like", "dislike", "seen")
DEMO_SOURCE = "movielens"
SHOP_SOURCE = "shop"  # Event.source of the interactions sent by the shop's systems
RatingRow = tuple[str, str, float, int, str]  # user, item, rating, ts, source: one imported rating
OpinionRow = tuple[str, str, str, float | None]  # user, item, signal, rating: oldest first
CountAndMax = tuple[int, int]  # rows of a table and its highest id (the fingerprint)


@dataclass(frozen=True, slots=True)
class Event:
    user_id: str
    item_id: str
    signal: str
    rating: float | None
    ts: int
    source: str


def check_event(signal: str, rating: float | None) -> None:
    """ValueError unless this is a valid feedback event."""
    if signal not in SIGNALS:
        raise ValueError(f"signal must be one of {', '.join(SIGNALS)}, not {signal!r}")
    if signal == "rating" and (rating is None or not 0.0 <= rating <= 5.0):
        raise ValueError("a rating event needs a rating between 0 and 5")


def fresh_interactions(events: Sequence[Interaction], stored: dict[str, tuple[object, ...]]) -> list[Interaction]:
    """The events whose event_id is not stored yet; EventConflict for an id stored with other fields."""
    fresh: list[Interaction] = []
    for event in events:
        fields = (event.event_id, event.user_id, event.item_id, event.kind, event.value, event.ts)
        known = stored.get(event.event_id)
        if known is None:
            fresh.append(event)
        elif known != fields:
            raise EventConflict(event.event_id)
    return fresh


def rating_rows(ratings: Ratings) -> list[RatingRow]:
    """MovieLens ratings as rows of the events table (source = the demo)."""
    return list(
        zip(
            ratings.user_ids.tolist(),
            ratings.item_ids.tolist(),
            ratings.ratings.astype(float).tolist(),
            ratings.timestamps.tolist(),
            [DEMO_SOURCE] * len(ratings),
            strict=True,
        )
    )


class History(ABC):
    """User interaction history. Thread-safe on both engines; every query names one user, except the bulk reads
    the recommender trains on (`training_events`, `training_preferences`), which are never exposed to a tool."""

    def __init__(self, weights: EventWeights | None = None) -> None:
        self.weights = weights or EventWeights.load()
        self._demo_users: set[str] | None = None

    # ---- what each engine implements --------------------------------------------------------------
    @abstractmethod
    def add_event(
        self, user_id: str, item_id: str, signal: str, rating: float | None = None, ts: int | None = None
    ) -> int:
        """Append one event (`check_event` first); returns its row id. Durable when this returns."""

    @abstractmethod
    def add_interactions(self, events: Sequence[Interaction]) -> int:
        """Store the events whose event_id is new, in one transaction; returns how many were new.

        An event_id already stored with the same fields is skipped (a batch sent twice adds nothing); with other
        fields it raises EventConflict and nothing of the batch is written."""

    @abstractmethod
    def events(self, user_id: str) -> list[Event]:
        """Everything this user did, oldest first: feedback, ratings and the shop's interactions."""

    @abstractmethod
    def users(self) -> list[str]: ...

    @abstractmethod
    def count_rows(self, user_id: str) -> int: ...

    @abstractmethod
    def fingerprint_counts(self) -> tuple[CountAndMax, CountAndMax]:
        """(rows, highest id) of the events and of the interactions."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _demo_user_ids(self) -> set[str]: ...

    @abstractmethod
    def _delete_rows(self, user_id: str) -> int:
        """Delete every event and interaction of the user (then erase what the engine allows); the rows deleted."""

    @abstractmethod
    def _import_once(self, name: str, rows: list[RatingRow]) -> dict[str, int | bool]:
        """Insert the rows and record the import `name`, unless it was recorded before (then skipped)."""

    @abstractmethod
    def _training_rows(self) -> list[tuple[str, str, str, float]]:
        """(user, item, signal, rating or -1) of every event."""

    @abstractmethod
    def _opinion_rows(self) -> Iterable[OpinionRow]:
        """Every opinion (events, and the shop's ratings), oldest first."""

    @abstractmethod
    def _implicit_rows(self) -> Iterable[tuple[str, str, str]]:
        """(user, item, kind) of every interaction that is not a rating."""

    # ---- the same on both engines -------------------------------------------------------------------
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

    def is_demo_user(self, user_id: str) -> bool:
        if self._demo_users is None:
            self._demo_users = self._demo_user_ids()
        return user_id in self._demo_users

    def delete_user(self, user_id: str) -> int:
        """Forget a user: every event of theirs. Returns the number of rows deleted."""
        deleted = self._delete_rows(str(user_id))
        if self._demo_users is not None:
            self._demo_users.discard(str(user_id))
        return deleted

    def import_movielens(self, ratings: Ratings) -> dict[str, int | bool]:
        """Import MovieLens ratings as the demo users' history, once (idempotent)."""
        summary = self._import_once(DEMO_SOURCE, rating_rows(ratings))
        self._demo_users = None
        return summary

    def training_events(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All events as anonymous arrays (user, item, signal, rating) for model training only."""
        rows = self._training_rows()
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
        latest: dict[tuple[str, str], Event] = {}
        for user, item, signal, rating in self._opinion_rows():
            latest[(user, item)] = Event(user, item, signal, rating, 0, "")
        parts: dict[tuple[str, str], list[float]] = {}
        for user, item, kind in self._implicit_rows():
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
        (events, last_id), (shop, last_seq) = self.fingerprint_counts()
        base = f"{events}:{last_id}"
        return base if shop == 0 and last_seq == 0 else f"{base}:{shop}:{last_seq}"


def latest_opinions(events: Sequence[Event]) -> dict[str, Event]:
    """The latest like / dislike / seen / rating per item of these events (oldest first)."""
    latest: dict[str, Event] = {}
    for event in events:
        if event.signal in SIGNALS:
            latest[event.item_id] = event
    return latest
