"""Retention (transcripts older than CONCIERGE_RETENTION_DAYS are purged at start and hourly while serving) and
forget-me (DELETE /api/v1/me reaches every store under CONCIERGE_HOME that holds the user's id or chat text).

Protections: bot/ops/retention.py RetentionPurger (purge_if_due, start/stop) wired in bot/cli/service.py
build_server_app; store/sessions.py SessionStore and store/postgres/sessions.py PostgresSessionStore
.purge_older_than / delete_user (the purge tests run on both engines); store/history.py
HistoryStore.delete_user; store/sqlite.py (secure_delete, SqliteFile.erase_wal: no copy of deleted rows left in
free pages or the write-ahead log); bot/concierge.py Concierge.forget_user; bot/http/session_routes.py forget_me.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.cli import service as cli_service
from bot.config import Settings
from bot.http.app import create_app
from bot.http.auth import issue_token
from bot.ops.retention import RetentionPurger
from store.database import Sessions
from tests.app_fixtures import small_backend
from tests.store_engines import StoreEngine

DAY = 86400.0
SECRET = "forget-test-secret-0123456789-abcdefgh"


def session_with_turn(store: Sessions, user: str) -> str:
    sid = store.create(user)
    store.append_turn(user, sid, [("user", "hi", {}), ("assistant", "hello", {})], {})
    return sid


def test_purge_runs_at_most_hourly_and_only_on_old_transcripts(store_engine: StoreEngine) -> None:
    store = store_engine.sessions()
    now = [time.time() + 100 * DAY]
    old, edge, fresh = (session_with_turn(store, u) for u in ("a", "b", "c"))
    store_engine.set_updated(old, now[0] - 40 * DAY)
    store_engine.set_updated(edge, now[0] - 30 * DAY + 600)  # 10 minutes short of the retention period
    store_engine.set_updated(fresh, now[0] - 1 * DAY)
    purger = RetentionPurger(store, 30, interval_s=3600, clock=lambda: now[0])
    assert purger.purge_if_due() == {"sessions": 1, "messages": 2}
    assert [store.owns(u, s) for u, s in (("a", old), ("b", edge), ("c", fresh))] == [False, True, True]
    now[0] += 1800  # edge is now 30 days and 20 minutes old, but the last purge was 30 minutes ago
    assert purger.purge_if_due() is None and store.owns("b", edge)
    now[0] += 1860
    assert purger.purge_if_due() == {"sessions": 1, "messages": 2}
    assert not store.owns("b", edge) and store.owns("c", fresh)


def test_the_purge_thread_keeps_purging_while_the_service_runs(store_engine: StoreEngine) -> None:
    store = store_engine.sessions()
    now = [time.time()]
    purger = RetentionPurger(store, 30, interval_s=3600, clock=lambda: now[0]).start(wake_s=0.01)
    try:
        sid = session_with_turn(store, "late")  # written after start: only the thread can purge it
        now[0] += 31 * DAY
        deadline = time.monotonic() + 5
        while store.owns("late", sid) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not store.owns("late", sid) and store.count_rows("late") == 0
    finally:
        purger.stop()
    assert not any(t.name == "retention-purge" and t.is_alive() for t in threading.enumerate())


def test_serve_purges_at_start_and_starts_the_hourly_purge(
    monkeypatch: pytest.MonkeyPatch, store_engine: StoreEngine
) -> None:
    settings = Settings(home=store_engine.folder, retention_days=30, database_url=store_engine.config.url)
    assert settings.database == store_engine.config  # the service opens the stores this test writes
    old = session_with_turn(store_engine.sessions(), "u")
    store_engine.set_updated(old, time.time() - 31 * DAY)
    started: list[RetentionPurger] = []
    original = RetentionPurger.start

    def record(self: RetentionPurger, wake_s: float | None = None) -> RetentionPurger:
        started.append(self)
        return original(self, wake_s)

    monkeypatch.setattr(RetentionPurger, "start", record)
    monkeypatch.setattr(cli_service, "warm_until_ready", lambda backend: None)
    monkeypatch.setattr("bot.http.gradio_ui.mount_ui", lambda app, settings, backend: app)
    cli_service.build_server_app(settings)
    try:
        assert len(started) == 1 and started[0].days == 30 and started[0].interval_s == 3600
        assert started[0].last_run is not None, "purged at start"
        assert not store_engine.sessions().owns("u", old)
        assert any(t.name == "retention-purge" and t.is_alive() for t in threading.enumerate())
    finally:
        for purger in started:
            purger.stop()


# ---- forget-me ---------------------------------------------------------------------------------
def rows_of(home: Path, user: str, needles: list[str]) -> dict[str, int]:
    """Rows of every table of every SQLite file under home that name the user, contain one of the needles, or
    belong to a session of the user (by a session_id column)."""
    tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = {}
    for path in sorted(home.rglob("*.sqlite3")):
        with sqlite3.connect(path) as conn:
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall():
                if not table.startswith("sqlite_"):
                    cursor = conn.execute(f'SELECT * FROM "{table}"')
                    tables[f"{path.name}:{table}"] = ([d[0] for d in cursor.description], cursor.fetchall())

    def hits(row: tuple[Any, ...], owned: set[Any]) -> bool:
        return any(v == user or v in owned or any(n in str(v) for n in needles) for v in row)

    owned: set[Any] = set()
    for columns, rows in tables.values():
        if "session_id" in columns:
            at = columns.index("session_id")
            owned |= {r[at] for r in rows if hits(r, set())}
    return {name: sum(hits(r, owned) for r in rows) for name, (_, rows) in tables.items()}


def test_forget_me_reaches_every_store_under_home(tmp_path: Path) -> None:
    backend = small_backend(tmp_path, auth="jwt", jwt_secret=SECRET, allow_anonymous=False, reply_mode="template")
    home = backend.settings.home
    client = TestClient(create_app(backend.settings, backend))
    users = {"erin": "zebra-erin-4411", "bob": "zebra-bob-9922"}
    for user, marker in users.items():
        auth = {"Authorization": f"Bearer {issue_token(SECRET, user)}"}
        session = client.post("/api/v1/sessions", headers=auth).json()["session_id"]
        for text in (f"I loved Heat and Ronin {marker}", f"something more recent {marker}"):
            sent = client.post(f"/api/v1/sessions/{session}/messages", json={"text": text}, headers=auth)
            assert sent.status_code == 200
        feedback = {"item_id": "1", "signal": "dislike"}
        assert client.post("/api/v1/feedback", json=feedback, headers=auth).status_code == 200
        openai = {"messages": [{"role": "user", "content": f"a comedy {marker}"}], "reply_mode": "template"}
        assert client.post("/v1/chat/completions", json=openai, headers=auth).status_code == 200
    before = {u: rows_of(home, u, [m]) for u, m in users.items()}
    auth = {"Authorization": f"Bearer {issue_token(SECRET, 'erin')}"}
    deleted = client.delete("/api/v1/me", headers=auth).json()["deleted"]
    after = {u: rows_of(home, u, [m]) for u, m in users.items()}
    print(f"[forget-me] erin before {before['erin']} after {after['erin']} deleted {deleted}")
    stores = {"history.sqlite3:events", "sessions.sqlite3:sessions", "sessions.sqlite3:messages"}
    assert stores <= set(before["erin"]) and all(before["erin"][s] > 0 for s in stores)
    assert all(n == 0 for n in after["erin"].values()), after["erin"]
    assert after["bob"] == before["bob"] and before["bob"]["sessions.sqlite3:messages"] > 0
    assert deleted["history_events"] == before["erin"]["history.sqlite3:events"]
    assert deleted["sessions"] == before["erin"]["sessions.sqlite3:sessions"]
    assert deleted["messages"] == before["erin"]["sessions.sqlite3:messages"]
    files = {p.name: p.read_bytes() for p in home.rglob("*") if p.is_file()}  # databases, write-ahead logs, ...
    assert any(b"zebra-bob" in data for data in files.values()), "the scan reads where chat text is stored"
    left = [name for name, data in files.items() if b"zebra-erin" in data]
    assert not left, f"forgotten chat text still on disk (free pages / WAL) in {left}"
