"""User interaction history in PostgreSQL: the same behaviour as the SQLite HistoryStore (store/history.py) on
the schema of store/postgres/migrations/. Writes that check before they insert (a batch of interactions, the demo
import) take an advisory lock, so several service processes serialise them as SQLite's one writer does."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from store.event_weights import RATING_KIND, EventWeights
from store.history_base import (
    DEMO_SOURCE,
    CountAndMax,
    Event,
    History,
    OpinionRow,
    RatingRow,
    check_event,
    fresh_interactions,
)
from store.interactions import Interaction
from store.postgres.connection import DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_POOL_SIZE
from store.postgres.schema import open_database

INTERACTIONS_LOCK = 7_240_017_002  # pg_advisory_xact_lock keys (constants no one else uses)
IMPORT_LOCK = 7_240_017_003
TABLES = ("events", "interactions")
USER_EVENTS = """
SELECT user_id, item_id, signal, rating, ts, source FROM (
    SELECT user_id, item_id, signal, rating, ts, source, 0 AS origin, id AS n FROM events WHERE user_id = %(user)s
    UNION ALL
    SELECT user_id, item_id, kind, value, ts, 'shop', 1, seq FROM interactions WHERE user_id = %(user)s
) AS mine ORDER BY ts, origin, n
"""
ALL_OPINIONS = """
SELECT user_id, item_id, signal, rating FROM (
    SELECT user_id, item_id, signal, rating, ts, 0 AS origin, id AS n FROM events
    UNION ALL
    SELECT user_id, item_id, kind, value, ts, 1, seq FROM interactions WHERE kind = 'rating'
) AS opinions ORDER BY ts, origin, n
"""


class PostgresHistoryStore(History):
    """Thread-safe: each call takes a pooled connection for one transaction."""

    def __init__(
        self,
        url: str,
        weights: EventWeights | None = None,
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
    ) -> None:
        super().__init__(weights)
        self.db = open_database(url, pool_size, connect_timeout_s)

    def add_event(
        self, user_id: str, item_id: str, signal: str, rating: float | None = None, ts: int | None = None
    ) -> int:
        check_event(signal, rating)
        with self.db.connection() as conn:
            row = conn.execute(
                "INSERT INTO events (user_id, item_id, signal, rating, ts) VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (str(user_id), str(item_id), signal, rating, int(ts if ts is not None else time.time())),
            ).fetchone()
        return int(row[0]) if row else 0

    def add_interactions(self, events: Sequence[Interaction]) -> int:
        with self.db.connection() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (INTERACTIONS_LOCK,))
            rows = conn.execute(
                "SELECT event_id, user_id, item_id, kind, value, ts FROM interactions WHERE event_id = ANY(%s)",
                ([event.event_id for event in events],),
            ).fetchall()
            fresh = fresh_interactions(events, {row[0]: tuple(row) for row in rows})
            if fresh:
                with conn.cursor() as cursor:
                    cursor.executemany(
                        "INSERT INTO interactions (event_id, user_id, item_id, kind, value, ts) "
                        "VALUES (%s, %s, %s, %s, %s, %s)",
                        [(e.event_id, e.user_id, e.item_id, e.kind, e.value, e.ts) for e in fresh],
                    )
        return len(fresh)

    def events(self, user_id: str) -> list[Event]:
        with self.db.connection() as conn:
            rows = conn.execute(USER_EVENTS, {"user": str(user_id)}).fetchall()
        return [Event(*row) for row in rows]

    def users(self) -> list[str]:
        with self.db.connection() as conn:
            rows = conn.execute("SELECT user_id FROM events UNION SELECT user_id FROM interactions ORDER BY 1")
            return [row[0] for row in rows.fetchall()]

    def count_rows(self, user_id: str) -> int:
        with self.db.connection() as conn:
            row = conn.execute(
                "SELECT (SELECT COUNT(*) FROM events WHERE user_id = %(user)s) + "
                "(SELECT COUNT(*) FROM interactions WHERE user_id = %(user)s)",
                {"user": str(user_id)},
            ).fetchone()
        return int(row[0]) if row else 0

    def fingerprint_counts(self) -> tuple[CountAndMax, CountAndMax]:
        with self.db.connection() as conn:
            row = conn.execute("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM events").fetchone()
            shop = conn.execute("SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM interactions").fetchone()
        assert row is not None and shop is not None  # an aggregate always returns one row
        return (int(row[0]), int(row[1])), (int(shop[0]), int(shop[1]))

    def close(self) -> None:
        self.db.close()

    def _demo_user_ids(self) -> set[str]:
        with self.db.connection() as conn:
            rows = conn.execute("SELECT DISTINCT user_id FROM events WHERE source = %s", (DEMO_SOURCE,))
            return {row[0] for row in rows.fetchall()}

    def _delete_rows(self, user_id: str) -> int:
        with self.db.connection() as conn:
            deleted = conn.execute("DELETE FROM events WHERE user_id = %s", (user_id,)).rowcount
            deleted += conn.execute("DELETE FROM interactions WHERE user_id = %s", (user_id,)).rowcount
        if deleted:
            self.db.vacuum(*TABLES)  # what PostgreSQL offers instead of secure_delete (docs/deployment.md)
        return int(deleted)

    def _import_once(self, name: str, rows: list[RatingRow]) -> dict[str, int | bool]:
        with self.db.connection() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (IMPORT_LOCK,))
            done = conn.execute("SELECT rows FROM imports WHERE name = %s", (name,)).fetchone()
            if done is not None:
                return {"rows": int(done[0]), "skipped": True}
            with (
                conn.cursor() as cursor,
                cursor.copy("COPY events (user_id, item_id, signal, rating, ts, source) FROM STDIN") as copy,
            ):
                for user, item, rating, ts, source in rows:
                    copy.write_row((user, item, "rating", rating, ts, source))
            conn.execute(
                "INSERT INTO imports (name, rows, ts) VALUES (%s, %s, %s)", (name, len(rows), int(time.time()))
            )
        return {"rows": len(rows), "skipped": False}

    def _training_rows(self) -> list[tuple[str, str, str, float]]:
        with self.db.connection() as conn:
            return conn.execute("SELECT user_id, item_id, signal, COALESCE(rating, -1) FROM events").fetchall()

    def _opinion_rows(self) -> Iterable[OpinionRow]:
        with self.db.connection() as conn:
            return conn.execute(ALL_OPINIONS).fetchall()

    def _implicit_rows(self) -> Iterable[tuple[str, str, str]]:
        with self.db.connection() as conn:
            return conn.execute(
                "SELECT user_id, item_id, kind FROM interactions WHERE kind != %s", (RATING_KIND,)
            ).fetchall()
