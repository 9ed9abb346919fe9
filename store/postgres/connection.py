"""One PostgreSQL database behind a connection pool (psycopg 3 + psycopg_pool): the URL checked, the server
reached and the schema migrated (`store.postgres.schema.open_database`) before the first query, so a bad
CONCIERGE_DATABASE_URL is one clear DatabaseUnavailable at start-up rather than an error in the middle of a turn."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import ConnectionPool, PoolTimeout

log = logging.getLogger(__name__)

SCHEMES = ("postgresql://", "postgres://")
DEFAULT_POOL_SIZE = 4
DEFAULT_CONNECT_TIMEOUT_S = 5.0


class DatabaseUnavailable(RuntimeError):
    """CONCIERGE_DATABASE_URL is malformed, the server cannot be reached, or the schema cannot be migrated."""


def redacted(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def check_url(url: str) -> None:
    if not url.startswith(SCHEMES):
        raise DatabaseUnavailable(
            f"CONCIERGE_DATABASE_URL must be a postgresql:// URL (postgresql://user:password@host:5432/database), "
            f"not {redacted(url)!r}; unset it to keep the SQLite files under CONCIERGE_HOME"
        )
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise DatabaseUnavailable(f"CONCIERGE_DATABASE_URL {redacted(url)} is not a valid URL: {exc}") from None


def connect(url: str, timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> psycopg.Connection[Any]:
    """One connection, or DatabaseUnavailable naming the server and why (refused, unknown database, password)."""
    check_url(url)
    try:
        return psycopg.connect(url, connect_timeout=max(2, round(timeout_s)))
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        raise DatabaseUnavailable(f"cannot connect to PostgreSQL at {redacted(url)}: {reason}") from None


class PostgresDatabase:
    """A pool of up to `pool_size` connections. `connection()` is one transaction: committed when the block ends
    (durable: synchronous_commit is the server's), rolled back when it raises."""

    def __init__(
        self, url: str, pool_size: int = DEFAULT_POOL_SIZE, connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
    ) -> None:
        check_url(url)
        self.url = url
        self.pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"connect_timeout": max(2, round(connect_timeout_s))},
            check=ConnectionPool.check_connection,  # a server restart costs one reconnect, not a failed turn
            open=False,
            name="concierge",
        )
        try:
            self.pool.open(wait=True, timeout=connect_timeout_s)
        except PoolTimeout as exc:
            self.pool.close()
            connect(url, connect_timeout_s).close()  # raises with the reason the server gave
            raise DatabaseUnavailable(f"cannot open a connection pool to {redacted(url)}: {exc}") from None

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        with self.pool.connection() as conn, conn.transaction():
            yield conn

    def vacuum(self, *tables: str) -> None:
        """VACUUM the tables (after a delete): dead rows are pruned from the table and index pages and their space
        becomes reusable. A failure is logged, not raised: the delete itself is committed already."""
        statement = sql.SQL("VACUUM {}").format(sql.SQL(", ").join(sql.Identifier(t) for t in tables))
        try:
            with self.pool.connection() as conn:
                conn.autocommit = True  # VACUUM cannot run inside a transaction
                try:
                    conn.execute(statement)
                finally:
                    conn.autocommit = False
        except psycopg.Error as exc:
            log.warning("VACUUM %s failed (autovacuum will reclaim the rows later): %s", ", ".join(tables), exc)

    def close(self) -> None:
        self.pool.close()
