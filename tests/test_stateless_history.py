"""A stateless OpenAI-style client that sends the whole conversation each time gets what a session gets (issue 14):
the earlier user turns are replayed through the same interpretation (bot/agent/replay.py), their feedback is not
recorded twice, and over HTTP /v1/chat/completions shows the same items as the session API, turn by turn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.agent.events import TurnDone, TurnResult
from bot.concierge import Concierge
from bot.http.app import create_app
from bot.http.openai_routes import content_with_items
from tests.app_fixtures import small_backend
from tests.fake_backend import bearer, make_settings

CONVERSATION = ["I loved Toy Story, what should I watch?", "only comedies", "something older", "more"]
FOLLOW_UPS = ["a comedy from the 90s", "no romance please", "something more recent"]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Concierge:
    return small_backend(tmp_path_factory.mktemp("stateless"), reply_mode="template")


def finished(backend: Concierge, **turn: Any) -> TurnResult:
    return next(e.result for e in backend.run_turn(**turn) if isinstance(e, TurnDone))


def sent(result: TurnResult) -> str:
    """The assistant message an OpenAI client got: the reply and the numbered list of the items."""
    return content_with_items(result.reply, result.items)


def ids(result: TurnResult) -> list[str]:
    return [i.item_id for i in result.items]


@pytest.mark.parametrize("texts", [CONVERSATION, FOLLOW_UPS])
def test_a_stateless_client_gets_the_sessions_items_turn_by_turn(backend: Concierge, texts: list[str]) -> None:
    session: str | None = None
    history: list[dict[str, str]] = []
    for n, text in enumerate(texts):
        kept = finished(backend, user_id=f"kept-{len(texts)}", text=text, session_id=session)
        session = kept.session_id
        stateless = finished(backend, user_id=f"stateless-{len(texts)}", text=text, history=list(history))
        assert ids(stateless) == ids(kept), (n, text, stateless.tool_calls, kept.tool_calls)
        assert [c.arguments for c in stateless.tool_calls] == [c.arguments for c in kept.tool_calls], text
        history += [{"role": "user", "content": text}, {"role": "assistant", "content": sent(stateless)}]


def test_replayed_feedback_is_not_recorded_again(backend: Concierge) -> None:
    user, history = "stateless-feedback", []
    for text in CONVERSATION:
        result = finished(backend, user_id=user, text=text, history=list(history))
        history += [{"role": "user", "content": text}, {"role": "assistant", "content": sent(result)}]
    likes = [e for e in backend.components.history.events(user) if e.signal == "like"]
    assert len(likes) == 1  # said once, in the first message; replayed three times since


def test_chat_completions_with_full_history_match_the_session_api(tmp_path: Path, backend: Concierge) -> None:
    client = TestClient(create_app(make_settings(tmp_path), backend))
    alice, bob = bearer("alice-stateless"), bearer("bob-session")
    session = client.post("/api/v1/sessions", headers=bob).json()["session_id"]
    messages: list[dict[str, str]] = []
    for text in FOLLOW_UPS:
        messages.append({"role": "user", "content": text})
        openai = client.post("/v1/chat/completions", json={"messages": messages}, headers=alice)
        assert openai.status_code == 200, openai.text
        body = openai.json()
        kept = client.post(f"/api/v1/sessions/{session}/messages", json={"text": text}, headers=bob).json()
        shown = [i["item_id"] for i in body["concierge"]["items"]]
        assert shown == [i["item_id"] for i in kept["items"]], text
        messages.append({"role": "assistant", "content": body["choices"][0]["message"]["content"]})
