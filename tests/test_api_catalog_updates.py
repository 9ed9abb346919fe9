"""The admin catalog routes against the fake backend (which runs the real validation): PUT / DELETE
/api/v1/items/{id} and POST /api/v1/items/batch — admin only, errors naming the row, nothing written on a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.http.app import create_app
from store.writer_lock import WriterBusy
from tests.fake_backend import FakeBackend, bearer, make_settings

ADMIN = bearer("shop-sync", role="admin")
BATCH = "/api/v1/items/batch"
MUG = {"title": "Blue Mug", "description": "Stoneware mug", "categories": ["Kitchen"], "year": 2020, "brand": "Acme"}


@pytest.fixture
def client(tmp_path: Path, backend: FakeBackend) -> TestClient:
    return TestClient(create_app(make_settings(tmp_path), backend))


@pytest.mark.parametrize("headers", [bearer("alice"), bearer("ann", role="marketer"), {}])
def test_only_admin_tokens_may_change_the_catalog(client: TestClient, backend: FakeBackend, headers: dict) -> None:
    before = dict(backend.catalog)
    for response in (
        client.put("/api/v1/items/a1", json=MUG, headers=headers),
        client.delete("/api/v1/items/6", headers=headers),
        client.post("/api/v1/items/batch", json={"delete": ["6"]}, headers=headers),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "admin_only"
    assert backend.catalog == before and not backend.catalog_updates


def test_put_delete_and_batch(client: TestClient, backend: FakeBackend) -> None:
    put = client.put("/api/v1/items/a1", json=MUG, headers=ADMIN)
    assert put.status_code == 200, put.text
    assert put.json()["created"] == 1 and backend.catalog["a1"].title == "Blue Mug"
    again = client.put("/api/v1/items/a1", json={**MUG, "id": "a1", "title": "Red Mug"}, headers=ADMIN)
    assert again.json()["created"] == 0 and backend.catalog["a1"].title == "Red Mug"

    deleted = client.delete("/api/v1/items/a1", headers=ADMIN)
    assert deleted.status_code == 200 and deleted.json()["deleted"] == 1 and "a1" not in backend.catalog
    missing = client.delete("/api/v1/items/a1", headers=ADMIN)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "item_not_found"

    batch = {"upsert": [{**MUG, "id": "b1"}, {**MUG, "id": "b2"}], "delete": ["6", "not-there"]}
    response = client.post("/api/v1/items/batch", json=batch, headers=ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["upserted"], body["created"], body["deleted"], body["missing"]) == (2, 2, 1, ["not-there"])
    assert {"b1", "b2"} <= set(backend.catalog) and "6" not in backend.catalog


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("post", BATCH, {"upsert": [{**MUG, "id": "b1"}, {"id": "x"}]}, "upsert[1]: missing title for id 'x'"),
        ("post", BATCH, {"upsert": [{**MUG, "id": "b1", "year": 1200}]}, "upsert[0]: year 1200 is out"),
        ("post", BATCH, {"upsert": [{**MUG, "id": "6"}], "delete": ["6"]}, "delete[0]: id '6' is also"),
        ("post", BATCH, {"delete": [["6"]]}, "delete[0]: an id must be text or a whole number, not list"),
        ("post", BATCH, {"upsert": [], "delete": []}, "nothing to update"),
        ("put", "/api/v1/items/a1", {**MUG, "title": ""}, "item 'a1': missing title for id 'a1'"),
        ("put", "/api/v1/items/a1", {**MUG, "id": "a2"}, "item 'a1': the body's id 'a2' differs"),
        ("put", "/api/v1/items/a1", {**MUG, "categories": "Kitchen|Gifts", "sizes": {"ml": [350, 500]}}, None),
    ],
)
def test_a_bad_row_is_422_naming_it_and_nothing_is_written(
    client: TestClient, backend: FakeBackend, method: str, path: str, body: dict, message: str | None
) -> None:
    before = dict(backend.catalog)
    response = getattr(client, method)(path, json=body, headers=ADMIN)
    if message is None:  # a valid one among the bad: '|'-separated categories as in CSV, any extra JSON
        assert response.status_code == 200, response.text
        return
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_item"
    assert response.json()["error"]["message"].startswith(message)
    assert backend.catalog == before and not backend.catalog_updates


def test_a_busy_writer_is_409_with_retry_after(client: TestClient, backend: FakeBackend, monkeypatch) -> None:
    def busy(*args: object, **kwargs: object) -> dict:
        raise WriterBusy("catalog at var/chroma is being written by another process (pid 7)")

    monkeypatch.setattr(backend, "update_catalog", busy)
    response = client.delete("/api/v1/items/6", headers=ADMIN)
    assert response.status_code == 409 and response.headers["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "catalog_busy"
