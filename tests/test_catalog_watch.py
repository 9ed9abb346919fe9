"""CatalogWatch (server mode): throttled checks, a cached reason while Chroma is down, recovery; and the
composition root reloading the catalog snapshot when another process switched in a new ingest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.composition import Components
from bot.config import Settings
from store.catalog import CatalogStore
from store.catalog_watch import CatalogWatch
from store.chroma_client import META_COLLECTION, CatalogUnavailable
from store.embedder import HashingEmbedder
from store.items import CatalogItem


class FakeClient:
    def __init__(self, server: FakeServer) -> None:
        self.server = server

    def get_collection(self, name: str, embedding_function: Any = None) -> Any:
        self.server.requests += 1
        if not self.server.up:
            raise httpx.ConnectError("[Errno 111] Connection refused")
        assert name == META_COLLECTION
        return type("Meta", (), {"metadata": {"active": self.server.active}})()


class FakeServer:
    def __init__(self) -> None:
        self.up = True
        self.active = "catalog_v1"
        self.requests = 0
        self.connects = 0

    def connect(self, settings: Settings) -> FakeClient:
        self.connects += 1
        if not self.up:
            raise CatalogUnavailable("the catalog store (Chroma server) is unreachable: ValueError")
        return FakeClient(self)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def watch(server: FakeServer, clock: Clock, tmp_path: Path) -> CatalogWatch:
    settings = Settings(home=tmp_path, chroma_url="http://127.0.0.1:9")
    return CatalogWatch(settings.chroma, 5.0, connect=server.connect, clock=clock)


def test_checks_are_throttled(tmp_path: Path) -> None:
    server, clock = FakeServer(), Clock()
    checker = watch(server, clock, tmp_path)
    for _ in range(50):
        assert checker.live_collection() == "catalog_v1"
    assert server.requests == 1
    clock.now += 5.0
    assert checker.live_collection() == "catalog_v1"
    assert server.requests == 2 and server.connects == 1  # the client is kept between checks


def test_outage_raises_with_reason_until_the_server_is_back(tmp_path: Path) -> None:
    server, clock = FakeServer(), Clock()
    checker = watch(server, clock, tmp_path)
    checker.live_collection()
    server.up = False
    clock.now += 5.0
    with pytest.raises(CatalogUnavailable, match="unreachable: ConnectError"):
        checker.live_collection()
    assert checker.error is not None and "127.0.0.1" not in checker.error  # the reason names no host
    requests = server.requests
    with pytest.raises(CatalogUnavailable):
        checker.live_collection()  # within the interval: the cached reason, no new request
    assert server.requests == requests
    server.up = True
    clock.now += 5.0
    assert checker.live_collection() == "catalog_v1"
    assert checker.error is None
    assert server.connects == 2  # a broken client is dropped and a new one made


def small_store(title: str) -> CatalogStore:
    item = CatalogItem(item_id="1", title=title, year=2000, genres=("Drama",))
    return CatalogStore.from_items([item], HashingEmbedder(dim=32))


def test_components_reload_the_snapshot_when_a_new_catalog_goes_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, clock = FakeServer(), Clock()
    settings = Settings(home=tmp_path, chroma_url="http://127.0.0.1:9")
    components = Components(settings)
    assert components.catalog_watch is not None  # server mode watches Chroma
    components.catalog_watch = watch(server, clock, tmp_path)
    loads = iter([small_store("First Cut"), small_store("Second Cut")])
    monkeypatch.setattr(CatalogStore, "open", classmethod(lambda cls, s, e: next(loads)))
    monkeypatch.setattr(Components, "embedder", property(lambda self: HashingEmbedder(dim=32)))

    components.check_catalog()
    assert components.catalog.items()[0].title == "First Cut"
    assert components.titles is components.titles
    first_titles = components.titles
    components.check_catalog()
    assert components.catalog.items()[0].title == "First Cut"  # same live collection: no reload

    server.active = "catalog_v2"  # another process finished an ingest and switched the pointer
    clock.now += 5.0
    components.check_catalog()
    assert components.catalog.items()[0].title == "Second Cut"
    assert components.titles is not first_titles  # parts built from the old snapshot were dropped too

    server.up = False
    clock.now += 5.0
    with pytest.raises(CatalogUnavailable):
        components.check_catalog()


def test_local_mode_has_no_watch(tmp_path: Path) -> None:
    assert Components(Settings(home=tmp_path)).catalog_watch is None
