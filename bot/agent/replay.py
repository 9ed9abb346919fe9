"""The dialogue state of a conversation a stateless client sends whole (the OpenAI way): its earlier user turns
replayed through the same interpretation, so "no romance please" after "a 90s comedy" refines that list on
/v1/chat/completions as it does in a session.

Each earlier user message runs as a turn of the router planner in template mode (cheap and deterministic,
whatever the service's planner) with `ToolContext.replaying` set: its feedback was recorded when the client first
sent it, so nothing is written again. Nothing of a replayed turn is stored; only the state it leaves is kept.
At most MAX_REPLAYED turns are replayed (the latest ones): follow-ups look a few turns back, not the whole chat.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence

from bot.agent.decision import DialogueState
from bot.agent.events import TurnDone, TurnEvent, TurnResult
from bot.agent.turn import TurnRequest
from tools.chat_model import Message
from tools.context import ToolContext

MAX_REPLAYED = 6


def earlier_user_texts(history: Sequence[Message]) -> list[str]:
    """The user messages of a client's history, oldest first (the latest MAX_REPLAYED)."""
    texts = [str(m.get("content") or "").strip() for m in history if m.get("role") == "user"]
    return [t for t in texts if t][-MAX_REPLAYED:]


def replay_history(
    run: Callable[[TurnRequest], Iterable[TurnEvent]],
    request: TurnRequest,
    history: Sequence[Message],
    advance: Callable[[DialogueState, TurnResult], None],
) -> DialogueState:
    """request.state after the history's user turns (request: the turn being asked, whose context and session the
    replayed turns share); `run` is the agent loop's run, `advance` what a finished turn does to the state."""
    state = request.state
    ctx: ToolContext = dataclasses.replace(request.ctx, replaying=True, llm=None)
    for text in earlier_user_texts(history):
        replayed = dataclasses.replace(
            request, ctx=ctx, text=text, state=state, reply_mode="template", planner="router", history=[]
        )
        for event in run(replayed):
            if isinstance(event, TurnDone):
                advance(state, event.result)  # its items, its list call, the likes it stated
    return state
