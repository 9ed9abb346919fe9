"""PostgreSQL as the history and session engine (CONCIERGE_DATABASE_URL), against a real server the tests start
(tests/postgres_server.py): forget-me through the API leaves no row of the user in any table, the Alembic
migrations build the schema from empty and change nothing the second time (also when processes start at once),
and a bad URL stops start-up with one clear line instead of failing in the middle of a turn.

The store behaviours themselves run on both engines in test_history_store.py, test_sessions_store.py,
test_events_store.py and test_retention_forget.py (the `store_engine` fixture).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from bot.cli import main as cli_main
from bot.http.app import create_app
from bot.http.auth import issue_token
from store.interactions import Interaction
from store.postgres.schema import head_revision, upgrade
from tests.app_fixtures import small_backend
from tests.postgres_server import PostgresServer, free_port

SECRET = "forget-test-secret-0123456789-abcdefgh"
KINDS = ("view", "purchase")
TABLES = {"alembic_version", "events", "imports", "interactions", "messages", "sessions"}


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        return {row[0] for row in rows.fetchall()}


def rows_naming(url: str, user: str, marker: str) -> dict[str, int]:
    """Per table of the database: rows that name the user, contain the marker, or belong to a session of the user."""
    contents: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    with psycopg.connect(url) as conn:
        for table in sorted(tables(url)):
            cursor = conn.execute(f'SELECT * FROM "{table}"')  # the table names come from the catalog above
            contents[table] = ([d.name for d in cursor.description or ()], cursor.fetchall())

    def hits(row: tuple[Any, ...], owned: set[Any]) -> bool:
        return any(v == user or v in owned or marker in str(v) for v in row)

    owned = {r[0] for r in contents["sessions"][1] if hits(r, set())}  # session_id is the first column
    return {table: sum(hits(r, owned) for r in rows) for table, (_, rows) in contents.items()}


def test_forget_me_on_postgres_leaves_no_row_of_the_user_in_any_table(tmp_path: Path, postgres_url: str) -> None:
    backend = small_backend(
        tmp_path, auth="jwt", jwt_secret=SECRET, allow_anonymous=False, reply_mode="template", database_url=postgres_url
    )
    client = TestClient(create_app(backend.settings, backend))
    users = {"erin": "zebra-erin-4411", "bob": "zebra-bob-9922"}
    for n, (user, marker) in enumerate(users.items()):
        auth = {"Authorization": f"Bearer {issue_token(SECRET, user)}"}
        session = client.post("/api/v1/sessions", headers=auth).json()["session_id"]
        for text in (f"I loved Heat and Ronin {marker}", f"something more recent {marker}"):
            assert client.post(f"/api/v1/sessions/{session}/messages", json={"text": text}, headers=auth).is_success
        assert client.post("/api/v1/feedback", json={"item_id": "1", "signal": "dislike"}, headers=auth).is_success
        openai = {"messages": [{"role": "user", "content": f"a comedy {marker}"}], "reply_mode": "template"}
        assert client.post("/v1/chat/completions", json=openai, headers=auth).is_success
        shop = [Interaction(f"{marker}-{k}", user, "1", kind, None, 1_700_000_000 + n) for k, kind in enumerate(KINDS)]
        assert backend.components.history.add_interactions(shop) == 2
    before = {u: rows_naming(postgres_url, u, m) for u, m in users.items()}
    auth = {"Authorization": f"Bearer {issue_token(SECRET, 'erin')}"}
    deleted = client.delete("/api/v1/me", headers=auth).json()["deleted"]
    after = {u: rows_naming(postgres_url, u, m) for u, m in users.items()}
    print(f"[forget-me postgres] erin before {before['erin']} after {after['erin']} deleted {deleted}")
    assert set(after["erin"]) == TABLES  # every table of the database was queried
    assert all(before["erin"][t] > 0 for t in ("events", "interactions", "sessions", "messages")), before["erin"]
    assert after["erin"] == dict.fromkeys(TABLES, 0)
    assert after["bob"] == before["bob"] and before["bob"]["messages"] > 0
    assert deleted["history_events"] == before["erin"]["events"] + before["erin"]["interactions"]
    assert (deleted["sessions"], deleted["messages"]) == (before["erin"]["sessions"], before["erin"]["messages"])
    assert not list((tmp_path / "home").glob("*.sqlite3")), "the PostgreSQL engine wrote SQLite files too"
    with psycopg.connect(postgres_url) as conn:  # the deleted rows were vacuumed (docs/deployment.md)
        vacuumed = dict(conn.execute("SELECT relname, vacuum_count FROM pg_stat_user_tables").fetchall())
    assert all(vacuumed[t] >= 1 for t in ("events", "interactions", "sessions", "messages")), vacuumed


def test_migrations_build_the_schema_from_empty_and_are_idempotent(postgres_url: str) -> None:
    assert tables(postgres_url) == set()
    assert upgrade(postgres_url) == head_revision() == "0001"
    assert tables(postgres_url) == TABLES
    with psycopg.connect(postgres_url) as conn:
        conn.execute("INSERT INTO events (user_id, item_id, signal, ts) VALUES ('u', 'i', 'like', 1)")
    assert upgrade(postgres_url) == head_revision()  # a second run changes nothing and keeps the rows
    assert tables(postgres_url) == TABLES
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT user_id, item_id FROM events").fetchall() == [("u", "i")]
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]


def test_processes_starting_at_once_upgrade_one_after_the_other(postgres_url: str) -> None:
    script = "import sys; from store.postgres.schema import upgrade; print(upgrade(sys.argv[1]))"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, postgres_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], [err.decode() for _, err in outputs]
    assert [out.decode().strip() for out, _ in outputs] == [head_revision()] * 3
    assert tables(postgres_url) == TABLES


def bad_urls(server: PostgresServer) -> list[tuple[str, str]]:
    closed = free_port()
    return [
        ("mysql://concierge@127.0.0.1/concierge", "CONCIERGE_DATABASE_URL must be a postgresql:// URL"),
        (
            f"postgresql://nobody:hunter2@127.0.0.1:{closed}/x",
            f"cannot connect to PostgreSQL at postgresql://nobody:***@127.0.0.1:{closed}/x",
        ),
        (server.url("no_such_database"), 'database "no_such_database" does not exist'),
    ]


def test_a_bad_url_stops_start_up_with_one_clear_line(
    tmp_path: Path, postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def never(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the service started despite a bad database URL")

    monkeypatch.setattr("uvicorn.run", never)
    monkeypatch.setenv("CONCIERGE_HOME", str(tmp_path))
    for url, reason in bad_urls(postgres_server):
        monkeypatch.setenv("CONCIERGE_DATABASE_URL", url)
        assert cli_main(["serve"]) == 2, url
        err = capsys.readouterr().err
        assert err.startswith("concierge: ") and reason in err, err
        assert "Traceback" not in err and "hunter2" not in err and len(err.strip().splitlines()) == 1, err


def test_db_upgrade_command(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONCIERGE_DATABASE_URL", postgres_url)
    assert cli_main(["db", "upgrade", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "engine": "postgresql", "database": postgres_url, "revision": "0001", "head": "0001",
    }  # fmt: skip
    assert tables(postgres_url) == TABLES
    monkeypatch.delenv("CONCIERGE_DATABASE_URL")
    assert cli_main(["db", "upgrade", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["engine"] == "sqlite"
