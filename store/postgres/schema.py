"""The PostgreSQL schema's migrations (Alembic, store/postgres/migrations/): `upgrade` brings a database from
empty, or from any earlier revision, to the newest one; on a current database it changes nothing. Every store
runs it when it opens; `concierge db upgrade` runs it on its own (docs/deployment.md). Processes take turns (an
advisory lock); inside one process Alembic's runner is not thread-safe, and the composition root builds the stores
one at a time under its lock."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from store.postgres.connection import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_POOL_SIZE,
    DatabaseUnavailable,
    PostgresDatabase,
    connect,
    redacted,
)

SCRIPT_LOCATION = "store.postgres:migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    """The newest revision the shipped migrations know."""
    return str(ScriptDirectory.from_config(alembic_config()).get_current_head())


def upgrade(url: str, connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> str:
    """Migrate the database to the newest revision (one transaction, under an advisory lock); that revision."""
    connect(url, connect_timeout_s).close()  # DatabaseUnavailable with the reason, before Alembic's traceback
    engine = create_engine("postgresql+psycopg://", creator=lambda: connect(url, connect_timeout_s), poolclass=NullPool)
    config = alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            revision = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"cannot migrate the schema of {redacted(url)}: {exc}") from None
    finally:
        engine.dispose()
    return str(revision)


def open_database(
    url: str, pool_size: int = DEFAULT_POOL_SIZE, connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S
) -> PostgresDatabase:
    """The database with its schema at the newest revision, behind a pool (how each PostgreSQL store opens)."""
    upgrade(url, connect_timeout_s)
    return PostgresDatabase(url, pool_size, connect_timeout_s)
