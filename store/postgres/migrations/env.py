"""Alembic's entry point: runs the migrations on the connection store.postgres.schema passes in, under an
advisory lock, so several service processes starting at once upgrade the schema one after the other.

Alembic executes this file as a script (that is its contract): the one call at the bottom is the whole job.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

MIGRATION_LOCK = 7_240_017_001  # pg_advisory_xact_lock key of schema upgrades (any constant no one else uses)


def run_migrations() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=None, transactional_ddl=True)
    with context.begin_transaction():
        connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        context.run_migrations()


run_migrations()
