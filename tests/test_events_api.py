"""POST /api/v1/events: admin only, `events[i]` errors with nothing written, idempotent, and the events in the
profile right after (on the small real backend: real stores, real profile tool)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.concierge import Concierge
from bot.http.app import create_app
from tests.app_fixtures import small_backend
from tests.fake_backend import FakeBackend, bearer, make_settings

ADMIN = bearer("shop-sync", role="admin")
SHOPPER = "shopper-1"


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Concierge:
    return small_backend(tmp_path_factory.mktemp("events-api"))


@pytest.fixture
def real_client(tmp_path: Path, real: Concierge) -> TestClient:
    return TestClient(create_app(make_settings(tmp_path), real))


def crime_items(backend: Concierge, n: int) -> list[str]:
    return [i.item_id for i in backend.components.catalog.items() if "Crime" in i.genres][:n]


def batch(items: list[str], prefix: str, kind: str = "purchase", **extra: Any) -> dict[str, Any]:
    events = [
        {"event_id": f"{prefix}-{n}", "user_id": SHOPPER, "item_id": item, "kind": kind, "timestamp": 1_700_000_000}
        | extra
        for n, item in enumerate(items)
    ]
    return {"events": events}


@pytest.mark.parametrize("role", ["user", "marketer"])
def test_only_admin_tokens_may_send_events(tmp_path: Path, role: str) -> None:
    backend = FakeBackend()
    client = TestClient(create_app(make_settings(tmp_path), backend))
    body = {"events": [{"event_id": "e1", "user_id": "u", "item_id": "6", "kind": "view", "timestamp": 1}]}
    refused = client.post("/api/v1/events", json=body, headers=bearer("someone", role=role))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_only"
    assert client.post("/api/v1/events", json=body).status_code == 403  # an anonymous visitor
    assert backend.ingested == {}
    accepted = client.post("/api/v1/events", json=body, headers=ADMIN)
    assert accepted.status_code == 200 and accepted.json() == {"received": 1, "new": 1, "known": 0}


def test_events_show_in_the_profile_at_once_and_twice_adds_nothing(real_client: TestClient, real: Concierge) -> None:
    me = bearer(SHOPPER)
    before = real_client.get("/api/v1/me/profile", headers=me).json()
    assert before["counts"]["events"] == 0
    body = batch(crime_items(real, 6), "order")
    first = real_client.post("/api/v1/events", json=body, headers=ADMIN)
    assert first.status_code == 200 and first.json() == {"received": 6, "new": 6, "known": 0}
    profile = real_client.get("/api/v1/me/profile", headers=me).json()
    assert profile["counts"]["interactions"] == 6 and profile["counts"]["items"] == 6
    assert profile["top_genres"][0]["genre"] == "Crime" and profile["top_genres"][0]["weight"] > 0
    assert len(profile["favourites"]) == 5
    fingerprint = real.components.history.fingerprint()
    again = real_client.post("/api/v1/events", json=body, headers=ADMIN)
    assert again.status_code == 200 and again.json() == {"received": 6, "new": 0, "known": 6}
    assert real.components.history.fingerprint() == fingerprint
    assert real_client.get("/api/v1/me/profile", headers=me).json()["counts"] == profile["counts"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"item_id": "no-such-item"}, "events[2]: unknown item id 'no-such-item'"),
        ({"kind": "rating"}, "events[2]: rating needs a value 0.5-5"),
        ({"kind": "teleport"}, "events[2]: unknown kind 'teleport': use view, click, add_to_cart, purchase, rating"),
        ({"timestamp": "next tuesday"}, "events[2]: timestamp 'next tuesday' is neither ISO 8601 nor epoch seconds"),
        ({"user_id": " "}, "events[2]: missing user_id"),
    ],
)
def test_a_bad_row_is_a_422_naming_it_and_nothing_is_written(
    real_client: TestClient, real: Concierge, bad: dict[str, Any], message: str
) -> None:
    body = batch(crime_items(real, 4), f"bad-{bad}", kind="view")
    body["events"][2].update(bad)
    fingerprint = real.components.history.fingerprint()
    response = real_client.post("/api/v1/events", json=body, headers=ADMIN)
    assert response.status_code == 422
    assert response.json()["error"] == {"code": "invalid_event", "message": message}
    assert real.components.history.fingerprint() == fingerprint


def test_batch_shape_is_checked(real_client: TestClient) -> None:
    assert real_client.post("/api/v1/events", json={"events": []}, headers=ADMIN).status_code == 422
    assert real_client.post("/api/v1/events", json={"rows": []}, headers=ADMIN).status_code == 422
    too_many = {"events": [{"event_id": str(n)} for n in range(10_001)]}
    assert real_client.post("/api/v1/events", json=too_many, headers=ADMIN).status_code in (413, 422)
