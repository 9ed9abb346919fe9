"""API items of the real backend carry image_url / url / price when the catalog's profile names those fields: session
JSON, SSE `items`, the stored transcript, the OpenAI-compatible endpoint; never for the film demo; unsafe URLs never."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.concierge import Concierge
from bot.http.app import create_app
from store.catalog import CatalogStore
from store.catalog_profile import CatalogProfile, shipped_profile
from store.embedder import HashingEmbedder
from store.items import CatalogItem
from tests.app_fixtures import _small_parts, backend_over
from tests.fake_backend import bearer, make_settings

# The columns are named unlike the API's fields: the API names stay image_url / url / price.
SHOP_PROFILE = CatalogProfile(image_field="poster", link_field="page", price_field="price_eur", currency="EUR")
UNSAFE = {0: "javascript:alert(1)", 1: "data:image/svg+xml;base64,PHN2Zz4="}
QUERY = {"text": "a crime film from the 90s", "reply_mode": "template"}


def with_display_columns(item: CatalogItem) -> CatalogItem:
    """Every third item has unsafe URLs (javascript:, data:); the others a poster, a page and a price."""
    kind = int(item.item_id) % 3
    image = UNSAFE.get(kind, f"https://img.example/{item.item_id}.jpg")
    page = UNSAFE.get(kind, f"https://shop.example/films/{item.item_id}")
    return replace(item, extra={**item.extra, "poster": image, "page": page, "price_eur": "9.99"})


def safe(item_id: str) -> bool:
    return int(item_id) % 3 not in UNSAFE


def client_over(home: Path, catalog: CatalogStore) -> Iterator[TestClient]:
    _, ease = _small_parts()
    backend: Concierge = backend_over(home, catalog, ease, None, {})
    with TestClient(create_app(make_settings(home), backend)) as client:
        yield client


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    films, _ = _small_parts()
    items = [with_display_columns(item) for item in films.items()]
    catalog = CatalogStore(items, films.matrix, HashingEmbedder(), SHOP_PROFILE)
    yield from client_over(tmp_path_factory.mktemp("shop-home"), catalog)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    films, _ = _small_parts()
    catalog = CatalogStore(films.items(), films.matrix, HashingEmbedder(), shipped_profile("film"))
    yield from client_over(tmp_path_factory.mktemp("demo-home"), catalog)


def session(client: TestClient, user: str) -> str:
    return str(client.post("/api/v1/sessions", headers=bearer(user)).json()["session_id"])


def check_items(items: list[dict[str, Any]]) -> None:
    """Safe items carry the fields under the API's names; unsafe ones carry none of the URLs."""
    assert any(safe(i["item_id"]) for i in items) and any(not safe(i["item_id"]) for i in items), items
    for item in items:
        assert "poster" not in item and "page" not in item and "price_eur" not in item
        assert item["price"] == 9.99 and item["currency"] == "EUR"
        if safe(item["item_id"]):
            assert item["image_url"] == f"https://img.example/{item['item_id']}.jpg"
            assert item["url"] == f"https://shop.example/films/{item['item_id']}"
        else:
            assert "image_url" not in item and "url" not in item
    assert "javascript:" not in json.dumps(items) and "data:" not in json.dumps(items)


def test_session_json_and_transcript_carry_display_fields(shop: TestClient) -> None:
    sid = session(shop, "ann")
    body = shop.post(f"/api/v1/sessions/{sid}/messages", json=QUERY, headers=bearer("ann")).json()
    check_items(body["items"])
    transcript = shop.get(f"/api/v1/sessions/{sid}", headers=bearer("ann")).json()["messages"]
    assert transcript[1]["items"] == body["items"]  # replayed cards keep picture, link and price


def test_sse_items_event_carries_display_fields(shop: TestClient) -> None:
    sid = session(shop, "ben")
    headers = {**bearer("ben"), "Accept": "text/event-stream"}
    with shop.stream("POST", f"/api/v1/sessions/{sid}/messages", json=QUERY, headers=headers) as response:
        text = "".join(response.iter_text())
    events = {}
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events[lines["event"]] = json.loads(lines["data"])
    check_items(events["items"]["items"])
    assert events["done"]["items"] == events["items"]["items"]


def test_openai_endpoint_carries_display_fields(shop: TestClient) -> None:
    request = {"model": "concierge", "messages": [{"role": "user", "content": QUERY["text"]}], "reply_mode": "template"}
    body = shop.post("/v1/chat/completions", json=request, headers=bearer("cat")).json()
    items = body["concierge"]["items"]
    check_items(items)
    content = body["choices"][0]["message"]["content"]
    first_safe = next(i for i in items if safe(i["item_id"]))
    assert f"<{first_safe['url']}>" in content and "9.99 EUR" in content and "javascript:" not in content


def test_demo_items_have_no_display_fields(demo: TestClient) -> None:
    sid = session(demo, "dan")
    items = demo.post(f"/api/v1/sessions/{sid}/messages", json=QUERY, headers=bearer("dan")).json()["items"]
    assert items
    assert all(not {"image_url", "url", "price", "currency"} & set(item) for item in items)
