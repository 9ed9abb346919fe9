"""Hostile request bodies through the HTTP API: broken UTF-8, hostile JSON, control characters, 10,000 messages.

Never a 500; a refusal is a 4xx {"error": {"code", "message"}}; what the product strips never reaches a store.
"""

from __future__ import annotations

import json
import time
import tracemalloc
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.http.app import create_app
from bot.testing.scripted_model import ScriptedModel
from tests.app_fixtures import small_backend
from tests.fake_backend import FakeBackend, bearer, make_settings

ALICE = bearer("alice")
JSON = {**ALICE, "content-type": "application/json"}
CHAT = "/v1/chat/completions"
TEN_THOUSAND = 10_000
MAX_SECONDS = 5.0
MAX_EXTRA_BYTES = 50 * 1024 * 1024


def fake_client(tmp_path: Path, **overrides: Any) -> tuple[TestClient, FakeBackend]:
    backend = FakeBackend()
    app = create_app(make_settings(tmp_path, **overrides), backend)
    return TestClient(app, raise_server_exceptions=False), backend


def session_url(client: TestClient, headers: dict[str, str] = ALICE) -> str:
    response = client.post("/api/v1/sessions", headers=headers)
    assert response.status_code == 201, response.text
    return f"/api/v1/sessions/{response.json()['session_id']}/messages"


def assert_error(response: Any, status: int | set[int], code: str | None = None) -> None:
    statuses = {status} if isinstance(status, int) else status
    assert response.status_code in statuses, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code, body


def post(client: TestClient, url: str, payload: Any, headers: dict[str, str] = ALICE) -> Any:
    """POST JSON with every non-ASCII character escaped (so lone surrogates can be sent, as JSON allows)."""
    return client.post(
        url, content=json.dumps(payload).encode(), headers={**headers, "content-type": "application/json"}
    )


def hidden_characters(text: str) -> list[str]:
    """Control, format, surrogate, private-use and unassigned characters (tab and newline are fine)."""
    return [ch for ch in text if ch not in "\n\t" and unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}]


# ---- invalid UTF-8 and other encodings ------------------------------------------------------------------------

BROKEN_UTF8 = [
    pytest.param("messages", b'{"text": "caf\xe9 au lait"}', id="latin-1"),
    pytest.param("messages", b'{"text": "\xc0\xaf overlong slash"}', id="overlong"),
    pytest.param("messages", b'{"text": "cut \xe2\x82"}', id="truncated-sequence"),
    pytest.param("messages", b'{"te\xffxt": "hi"}', id="in-a-key"),
    pytest.param("messages", b'\xff{"text": "hi"}', id="before-the-object"),
    pytest.param("feedback", b'{"item_id": "6\xff", "signal": "like"}', id="feedback"),
    pytest.param("chat", b'{"messages": [{"role": "user", "content": "heat \xff"}]}', id="chat-content"),
    pytest.param(
        "chat", b'{"messages": [{"role": "user", "content": [{"type": "text", "text": "\xfe"}]}]}', id="chat-part"
    ),
    pytest.param("chat", b'{"messages": [{"role": "us\x80er", "content": "hi"}]}', id="chat-role"),
]


def url_for(client: TestClient, endpoint: str) -> str:
    if endpoint == "messages":
        return session_url(client)
    return {"feedback": "/api/v1/feedback", "chat": CHAT}[endpoint]


@pytest.mark.parametrize(("endpoint", "body"), BROKEN_UTF8)
def test_invalid_utf8_is_400_and_reaches_nothing(tmp_path: Path, endpoint: str, body: bytes) -> None:
    client, backend = fake_client(tmp_path)
    before = {user: list(events) for user, events in backend.events.items()}
    response = client.post(url_for(client, endpoint), content=body, headers=JSON)
    assert_error(response, 400)
    assert response.json()["error"]["code"] in ("invalid_json", "bad_request")
    assert backend.calls == []  # no turn ran
    assert {user: list(events) for user, events in backend.events.items()} == before  # no feedback stored
    assert all(messages == [] for _, messages in backend.sessions.values())


def test_utf8_encoded_surrogates_are_dropped_like_escaped_ones(tmp_path: Path) -> None:
    """Python's JSON reader lets CESU-8 surrogates through (as \\ud800 escapes are): the text check drops them."""
    client, backend = fake_client(tmp_path)
    response = client.post(session_url(client), content=b'{"text": "heat \xed\xa0\x80"}', headers=JSON)
    assert response.status_code == 200, response.text
    assert [call["text"] for call in backend.calls] == ["heat "]


@pytest.mark.parametrize(
    "encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-32"], ids=["bom", "utf-16", "utf-16-le", "utf-32"]
)
def test_other_unicode_encodings_are_read_as_the_same_text_or_refused(tmp_path: Path, encoding: str) -> None:
    client, backend = fake_client(tmp_path)
    body = json.dumps({"text": "heat ☕"}, ensure_ascii=False).encode(encoding)
    response = client.post(session_url(client), content=body, headers=JSON)
    if response.status_code == 200:
        assert [call["text"] for call in backend.calls] == ["heat ☕"]
    else:
        assert_error(response, 400)
        assert backend.calls == []


# ---- hostile JSON -------------------------------------------------------------------------------------------

DEEP = 100_000
HOSTILE_JSON = [
    pytest.param("messages", b"[" * DEEP + b"]" * DEEP, {400}, id="nested-arrays"),
    pytest.param("messages", b'{"a":' * DEEP + b"1" + b"}" * DEEP, {400}, id="nested-objects"),
    pytest.param("messages", b'{"text": "hi", "max_items": ' + b"9" * 5000 + b"}", {400, 422}, id="5000-digit-int"),
    pytest.param("messages", b'{"text": "hi", "max_items": 1e400}', {422}, id="float-overflow"),
    pytest.param("messages", b'{"text": "hi", "max_items": NaN}', {422}, id="nan"),
    pytest.param("messages", b'{"text": "hi", "max_items": -Infinity}', {422}, id="infinity"),
    pytest.param("messages", b'{"text": ["hi"]}', {422}, id="text-is-a-list"),
    pytest.param("messages", b'{"text": {"$ne": null}}', {422}, id="operator-object"),
    pytest.param("messages", b'{"text": "hi"} {"text": "again"}', {400}, id="two-documents"),
    pytest.param("messages", b"", {400, 422}, id="empty-body"),
    pytest.param("messages", b"null", {422}, id="null"),
    pytest.param("feedback", b'{"item_id": "6", "signal": "like", "user_id": "bob"}', {422}, id="user-id-smuggled"),
    pytest.param("feedback", b'{"item_id": "", "signal": "like"}', {422}, id="empty-item-id"),
    pytest.param("feedback", b'{"item_id": "' + b"6" * 5000 + b'", "signal": "like"}', {422}, id="long-item-id"),
    pytest.param("chat", b'{"messages": [{"role": "user", "content": 5}]}', {422}, id="content-number"),
    pytest.param("chat", b'{"messages": [{"role": "user", "content": ["heat"]}]}', {422}, id="content-str-parts"),
    pytest.param("chat", b'{"messages": [{"role": "user"}]}', {422}, id="no-content"),
    pytest.param("chat", b'{"messages": [{"role": "user", "content": []}]}', {422}, id="no-parts"),
    pytest.param("chat", b'{"messages": [null]}', {422}, id="null-message"),
    pytest.param(
        "chat",
        b'{"messages": [{"role": "user", "content": [{"type": "text", "text": ' + b"[" * DEEP + b"]" * DEEP + b"}]}]}",
        {400},
        id="deep-part",
    ),
]


@pytest.mark.parametrize(("endpoint", "body", "statuses"), HOSTILE_JSON)
def test_hostile_json_is_a_4xx(tmp_path: Path, endpoint: str, body: bytes, statuses: set[int]) -> None:
    client, backend = fake_client(tmp_path)
    response = client.post(url_for(client, endpoint), content=body, headers=JSON)
    assert_error(response, statuses)
    assert backend.calls == []


@pytest.mark.parametrize("depth", [10, 500, 900])
def test_nested_text_parts_within_the_json_depth_are_flattened(tmp_path: Path, depth: int) -> None:
    """A part whose text is a nested list is read as text (brackets), never a 500 (the turn runs in a thread)."""
    client, backend = fake_client(tmp_path)
    part = {"type": "text", "text": json.loads("[" * depth + "]" * depth)}
    response = client.post(CHAT, json={"messages": [{"role": "user", "content": [part]}]}, headers=ALICE)
    assert response.status_code == 200, response.text
    assert backend.calls[-1]["text"] == "[" * depth + "]" * depth


# ---- control characters -------------------------------------------------------------------------------------

DIRTY = "he\x00at\x1b[31m\x07 \u202enoir\u200b\ufeff \x7f\x85\udfff"


def test_control_characters_are_stripped_before_the_backend_and_the_store(tmp_path: Path) -> None:
    client, backend = fake_client(tmp_path)
    url = session_url(client)
    response = post(client, url, {"text": DIRTY})
    assert response.status_code == 200, response.text
    sent = backend.calls[-1]["text"]
    assert hidden_characters(sent) == [] and sent.startswith("heat[31m")
    assert "noir" in sent  # the visible text survives
    transcript = client.get(url.removesuffix("/messages"), headers=ALICE).json()["messages"]
    assert transcript[0]["content"] == sent
    assert all(hidden_characters(json.dumps(m, ensure_ascii=False)) == [] for m in transcript)


def test_openai_messages_are_cleaned_too_history_included(tmp_path: Path) -> None:
    client, backend = fake_client(tmp_path)
    messages = [
        {"role": "system", "content": "\x00system prompts are ignored"},
        {"role": "user", "content": "I loved\x00 Heat\x1b"},
        {"role": "assistant", "content": [{"type": "text", "text": "Noted\u200b."}]},
        {"role": "user", "content": DIRTY},
    ]
    response = post(client, CHAT, {"messages": messages})
    assert response.status_code == 200, response.text
    call = backend.calls[-1]
    assert hidden_characters(call["text"]) == [] and call["text"].startswith("heat")
    assert [m["content"] for m in call["history"]] == ["I loved Heat", "Noted."]


@pytest.mark.parametrize("text", ["\x00", "\x00\x01\x02\x1b", "\u200b\u200d\ufeff", "\udfff", " \x00 \n\t "])
def test_only_invisible_characters_is_422(tmp_path: Path, text: str) -> None:
    client, backend = fake_client(tmp_path)
    assert_error(post(client, session_url(client), {"text": text}), 422, "empty_message")
    assert_error(post(client, CHAT, {"messages": [{"role": "user", "content": text}]}), 422, "empty_message")
    assert backend.calls == []


@pytest.mark.parametrize("space", ["\u00a0", "\u2009", "\u3000", "\u2028", "\r", "\x0b", "\x0c", "\x85"])
def test_unusual_spaces_and_line_breaks_keep_words_apart(tmp_path: Path, space: str) -> None:
    """Pasted text (no-break spaces, line separators, CR) must not glue words together: 'loved Heat'."""
    client, backend = fake_client(tmp_path)
    response = client.post(session_url(client), json={"text": f"I loved{space}Heat"}, headers=ALICE)
    assert response.status_code == 200, response.text
    sent = backend.calls[-1]["text"]
    assert sent.split() == ["I", "loved", "Heat"], repr(sent)
    assert hidden_characters(sent) == []


# ---- the real backend: what is stored ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    home = tmp_path_factory.mktemp("bad-input-real")
    backend = small_backend(home, llm=ScriptedModel(["Here are some films."], repeat_last=True))
    app = create_app(make_settings(home, rate_per_minute=100_000), backend)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_real_backend_stores_no_control_characters(real_client: TestClient) -> None:
    url = session_url(real_client, bearer("carol"))
    response = post(real_client, url, {"text": "crime films\x00 from the 90s\x1b[0m\u202e\udfff"}, bearer("carol"))
    assert response.status_code == 200, response.text
    assert response.json()["items"], response.json()  # the cleaned text is still understood
    transcript = real_client.get(url.removesuffix("/messages"), headers=bearer("carol")).json()["messages"]
    assert transcript[0]["content"] == "crime films from the 90s[0m"
    assert all(hidden_characters(json.dumps(m, ensure_ascii=False)) == [] for m in transcript)


@pytest.mark.parametrize(
    "session_id",
    [
        "%00",
        "..%2F..%2Fetc%2Fpasswd",
        "x" * 5000,
        "1%20OR%201=1",
        "%F0%9F%98%80",
        "%ff%fe",
        "'; DROP TABLE sessions;--",
    ],
)
def test_real_backend_hostile_session_ids_are_404(real_client: TestClient, session_id: str) -> None:
    assert_error(real_client.get(f"/api/v1/sessions/{session_id}", headers=ALICE), 404)
    response = real_client.post(f"/api/v1/sessions/{session_id}/messages", json={"text": "hi"}, headers=ALICE)
    assert_error(response, 404)
    assert real_client.get("/healthz").status_code == 200


def test_real_backend_feedback_with_hostile_item_ids(real_client: TestClient) -> None:
    for item_id in ["6\x00", "6 OR 1=1", "%", "_", "*", "🙂" * 50]:
        response = real_client.post("/api/v1/feedback", json={"item_id": item_id, "signal": "like"}, headers=ALICE)
        assert_error(response, 404, "item_not_found")
    assert real_client.get("/api/v1/me/profile", headers=ALICE).json()["counts"]["events"] == 0


# ---- 10,000 messages ----------------------------------------------------------------------------------------


def test_ten_thousand_turns_are_refused_at_the_conversation_limit(tmp_path: Path) -> None:
    client, backend = fake_client(tmp_path)
    limit = make_settings(tmp_path).max_messages
    assert limit < TEN_THOUSAND // 10, "the default limit should be far below 10,000 messages"
    url = session_url(client)
    accepted = 0
    for n in range(TEN_THOUSAND):
        response = client.post(url, json={"text": f"message {n}"}, headers=ALICE)
        if response.status_code != 200:
            break
        accepted += 1
    assert_error(response, 409, "conversation_too_long")
    assert str(limit) in response.json()["error"]["message"]
    assert accepted == limit // 2  # each turn stores the user's message and the reply
    assert_error(client.post(url, json={"text": "still there?"}, headers=ALICE), 409)
    assert len(client.get(url.removesuffix("/messages"), headers=ALICE).json()["messages"]) == limit
    assert len(backend.calls) == accepted


def measure(call: Any) -> tuple[Any, float, int]:
    """(result, seconds without tracing, peak bytes traced during a second run)."""
    started = time.perf_counter()
    call()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, seconds, peak


def test_ten_thousand_openai_messages_are_refused_fast_in_bounded_memory(tmp_path: Path) -> None:
    client, backend = fake_client(tmp_path)
    limit = make_settings(tmp_path).max_messages
    messages = [{"role": "user" if n % 2 == 0 else "assistant", "content": f"message {n}"} for n in range(TEN_THOUSAND)]
    messages.append({"role": "user", "content": "and now?"})
    body = json.dumps({"messages": messages}).encode()
    assert len(body) < make_settings(tmp_path).max_body_bytes  # so the count limit, not the size limit, answers
    response, seconds, peak = measure(lambda: client.post(CHAT, content=body, headers=JSON))
    print(f"\n10,000 OpenAI messages: {response.status_code} in {seconds:.2f} s, peak {peak / 1e6:.1f} MB traced")
    assert_error(response, 413, "too_many_messages")
    assert str(limit) in response.json()["error"]["message"]
    assert seconds < MAX_SECONDS and peak < MAX_EXTRA_BYTES
    assert backend.calls == []


def test_ten_thousand_long_openai_messages_stop_at_the_body_limit(tmp_path: Path) -> None:
    client, backend = fake_client(tmp_path)
    messages = [{"role": "user", "content": "x" * 500} for _ in range(TEN_THOUSAND)]
    body = json.dumps({"messages": messages}).encode()  # ~5 MB
    response, seconds, peak = measure(lambda: client.post(CHAT, content=body, headers=JSON))
    print(f"\n10,000 long OpenAI messages ({len(body) / 1e6:.1f} MB): {response.status_code} in {seconds:.2f} s")
    assert_error(response, 413, "body_too_large")
    assert seconds < MAX_SECONDS and peak < MAX_EXTRA_BYTES + len(body)  # the test's own copy is traced too
    assert backend.calls == []


def test_a_conversation_just_under_the_limit_is_served(tmp_path: Path) -> None:
    client, backend = fake_client(tmp_path)
    limit = make_settings(tmp_path).max_messages
    messages = [{"role": "user" if n % 2 == 0 else "assistant", "content": f"message {n}"} for n in range(limit - 1)]
    response = client.post(CHAT, json={"messages": messages}, headers=ALICE)
    assert response.status_code == 200, response.text
    assert len(backend.calls[-1]["history"]) == limit - 2
