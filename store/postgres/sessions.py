"""Conversation sessions in PostgreSQL: the same behaviour as the SQLite SessionStore (store/sessions.py) on the
schema of store/postgres/migrations/; forget-me and the retention purge VACUUM what they deleted."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from store.postgres.connection import DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_POOL_SIZE
from store.postgres.schema import open_database
from store.sessions_base import Sessions, Turn

TABLES = ("sessions", "messages")


class PostgresSessionStore(Sessions):
    """Sessions and transcripts. Thread-safe: each call takes a pooled connection for one transaction."""

    def __init__(
        self, url: str, *, pool_size: int = DEFAULT_POOL_SIZE, connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
    ) -> None:
        self.db = open_database(url, pool_size, connect_timeout_s)

    def create(self, user_id: str) -> str:
        session_id = uuid.uuid4().hex
        now = time.time()
        with self.db.connection() as conn:
            conn.execute(
                "INSERT INTO sessions (session_id, user_id, created_ts, updated_ts) VALUES (%s, %s, %s, %s)",
                (session_id, user_id, now, now),
            )
        return session_id

    def owns(self, user_id: str, session_id: str) -> bool:
        with self.db.connection() as conn:
            row = conn.execute(
                "SELECT 1 FROM sessions WHERE session_id = %s AND user_id = %s", (session_id, user_id)
            ).fetchone()
        return row is not None

    def load_state(self, user_id: str, session_id: str) -> dict[str, Any] | None:
        with self.db.connection() as conn:
            row = conn.execute(
                "SELECT state_json FROM sessions WHERE session_id = %s AND user_id = %s", (session_id, user_id)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def append_turn(self, user_id: str, session_id: str, messages: Turn, state: dict[str, Any]) -> None:
        now = time.time()
        with self.db.connection() as conn:
            updated = conn.execute(
                "UPDATE sessions SET state_json = %s, updated_ts = %s WHERE session_id = %s AND user_id = %s",
                (json.dumps(state), now, session_id, user_id),
            ).rowcount
            if updated != 1:
                raise LookupError("session not found")
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO messages (session_id, role, content, extra_json, ts) VALUES (%s, %s, %s, %s, %s)",
                    [(session_id, role, content, json.dumps(extra), now) for role, content, extra in messages],
                )

    def messages(self, user_id: str, session_id: str) -> list[dict[str, Any]] | None:
        if not self.owns(user_id, session_id):
            return None
        with self.db.connection() as conn:
            rows = conn.execute(
                "SELECT role, content, extra_json, ts FROM messages WHERE session_id = %s ORDER BY id", (session_id,)
            ).fetchall()
        return [{"role": r, "content": c, **json.loads(e), "ts": ts} for r, c, e, ts in rows]

    def message_count(self, user_id: str, session_id: str) -> int:
        with self.db.connection() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM messages m JOIN sessions s USING (session_id) "
                "WHERE s.session_id = %s AND s.user_id = %s",
                (session_id, user_id),
            ).fetchone()
        return int(row[0]) if row else 0

    def delete_user(self, user_id: str) -> dict[str, int]:
        with self.db.connection() as conn:
            messages = conn.execute(
                "DELETE FROM messages WHERE session_id IN (SELECT session_id FROM sessions WHERE user_id = %s)",
                (user_id,),
            ).rowcount
            sessions = conn.execute("DELETE FROM sessions WHERE user_id = %s", (user_id,)).rowcount
        if sessions or messages:
            self.db.vacuum(*TABLES)
        return {"sessions": sessions, "messages": messages}

    def purge_older_than(self, days: float, now: float | None = None) -> dict[str, int]:
        cutoff = (now or time.time()) - days * 86400.0
        with self.db.connection() as conn:
            messages = conn.execute(
                "DELETE FROM messages WHERE session_id IN (SELECT session_id FROM sessions WHERE updated_ts < %s)",
                (cutoff,),
            ).rowcount
            sessions = conn.execute("DELETE FROM sessions WHERE updated_ts < %s", (cutoff,)).rowcount
        if sessions or messages:
            self.db.vacuum(*TABLES)
        return {"sessions": sessions, "messages": messages}

    def count_rows(self, user_id: str) -> int:
        with self.db.connection() as conn:
            row = conn.execute(
                "SELECT (SELECT COUNT(*) FROM sessions WHERE user_id = %(user)s) + (SELECT COUNT(*) FROM messages "
                "WHERE session_id IN (SELECT session_id FROM sessions WHERE user_id = %(user)s))",
                {"user": user_id},
            ).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self.db.close()
