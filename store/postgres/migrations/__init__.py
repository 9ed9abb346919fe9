"""Alembic migrations of the PostgreSQL schema (env.py and versions/); run by store.postgres.schema."""
