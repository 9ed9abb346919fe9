"""The Gradio UI runs several visitors' turns at once (CONCIERGE_UI_CONCURRENCY), through gradio_client.

Each turn waits at a barrier for the other visitors' turns to start, so the test passes only when the turns run
at the same time (with Gradio's default of one event at a time the barrier breaks and the turns fail).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gradio_client import Client

from bot.agent.events import TurnEvent
from bot.config import Settings, default_ui_concurrency
from bot.http.app import create_app
from bot.http.gradio_ui import mount_ui
from tests.fake_backend import FakeBackend, live_server, make_settings

VISITORS = 3


class MeetingBackend(FakeBackend):
    """A FakeBackend whose turns each wait (at most 60 s) until `parties` turns are under way."""

    def __init__(self, parties: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(parties)

    def run_turn(self, **kwargs: Any) -> Iterator[TurnEvent]:
        events = super().run_turn(**kwargs)

        def meeting() -> Iterator[TurnEvent]:
            self.barrier.wait(timeout=60)  # BrokenBarrierError: the turns did not overlap
            yield from events

        return meeting()


def chat(url: str, text: str) -> str:
    """One visitor (its own gradio session): the box's submit, then the turn; the reply's text."""
    client = Client(url + "/", verbose=False)
    client.predict(text, api_name="/lambda_1")  # the box's submit: the text into the visitor's state
    chat_log, _chart, _summary = client.predict([], "new visitor", "template", "auto", api_name="/respond")
    content = chat_log[-1]["content"]
    return str(content[0]["text"] if isinstance(content, list) else content)


def test_visitors_turns_run_at_the_same_time(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, auth="demo", ui_concurrency=VISITORS)
    backend = MeetingBackend(VISITORS)
    app = mount_ui(create_app(settings, backend), settings, backend)
    with live_server(app) as url, ThreadPoolExecutor(VISITORS) as pool:
        replies = list(pool.map(lambda n: chat(url, f"heat number {n}"), range(VISITORS)))
    assert [reply.startswith(f"You asked: heat number {n}") for n, reply in enumerate(replies)] == [True] * VISITORS
    assert not backend.barrier.broken


def test_default_concurrency_is_sized_to_the_machine(monkeypatch: Any) -> None:
    assert [cores(monkeypatch, n) for n in (1, 2, 3, 4, 8, 64)] == [8, 8, 12, 16, 20, 20]
    monkeypatch.setenv("CONCIERGE_UI_CONCURRENCY", "3")
    assert Settings().ui_concurrency == 3


def cores(monkeypatch: Any, count: int) -> int:
    monkeypatch.setattr("os.cpu_count", lambda: count)
    return default_ui_concurrency()
