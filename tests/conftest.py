"""Fixtures shared by several test modules. Test doubles themselves live in bot.testing (shipped for users too)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.testing import FakeBackend
from tests.cluster_kit import SharedBackends, shared_backends
from tests.postgres_server import PostgresServer, find_bin_dir
from tests.redis_server import REDIS_SERVER, redis_server
from tests.store_engines import StoreEngine


@pytest.fixture
def backend() -> FakeBackend:
    """A fresh fake ChatBackend (bot.testing.FakeBackend). Modules that test the real Concierge override it."""
    return FakeBackend()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server in a temporary folder (tests/postgres_server.py), stopped after the session."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("no PostgreSQL initdb (apt-get install postgresql, or `make test` installs it)")
    server = PostgresServer(bin_dir)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a fresh, empty database on the test server."""
    return postgres_server.create_database()


@pytest.fixture(params=["sqlite", "postgres"])
def store_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreEngine]:
    """The history and session stores on SQLite, then on PostgreSQL (tests/store_engines.py)."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    engine = StoreEngine(request.param, tmp_path, url)
    try:
        yield engine
    finally:
        engine.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by playwright, one per module (browser tests skip when chromium is missing)."""
    from playwright.sync_api import sync_playwright

    from tests.fake_backend import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def redis_storage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private redis-server for shared rate limits; `memory://` (per process) where it is not installed."""
    if REDIS_SERVER is None:
        yield "memory://"
        return
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(scope="session")
def backends(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer, redis_storage: str
) -> Iterator[SharedBackends]:
    """PostgreSQL, `chroma run` with a small catalog and the limits storage, for tests of several processes."""
    with shared_backends(tmp_path_factory.mktemp("shared-backends"), postgres_server, redis_storage) as shared:
        yield shared
