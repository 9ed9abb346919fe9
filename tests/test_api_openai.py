"""The OpenAI Python client against a live uvicorn server (non-streaming and streaming)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai import OpenAI

from bot.http.app import create_app
from bot.http.auth import issue_token
from tests.fake_backend import SECRET, FakeBackend, live_server, make_settings


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeBackend]]:
    backend = FakeBackend()
    home: Path = tmp_path_factory.mktemp("openai-home")
    with live_server(create_app(make_settings(home), backend)) as url:
        yield url, backend


def client_for(url: str, user: str = "alice") -> OpenAI:
    return OpenAI(base_url=f"{url}/v1", api_key=issue_token(SECRET, user), max_retries=0, timeout=30)


def test_non_streaming_completion(served: tuple[str, FakeBackend]) -> None:
    url, backend = served
    completion = client_for(url).chat.completions.create(
        model="concierge",
        messages=[
            {"role": "system", "content": "ignored"},
            {"role": "user", "content": "something with crime"},
            {"role": "assistant", "content": "Any era?"},
            {"role": "user", "content": "matrix please"},
        ],
        extra_body={"max_items": 1, "reply_mode": "template"},
    )
    message = completion.choices[0].message
    assert completion.object == "chat.completion"
    assert completion.choices[0].finish_reason == "stop"
    assert message.role == "assistant" and "The Matrix (1999)" in (message.content or "")
    extra: dict[str, Any] = completion.model_extra["concierge"]  # type: ignore[index]
    assert [item["title"] for item in extra["items"]] == ["The Matrix"]
    assert extra["reply_mode_used"] == "template"
    assert extra["tool_calls"] == [{"name": "search_catalog", "arguments": {"query": "matrix please", "k": 1}}]
    call = backend.calls[-1]
    assert call["user_id"] == "alice" and call["text"] == "matrix please"
    assert call["history"] == [
        {"role": "user", "content": "something with crime"},
        {"role": "assistant", "content": "Any era?"},
    ]


def test_streaming_completion(served: tuple[str, FakeBackend]) -> None:
    url, _ = served
    stream = client_for(url, "bob").chat.completions.create(
        model="concierge", messages=[{"role": "user", "content": "heat"}], stream=True
    )
    chunks = list(stream)
    assert len(chunks) > 5
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text.startswith("You asked: heat.") and "1. Heat (1995)" in text
    assert chunks[-1].choices[0].finish_reason == "stop"
    extra: dict[str, Any] = chunks[-1].model_extra["concierge"]  # type: ignore[index]
    assert [item["item_id"] for item in extra["items"]] == ["6"]
    assert all("concierge" not in (chunk.model_extra or {}) for chunk in chunks[:-1])


def test_bad_token_is_an_authentication_error(served: tuple[str, FakeBackend]) -> None:
    import openai

    url, _ = served
    client = OpenAI(base_url=f"{url}/v1", api_key="not-a-token", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="concierge", messages=[{"role": "user", "content": "hi"}])
