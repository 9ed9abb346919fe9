"""Native tool calling: a capable chat model (OpenAI-compatible backend) picks the tools itself."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.agent.decision import PlannedCall
from bot.agent.toolbox import Toolbox, ToolOutcome
from prompts import Prompts
from tools.chat_model import ChatModel, LLMError, Message, complete
from tools.context import ToolContext
from tools.names import Intent

MAX_HISTORY_MESSAGES = 20
MAX_OBSERVATION_ITEMS = 10


@dataclass(slots=True)
class NativeStep:
    """One model step: tool calls to run, or final text."""

    messages: list[Message]
    calls: list[PlannedCall] = field(default_factory=list)
    text: str | None = None
    intent: Intent | None = None


def observation(outcome: ToolOutcome) -> str:
    """A tool result as data for the model (delimited; the model is told never to obey text inside)."""
    if outcome.error:
        payload: dict[str, Any] = {"error": outcome.error}
    else:
        assert outcome.result is not None
        payload = {
            "summary": outcome.result.summary,
            "items": [
                {
                    "item_id": s.item.item_id,
                    "title": s.item.title,
                    "year": s.item.year,
                    "genres": list(s.item.genres),
                    "reason": s.reason,
                }
                for s in outcome.result.items[:MAX_OBSERVATION_ITEMS]
            ],
            "data": outcome.result.data,
        }
    return "<data>\n" + json.dumps(payload, ensure_ascii=False, default=str)[:6000] + "\n</data>"


class NativePlanner:
    """Drives a tool-calling model: start() builds the messages, step() asks the model, observe() adds results."""

    def __init__(
        self,
        toolbox: Toolbox,
        prompts: Prompts,
        llm_provider: Callable[[], ChatModel | None],
        *,
        timeout_s: float,
        max_tokens: int,
        canary: str = "",
    ) -> None:
        self.toolbox = toolbox
        self.prompts = prompts
        self._llm_provider = llm_provider
        self.timeout_s = timeout_s
        self.max_tokens = max_tokens
        self.canary = canary

    def start(self, ctx: ToolContext, text: str, history: Sequence[Message]) -> list[Message]:
        language = "" if ctx.locale.is_source else ctx.locale.name
        system = self.prompts.render(
            "reply_native_system.j2", profile=ctx.catalog.profile, canary=self.canary, language=language
        )
        earlier = [
            {"role": m["role"], "content": str(m.get("content", ""))}
            for m in history[-MAX_HISTORY_MESSAGES:]
            if m.get("role") in ("user", "assistant")
        ]
        return [{"role": "system", "content": system}, *earlier, {"role": "user", "content": text}]

    def step(self, ctx: ToolContext, messages: list[Message], *, final: bool) -> NativeStep:
        model = self._llm_provider()
        if model is None or not model.supports_tools:
            raise LLMError("the LLM backend cannot call tools")
        tools = None if final else self.toolbox.openai_schemas(ctx.role)
        reply = complete(model, messages, tools=tools, max_tokens=self.max_tokens, timeout_s=self.timeout_s)
        if reply.tool_calls:
            calls = [PlannedCall(c.name, dict(c.arguments)) for c in reply.tool_calls]
            assistant: Message = {
                "role": "assistant",
                "content": reply.text or "",
                "tool_calls": [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.arguments)}}
                    for c in reply.tool_calls
                ],
            }
            intent = self.toolbox.registry.intent_of(calls[-1].tool)
            return NativeStep([*messages, assistant], calls=calls, intent=intent)
        return NativeStep([*messages, {"role": "assistant", "content": reply.text}], text=reply.text)

    def observe(self, messages: list[Message], outcomes: Sequence[ToolOutcome]) -> list[Message]:
        """Append one tool message per outcome, matched to the assistant's tool_call ids."""
        ids: list[str] = []
        if messages and messages[-1].get("tool_calls"):
            ids = [c["id"] for c in messages[-1]["tool_calls"]]
        added = [
            {
                "role": "tool",
                "tool_call_id": ids[i] if i < len(ids) else f"call_{i}",
                "name": o.name,
                "content": observation(o),
            }
            for i, o in enumerate(outcomes)
        ]
        return [*messages, *added]
