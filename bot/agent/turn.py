"""One turn to run: what a surface asks of the agent loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bot.agent.decision import DialogueState
from bot.agent.events import ReplyMode
from tools.chat_model import Message
from tools.context import ToolContext

PlannerName = Literal["router", "native"]


@dataclass(slots=True)
class TurnRequest:
    """One turn to run."""

    ctx: ToolContext
    text: str
    session_id: str
    state: DialogueState
    reply_mode: ReplyMode
    planner: PlannerName
    max_items: int
    history: list[Message] = field(default_factory=list)
