"""Shared pieces of the multi-process tests (tests/test_two_instances.py, tests/test_serve_workers.py): one
PostgreSQL database, one `chroma run` holding a small film catalog, and (where redis-server is installed) one redis
for the rate limits, started once per test session; and the judge of what a conversation kept."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.config import REPO_ROOT
from bot.http.auth import issue_token
from tests.catalog_fixtures import popular_items
from tests.demo_home import CONCIERGE
from tests.postgres_server import PostgresServer
from tests.served_demo import ServedConcierge, served_env
from tests.test_fault_chroma import running_chroma

SECRET = "two-instances-test-secret-0123456789abcdef"
USER = {"Authorization": f"Bearer {issue_token(SECRET, 'traveller-7')}"}
CATALOG_SIZE = 300  # the most rated demo films: enough 90s comedies, embedded by the real MiniLM in seconds


@dataclass(frozen=True)
class SharedBackends:
    """What every service process of a test shares: its CONCIERGE_* settings name them."""

    settings: dict[str, Any]
    database_url: str
    limits_storage: str


def write_catalog(path: Path) -> None:
    """The small film catalog as a bring-your-own JSONL file (id, title, description, categories, year)."""
    with path.open("w", encoding="utf-8") as out:
        for item in popular_items(CATALOG_SIZE):
            row = {
                "id": item.item_id,
                "title": item.title,
                "description": item.overview,
                "categories": list(item.genres),
                "year": item.year,
            }
            out.write(json.dumps(row) + "\n")


@contextmanager
def shared_backends(root: Path, postgres_server: PostgresServer, limits_storage: str) -> Iterator[SharedBackends]:
    """A fresh database on the test PostgreSQL, a `chroma run` with the small catalog ingested, the settings."""
    database_url = postgres_server.create_database()
    with running_chroma(root) as chroma:
        settings: dict[str, Any] = {
            "chroma_url": f"http://127.0.0.1:{chroma.port}",
            "database_url": database_url,
            "limits_storage": limits_storage,
            "jwt_secret": SECRET,
            "auth": "jwt",
            "reply_mode": "template",
            "catalog_check_s": "1.0",
            "rate_per_minute": "10000",
            "torch_threads": "1",  # several services, Chroma and PostgreSQL on a small machine
        }
        (root / "ingest").mkdir()
        catalog = root / "films.jsonl"
        write_catalog(catalog)
        ingest = subprocess.run(
            [str(CONCIERGE), "ingest", "--catalog", str(catalog), "--json"],
            env=served_env(root / "ingest", **settings),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert ingest.returncode == 0, ingest.stderr
        yield SharedBackends(settings, database_url, limits_storage)


class Conversation:
    """One session, sent to whichever instance each turn names; keeps what the API acknowledged."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id
        self.acknowledged: list[tuple[str, str]] = []  # (user text, assistant reply) of every answered turn

    def turn(self, service: ServedConcierge, text: str) -> dict[str, Any]:
        url = f"{service.url}/api/v1/sessions/{self.session_id}/messages"
        response = httpx.post(url, json={"text": text}, headers=USER, timeout=120)
        assert response.status_code == 200, f"{service.url}: {response.status_code} {response.text}"
        result: dict[str, Any] = response.json()
        self.acknowledged.append((text, result["reply"]))
        return result


def transcript(service: ServedConcierge, session_id: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{service.url}/api/v1/sessions/{session_id}", headers=USER, timeout=60)
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def recommend_args(result: dict[str, Any]) -> dict[str, Any]:
    calls = [call for call in result["tool_calls"] if call["name"] == "recommend"]
    assert calls, f"no recommend call: {result['tool_calls']}"
    arguments: dict[str, Any] = calls[-1]["arguments"]
    return arguments


def assert_90s_comedies(result: dict[str, Any], *, romance: bool) -> None:
    assert len(result["items"]) >= 3, result
    for item in result["items"]:
        assert "Comedy" in item["genres"], item
        assert item["year"] is not None and 1990 <= item["year"] <= 1999, item
        if not romance:
            assert "Romance" not in item["genres"], item


def assert_holds(messages: list[dict[str, Any]], acknowledged: list[tuple[str, str]]) -> None:
    """Every acknowledged turn is in the transcript, in order, each user message followed by its reply."""
    pairs = [(messages[i], messages[i + 1]) for i in range(0, len(messages) - 1, 2)]
    assert len(messages) % 2 == 0, f"a user message without its reply: {messages[-1]}"
    for user, assistant in pairs:
        assert (user["role"], assistant["role"]) == ("user", "assistant"), (user, assistant)
    stored = [(user["content"], assistant["content"]) for user, assistant in pairs]
    remaining = iter(stored)  # acknowledged must be a subsequence of stored (same turn texts may repeat)
    missing = [turn for turn in acknowledged if turn not in remaining]
    assert not missing, f"acknowledged turns lost or out of order: {missing}"
