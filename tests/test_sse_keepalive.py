"""SSE keep-alive: while a turn waits (here: on a gate the test opens only after it has seen `: keep-alive`), the
session and OpenAI streams send comment lines; the events themselves are the same as without the wait."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from openai._streaming import SSEDecoder

from bot.agent.events import TurnEvent
from bot.http.app import create_app
from tests.fake_backend import FakeBackend, bearer, live_server, make_settings

ALICE = bearer("alice")
KEEPALIVE = ": keep-alive"


class GatedBackend(FakeBackend):
    """A FakeBackend whose turns stop after their first event until `gate` is set (at most 60 s, then fail)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def run_turn(self, **kwargs: Any) -> Iterator[TurnEvent]:
        events = super().run_turn(**kwargs)

        def gated() -> Iterator[TurnEvent]:
            yield next(events)
            if not self.gate.wait(timeout=60):
                raise RuntimeError("the test saw no keep-alive")
            yield from events

        return gated()


def read_stream(url: str, path: str, body: dict[str, Any], backend: GatedBackend) -> tuple[list[str], int]:
    """The stream's lines without keep-alive comments, and how many keep-alives came; opens the gate at the first."""
    lines, keepalives = [], 0
    headers = {**ALICE, "Accept": "text/event-stream"}
    with httpx.stream("POST", url + path, json=body, headers=headers, timeout=60) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if line == KEEPALIVE:
                keepalives += 1
                backend.gate.set()
            else:
                lines.append(line)
    return lines, keepalives


def events_of(lines: list[str]) -> list[tuple[str, Any]]:
    """(event name, data) of each SSE block; the session id and timings left out (they differ between turns)."""
    blocks, name = [], "message"
    for line in lines:
        if line.startswith("event: "):
            name = line[len("event: ") :]
        elif line.startswith("data: "):
            data = json.loads(line[len("data: ") :])
            if isinstance(data, dict):
                data = {k: v for k, v in data.items() if k not in ("session_id", "timings_ms")}
            blocks.append((name, data))
            name = "message"
    return blocks


def test_session_stream_sends_keepalives_while_the_turn_waits(tmp_path: Path) -> None:
    backend = GatedBackend()
    app = create_app(make_settings(tmp_path, sse_keepalive_s=0.05), backend)
    with live_server(app) as url:
        path = f"/api/v1/sessions/{httpx.post(url + '/api/v1/sessions', headers=ALICE).json()['session_id']}/messages"
        waited, keepalives = read_stream(url, path, {"text": "heat", "reply_mode": "llm"}, backend)
        assert keepalives >= 1
        backend.gate.set()  # stays open: the same turn without a wait
        path = f"/api/v1/sessions/{httpx.post(url + '/api/v1/sessions', headers=ALICE).json()['session_id']}/messages"
        plain, _ = read_stream(url, path, {"text": "heat", "reply_mode": "llm"}, backend)
    assert events_of(waited) == events_of(plain)
    names = [name for name, _ in events_of(waited)]
    assert names[0] == "tool_start" and names[-1] == "done" and "token" in names


def test_openai_stream_sends_keepalives_the_sdk_ignores(tmp_path: Path) -> None:
    backend = GatedBackend()
    app = create_app(make_settings(tmp_path, sse_keepalive_s=0.05), backend)
    body = {"model": "concierge", "stream": True, "messages": [{"role": "user", "content": "heat"}]}
    raw: list[bytes] = []
    with live_server(app) as url:
        headers = {**ALICE, "Accept": "text/event-stream"}
        with httpx.stream("POST", url + "/v1/chat/completions", json=body, headers=headers, timeout=60) as response:
            assert response.status_code == 200
            for chunk in response.iter_raw():
                raw.append(chunk)
                if KEEPALIVE.encode() in b"".join(raw):
                    backend.gate.set()
    text = b"".join(raw).decode()
    assert text.count(KEEPALIVE) >= 1 and text.rstrip().endswith("data: [DONE]")
    events = list(SSEDecoder().iter_bytes(iter(raw)))  # how the openai SDK reads the stream: comments skipped
    assert events[-1].data == "[DONE]"
    chunks = [json.loads(event.data) for event in events[:-1]]
    assert all(chunk["object"] == "chat.completion.chunk" for chunk in chunks)
    content = "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks)
    assert content.startswith("You asked: heat")
