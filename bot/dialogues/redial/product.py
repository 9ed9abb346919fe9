"""One evaluated turn through the product: the context sent the way an OpenAI-compatible client sends it (the
last seeker turn as this turn's text, the earlier turns as history), as POST /v1/chat/completions passes it to the
backend; a fresh user per turn (a stateless client without a token), template replies."""

from __future__ import annotations

import time
from dataclasses import dataclass

from bot.agent.events import TurnDone, TurnResult
from bot.backend import ChatBackend
from bot.dialogues.redial.protocol import EvalTurn


@dataclass(frozen=True, slots=True)
class ProductAnswer:
    item_ids: list[str]  # as shown, best first
    ms: float  # wall time of the whole turn
    tools: tuple[str, ...]  # the tool calls the turn made


def ask_product(backend: ChatBackend, turn: EvalTurn, *, max_items: int) -> ProductAnswer:
    *history, last = turn.messages
    started = time.perf_counter()
    result: TurnResult | None = None
    for event in backend.run_turn(
        user_id=f"redial-{turn.conversation_id}-{turn.turn}",
        text=last["content"],
        history=[dict(message) for message in history],
        reply_mode="template",
        max_items=max_items,
    ):
        if isinstance(event, TurnDone):
            result = event.result
    ms = (time.perf_counter() - started) * 1000.0
    if result is None:
        raise RuntimeError("the backend ended a turn without TurnDone")
    return ProductAnswer([item.item_id for item in result.items], ms, tuple(str(c.name) for c in result.tool_calls))
