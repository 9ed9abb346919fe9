"""History (events, interactions, imports) and sessions (sessions, messages): the SQLite schemas' twins.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

# No percent signs or colons below: the statements pass through SQLAlchemy's text() on their way to psycopg.
UPGRADE = (
    """CREATE TABLE events (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id TEXT NOT NULL,
        item_id TEXT NOT NULL,
        signal TEXT NOT NULL CHECK (signal IN ('rating', 'like', 'dislike', 'seen')),
        rating DOUBLE PRECISION,
        ts BIGINT NOT NULL,
        source TEXT NOT NULL DEFAULT 'app'
    )""",
    "CREATE INDEX events_user ON events (user_id, ts)",
    "CREATE TABLE imports (name TEXT PRIMARY KEY, rows BIGINT NOT NULL, ts BIGINT NOT NULL)",
    """CREATE TABLE interactions (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        event_id TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL,
        item_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('view', 'click', 'add_to_cart', 'purchase', 'rating')),
        value DOUBLE PRECISION,
        ts BIGINT NOT NULL
    )""",
    "CREATE INDEX interactions_user ON interactions (user_id, ts)",
    """CREATE FUNCTION concierge_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' are append-only';
    END $$""",
    "CREATE TRIGGER events_append_only BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION concierge_append_only()",
    "CREATE TRIGGER interactions_append_only BEFORE UPDATE ON interactions "
    "FOR EACH ROW EXECUTE FUNCTION concierge_append_only()",
    """CREATE TABLE sessions (
        session_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        created_ts DOUBLE PRECISION NOT NULL,
        updated_ts DOUBLE PRECISION NOT NULL,
        state_json TEXT NOT NULL DEFAULT '{}'
    )""",
    "CREATE INDEX sessions_user ON sessions (user_id)",
    "CREATE INDEX sessions_updated ON sessions (updated_ts)",
    """CREATE TABLE messages (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
        role TEXT NOT NULL,
        content TEXT NOT NULL,
        extra_json TEXT NOT NULL DEFAULT '{}',
        ts DOUBLE PRECISION NOT NULL
    )""",
    "CREATE INDEX messages_session ON messages (session_id, id)",
)
DOWNGRADE = (
    "DROP TABLE messages",
    "DROP TABLE sessions",
    "DROP TABLE interactions",
    "DROP TABLE imports",
    "DROP TABLE events",
    "DROP FUNCTION concierge_append_only()",
)


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
