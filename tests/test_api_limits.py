"""Limits and bad input: long messages, long conversations, rate, body size, broken JSON / UTF-8 — never a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.http.app import create_app
from bot.http.limits import RateLimited, RateLimiter
from tests.fake_backend import FakeBackend, bearer, make_settings

ALICE = bearer("alice")


def client_for(tmp_path: Path, **overrides: object) -> TestClient:
    return TestClient(create_app(make_settings(tmp_path, **overrides), FakeBackend()), raise_server_exceptions=False)


def session_of(client: TestClient) -> str:
    return str(client.post("/api/v1/sessions", headers=ALICE).json()["session_id"])


def test_message_too_long_is_413(tmp_path: Path) -> None:
    client = client_for(tmp_path, max_message_chars=20)
    url = f"/api/v1/sessions/{session_of(client)}/messages"
    assert client.post(url, json={"text": "x" * 20}, headers=ALICE).status_code == 200
    response = client.post(url, json={"text": "x" * 21}, headers=ALICE)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "message_too_long"
    openai = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "y" * 21}]})
    assert openai.status_code == 413


def test_conversation_length_is_limited(tmp_path: Path) -> None:
    client = client_for(tmp_path, max_messages=4)
    url = f"/api/v1/sessions/{session_of(client)}/messages"
    assert client.post(url, json={"text": "one"}, headers=ALICE).status_code == 200
    assert client.post(url, json={"text": "two"}, headers=ALICE).status_code == 200
    response = client.post(url, json={"text": "three"}, headers=ALICE)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conversation_too_long"
    many = [{"role": "user", "content": "hi"}] * 5
    assert client.post("/v1/chat/completions", json={"messages": many}, headers=ALICE).status_code == 413


def test_rate_limit_is_per_user_with_retry_after(tmp_path: Path) -> None:
    client = client_for(tmp_path, rate_per_minute=3)
    for _ in range(3):
        assert client.get("/api/v1/me/profile", headers=ALICE).status_code == 200
    response = client.get("/api/v1/me/profile", headers=ALICE)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "rate_limited"
    assert client.get("/api/v1/me/profile", headers=bearer("bob")).status_code == 200


def test_anonymous_callers_are_limited_by_address(tmp_path: Path) -> None:
    client = client_for(tmp_path, rate_per_minute=2)
    assert [client.get("/api/v1/me/profile").status_code for _ in range(3)] == [200, 200, 429]


def test_rate_limiter_window_slides(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(1000.0)
    monkeypatch.setattr("limits.storage.memory.time", clock)  # the memory storage's clock (time.time)
    limiter = RateLimiter(2, "memory://", window_s=60, clock=clock.time)
    limiter.check("u")
    clock.now = 1010.0
    limiter.check("u")
    clock.now = 1020.0
    with pytest.raises(RateLimited) as caught:
        limiter.check("u")
    assert caught.value.retry_after_s == 41
    clock.now = 1060.5
    limiter.check("u")  # the first hit left the window
    with pytest.raises(RateLimited):
        limiter.check("u")  # the second is still in it


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


def test_body_too_large_is_413_json(tmp_path: Path) -> None:
    client = client_for(tmp_path, max_body_bytes=2048)
    url = f"/api/v1/sessions/{session_of(client)}/messages"
    response = client.post(
        url, content=b'{"text": "' + b"x" * 4000 + b'"}', headers={**ALICE, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_chunked_body_too_large_is_413(tmp_path: Path) -> None:
    client = client_for(tmp_path, max_body_bytes=2048)
    url = f"/api/v1/sessions/{session_of(client)}/messages"

    def chunks() -> object:
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    response = client.post(url, content=chunks(), headers={**ALICE, "content-type": "application/json"})  # type: ignore[arg-type]
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"text": ', 400),
        (b'{"text": "\xff\xfe"}', 400),
        (b"[1, 2]", 422),
        (b'{"text": 5}', 422),
        (b'{"txt": "hi"}', 422),
        (b'{"text": "hi", "max_items": 51}', 422),
        (b'{"text": "hi", "reply_mode": "poetry"}', 422),
        (b'{"text": "   "}', 422),
        (b'{"text": "\\ud800"}', 422),
    ],
)
def test_bad_bodies_are_4xx_json(tmp_path: Path, body: bytes, status: int) -> None:
    client = client_for(tmp_path)
    url = f"/api/v1/sessions/{session_of(client)}/messages"
    response = client.post(url, content=body, headers={**ALICE, "content-type": "application/json"})
    assert response.status_code == status, response.text
    assert set(response.json()["error"]) == {"code", "message"}


def test_lone_surrogates_are_dropped_not_500(tmp_path: Path) -> None:
    client = client_for(tmp_path)
    url = f"/api/v1/sessions/{session_of(client)}/messages"
    response = client.post(
        url, content=b'{"text": "heat \\ud800"}', headers={**ALICE, "content-type": "application/json"}
    )
    assert response.status_code == 200
    assert response.json()["reply"].startswith("You asked: heat")


@pytest.mark.parametrize(
    "payload",
    [
        {"messages": []},
        {"messages": [{"role": "assistant", "content": "hi"}]},
        {"messages": [{"role": "wizard", "content": "hi"}]},
        {"messages": [{"role": "user", "content": "hi"}], "max_items": 0},
        {"messages": "hi"},
    ],
)
def test_bad_openai_requests_are_4xx(tmp_path: Path, payload: dict[str, object]) -> None:
    response = client_for(tmp_path).post("/v1/chat/completions", json=payload, headers=ALICE)
    assert response.status_code in (400, 422), response.text


def test_body_at_the_limit_is_read_one_byte_more_is_413(tmp_path: Path) -> None:
    client = client_for(tmp_path, max_body_bytes=2048)
    url = f"/api/v1/sessions/{session_of(client)}/messages"
    padding = 2048 - len(b'{"text": "hi", "pad": ""}')
    at_limit = b'{"text": "hi", "pad": "' + b"x" * padding + b'"}'
    assert len(at_limit) == 2048
    response = client.post(url, content=at_limit, headers={**ALICE, "content-type": "application/json"})
    assert response.status_code == 422  # read and validated (extra field), not refused for its size
    over = at_limit[:-2] + b'x"}'
    response = client.post(url, content=over, headers={**ALICE, "content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"


@pytest.mark.parametrize("declared", ["10", "abc", "-1", "1e9"])
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/api/v1/feedback"])
def test_lying_or_malformed_content_length_is_413(tmp_path: Path, declared: str, path: str) -> None:
    client = client_for(tmp_path, max_body_bytes=2048)
    body = b'{"messages": [{"role": "user", "content": "' + b"x" * 5000 + b'"}]}'
    headers = {**ALICE, "content-type": "application/json", "content-length": declared}
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "body_too_large"
