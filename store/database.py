"""Which engine holds history and sessions: the SQLite files under CONCIERGE_HOME (the zero-setup default) or the
PostgreSQL database of CONCIERGE_DATABASE_URL. Both implement the same interfaces (`History`, `Sessions`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from store.event_weights import EventWeights
from store.history import HistoryStore
from store.history_base import History
from store.postgres.connection import DEFAULT_CONNECT_TIMEOUT_S, DEFAULT_POOL_SIZE, DatabaseUnavailable
from store.postgres.history import PostgresHistoryStore
from store.postgres.sessions import PostgresSessionStore
from store.sessions import SessionStore
from store.sessions_base import Sessions

__all__ = ["DatabaseConfig", "DatabaseUnavailable", "History", "Sessions", "open_history", "open_sessions"]


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """The settings' storage part: `url` None = SQLite at the two paths; else PostgreSQL (pool per store)."""

    url: str | None
    history_path: Path
    sessions_path: Path
    pool_size: int = DEFAULT_POOL_SIZE
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S


def open_history(config: DatabaseConfig, weights: EventWeights | None = None) -> History:
    """The history store; DatabaseUnavailable when the PostgreSQL URL is bad or the server unreachable."""
    if config.url:
        return PostgresHistoryStore(
            config.url, weights, pool_size=config.pool_size, connect_timeout_s=config.connect_timeout_s
        )
    return HistoryStore(config.history_path, weights)


def open_sessions(config: DatabaseConfig) -> Sessions:
    """The session store; DatabaseUnavailable when the PostgreSQL URL is bad or the server unreachable."""
    if config.url:
        return PostgresSessionStore(config.url, pool_size=config.pool_size, connect_timeout_s=config.connect_timeout_s)
    return SessionStore(config.sessions_path)
