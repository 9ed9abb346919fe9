"""The history and session stores on both engines, for tests that must pass on each (tests/conftest.py
`store_engine`, parametrised sqlite / postgres): open stores, reopen them (a restart), and reach the tables
behind the stores' backs for test set-up and for counting what is left."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg

from store.database import DatabaseConfig, History, Sessions, open_history, open_sessions
from store.event_weights import EventWeights

TABLES = ("events", "interactions", "imports", "sessions", "messages")


class StoreEngine:
    """One engine's stores for one test: SQLite files in a temporary folder, or one fresh PostgreSQL database."""

    def __init__(self, name: str, folder: Path, url: str | None = None) -> None:
        self.name = name
        self.folder = folder  # CONCIERGE_HOME of a service over these stores: its SQLite files are the same
        self.config = DatabaseConfig(url, folder / "history.sqlite3", folder / "sessions.sqlite3")
        self._opened: list[History | Sessions] = []

    def history(self, weights: EventWeights | None = None) -> History:
        store = open_history(self.config, weights)
        self._opened.append(store)
        return store

    def sessions(self) -> Sessions:
        store = open_sessions(self.config)
        self._opened.append(store)
        return store

    def execute(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement on a separate connection (`?` placeholders on both engines); the rows it returns."""
        if self.config.url is None:
            path = self.config.sessions_path if "session" in statement else self.config.history_path
            with sqlite3.connect(path) as conn:
                return conn.execute(statement, params).fetchall()
        with psycopg.connect(self.config.url, autocommit=True) as conn:
            cursor = conn.execute(statement.replace("?", "%s"), params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def set_updated(self, session_id: str, updated_ts: float) -> None:
        """When a session was last written (ages it for the retention tests)."""
        self.execute("UPDATE sessions SET updated_ts = ? WHERE session_id = ?", (updated_ts, session_id))

    def close(self) -> None:
        for store in self._opened:
            store.close()
