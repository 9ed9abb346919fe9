"""Reply languages over HTTP (issue 16): the body's `language` reaches run_turn on both chat endpoints, an unknown
one is 422 unsupported_language (the real small backend checks it), GET /api/v1/ui-strings?language= gives that
locale's words, and both backends name their languages for the UI's picker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.concierge import Concierge
from bot.http.app import create_app
from tests.app_fixtures import small_backend
from tests.fake_backend import FakeBackend, bearer, make_settings

ALICE = bearer("alice")


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def client(tmp_path: Path, backend: FakeBackend) -> TestClient:
    return TestClient(create_app(make_settings(tmp_path), backend))


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Concierge:
    return small_backend(tmp_path_factory.mktemp("languages-api"), reply_mode="template")


@pytest.fixture
def real_client(tmp_path: Path, real: Concierge) -> TestClient:
    return TestClient(create_app(make_settings(tmp_path), real))


def new_session(client: TestClient) -> str:
    response = client.post("/api/v1/sessions", headers=ALICE)
    assert response.status_code == 201, response.text
    return str(response.json()["session_id"])


def test_message_language_reaches_run_turn(client: TestClient, backend: FakeBackend) -> None:
    session = new_session(client)
    url = f"/api/v1/sessions/{session}/messages"
    assert client.post(url, json={"text": "a crime film", "language": "es"}, headers=ALICE).status_code == 200
    assert client.post(url, json={"text": "a crime film"}, headers=ALICE).status_code == 200
    assert [call["language"] for call in backend.calls] == ["es", None]  # unset: the backend detects it


def test_openai_language_reaches_run_turn(client: TestClient, backend: FakeBackend) -> None:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": "heat"}], "language": "fr"}
    response = client.post("/v1/chat/completions", json=body, headers=ALICE)
    assert response.status_code == 200, response.text
    assert [call["language"] for call in backend.calls] == ["fr"]


def test_requested_language_is_the_reply_language(real_client: TestClient) -> None:
    session = new_session(real_client)
    url = f"/api/v1/sessions/{session}/messages"
    response = real_client.post(url, json={"text": "a comedy from the 90s", "language": "zh"}, headers=ALICE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["language"] == "zh" and body["items"]
    assert any("\u4e00" <= c <= "\u9fff" for c in body["reply"])
    detected = real_client.post(url, json={"text": "una comedia de los años 90"}, headers=ALICE).json()
    assert detected["language"] == "es"


def test_unknown_language_is_422_unsupported_language(real_client: TestClient) -> None:
    session = new_session(real_client)
    for url, body in (
        (f"/api/v1/sessions/{session}/messages", {"text": "a comedy", "language": "xx"}),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": "a comedy"}], "language": "klingon"}),
    ):
        response = real_client.post(url, json=body, headers=ALICE)
        assert response.status_code == 422, (url, response.text)
        assert response.json()["error"]["code"] == "unsupported_language"
    assert real_client.get(f"/api/v1/sessions/{session}", headers=ALICE).json()["messages"] == []  # nothing stored


def test_ui_strings_in_a_language(client: TestClient) -> None:
    response = client.get("/api/v1/ui-strings", params={"language": "es"})  # public: no token
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["locale"] == "es"
    assert body["placeholder"] == "Pide una película…"  # the fake backend is a film catalog
    assert body["cards_empty"] == "Las recomendaciones aparecen aquí como tarjetas."
    assert body["examples"][-1] == "¿qué sabes de mis gustos?"
    assert client.get("/api/v1/ui-strings").json()["locale"] == "en"


def test_ui_strings_in_an_unknown_language_is_422(client: TestClient) -> None:
    response = client.get("/api/v1/ui-strings", params={"language": "xx"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "unsupported_language"


def test_backends_name_their_languages(backend: FakeBackend, real: Concierge) -> None:
    configured = real.languages()
    assert list(configured) == list(real.components.languages.codes) and next(iter(configured)) == "en"
    assert configured["zh"] == "中文" and configured["es"] == "Español"
    assert {"en": "English", "es": "Español"}.items() <= backend.languages().items()


def test_profile_summary_in_the_language_asked(real: Concierge, real_client: TestClient) -> None:
    user = "profile-zh"
    some = real.components.catalog.items()[0].item_id
    real.record_feedback(user, some, "like")
    english = real.profile(user)["summary"]
    chinese = real.profile(user, language="zh")["summary"]
    assert english.startswith("Based on 1 ")
    assert sum("\u4e00" <= c <= "\u9fff" for c in chinese) >= 10 and "Based on" not in chinese
    assert real.profile(user, language="zh")["top_genres"] == real.profile(user)["top_genres"]  # the data is one
    bad = real_client.get("/api/v1/me/profile", params={"language": "xx"}, headers=ALICE)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "unsupported_language"
    spanish = real_client.get("/api/v1/me/profile", params={"language": "es"}, headers=ALICE)
    assert spanish.status_code == 200 and "Based on" not in spanish.json()["summary"]


def test_ui_strings_name_every_control_in_the_language(client: TestClient) -> None:
    english = client.get("/api/v1/ui-strings").json()
    chinese = client.get("/api/v1/ui-strings", params={"language": "zh"}).json()
    controls = ("send", "close", "like", "dislike", "seen", "liked", "chat_failed", "working", "language_auto")
    for key in controls:
        assert english[key] and chinese[key] and chinese[key] != english[key], key
        assert any("\u4e00" <= c <= "\u9fff" for c in chinese[key]), (key, chinese[key])


def test_profile_says_mostly_from_the_decade_most_items_are_from(real: Concierge) -> None:
    """Decades count what the user watches: ten 1990s items rated at the user's mean and two 1970s items rated
    higher are "mostly from the 1990s" (a rating-centred sum made it the 1970s)."""
    by_decade: dict[int, list[str]] = {}
    for item in real.components.catalog.items():
        if item.year:
            by_decade.setdefault(item.year // 10 * 10, []).append(item.item_id)
    many, few = sorted(by_decade, key=lambda d: -len(by_decade[d]))[:2]
    user, history = "decades", real.components.history
    for item_id in by_decade[many][:10]:
        history.add_event(user, item_id, "rating", rating=3.0)
    for item_id in by_decade[few][:2]:
        history.add_event(user, item_id, "rating", rating=5.0)
    profile = real.profile(user)
    assert profile["main_decades"] == [f"{many}s"], profile["decades"]
    assert f"mostly from the {many}s" in profile["summary"] and f"{few}s" not in profile["summary"]
    assert f"{many}年代" in real.profile(user, language="zh")["summary"]
