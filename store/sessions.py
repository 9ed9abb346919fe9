"""Conversation sessions in SQLite (the zero-setup engine; the interface is store/sessions_base.py, the
PostgreSQL engine store/postgres/sessions.py): who owns a session, its transcript, and the dialogue state.

Every read and write names the owning user; a session of another user is indistinguishable from a
missing one. Transcripts older than the retention period are purged.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from store.sessions_base import Sessions, Turn
from store.sqlite import SqliteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_ts REAL NOT NULL,
    updated_ts REAL NOT NULL,
    state_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_id);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL REFERENCES sessions(session_id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    extra_json TEXT NOT NULL DEFAULT '{}',
    ts REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_session ON messages(session_id, id);
"""


class SessionStore(SqliteFile, Sessions):
    """Sessions and transcripts. Thread-safe; one SQLite file (WAL) under CONCIERGE_HOME."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)

    def create(self, user_id: str) -> str:
        session_id = uuid.uuid4().hex
        now = time.time()
        with self._tx() as conn:
            conn.execute(
                "INSERT INTO sessions(session_id, user_id, created_ts, updated_ts) VALUES (?, ?, ?, ?)",
                (session_id, user_id, now, now),
            )
        return session_id

    def owns(self, user_id: str, session_id: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM sessions WHERE session_id = ? AND user_id = ?", (session_id, user_id)
            ).fetchone()
        return row is not None

    def load_state(self, user_id: str, session_id: str) -> dict[str, Any] | None:
        """The dialogue state of the session, or None when it is not this user's session."""
        with self._lock:
            row = self._conn.execute(
                "SELECT state_json FROM sessions WHERE session_id = ? AND user_id = ?", (session_id, user_id)
            ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def append_turn(
        self,
        user_id: str,
        session_id: str,
        messages: Turn,
        state: dict[str, Any],
    ) -> None:
        """Store one turn (user and assistant messages) and the new state in one transaction."""
        now = time.time()
        with self._tx() as conn:
            updated = conn.execute(
                "UPDATE sessions SET state_json = ?, updated_ts = ? WHERE session_id = ? AND user_id = ?",
                (json.dumps(state), now, session_id, user_id),
            ).rowcount
            if updated != 1:
                raise LookupError("session not found")
            conn.executemany(
                "INSERT INTO messages(session_id, role, content, extra_json, ts) VALUES (?, ?, ?, ?, ?)",
                [(session_id, role, content, json.dumps(extra), now) for role, content, extra in messages],
            )

    def messages(self, user_id: str, session_id: str) -> list[dict[str, Any]] | None:
        if not self.owns(user_id, session_id):
            return None
        with self._lock:
            rows = self._conn.execute(
                "SELECT role, content, extra_json, ts FROM messages WHERE session_id = ? ORDER BY id",
                (session_id,),
            ).fetchall()
        return [{"role": r, "content": c, **json.loads(e), "ts": ts} for r, c, e, ts in rows]

    def message_count(self, user_id: str, session_id: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT COUNT(*) FROM messages m JOIN sessions s USING(session_id) "
                "WHERE s.session_id = ? AND s.user_id = ?",
                (session_id, user_id),
            ).fetchone()
        return int(row[0])

    def delete_user(self, user_id: str) -> dict[str, int]:
        """Forget a user: every session and message of theirs."""
        with self._tx() as conn:
            messages = conn.execute(
                "DELETE FROM messages WHERE session_id IN (SELECT session_id FROM sessions WHERE user_id = ?)",
                (user_id,),
            ).rowcount
            sessions = conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,)).rowcount
        self.erase_wal()
        return {"sessions": sessions, "messages": messages}

    def purge_older_than(self, days: float, now: float | None = None) -> dict[str, int]:
        """Delete transcripts (and their sessions) not updated for `days` days."""
        cutoff = (now or time.time()) - days * 86400.0
        with self._tx() as conn:
            messages = conn.execute(
                "DELETE FROM messages WHERE session_id IN (SELECT session_id FROM sessions WHERE updated_ts < ?)",
                (cutoff,),
            ).rowcount
            sessions = conn.execute("DELETE FROM sessions WHERE updated_ts < ?", (cutoff,)).rowcount
        if sessions or messages:
            self.erase_wal()
        return {"sessions": sessions, "messages": messages}

    def count_rows(self, user_id: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT (SELECT COUNT(*) FROM sessions WHERE user_id = ?) + (SELECT COUNT(*) FROM messages "
                "WHERE session_id IN (SELECT session_id FROM sessions WHERE user_id = ?))",
                (user_id, user_id),
            ).fetchone()
        return int(row[0])
