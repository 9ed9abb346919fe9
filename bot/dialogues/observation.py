"""What the bot did in one dialogue turn, as the runner saw it: the record every expectation is checked against."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.agent.events import ItemView, ToolCall


@dataclass(slots=True)
class Observation:
    """What the bot did in one turn, as the runner saw it (from a TurnResult or its HTTP JSON)."""

    text: str
    reply: str = ""
    items: list[ItemView] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    intent: str | None = None
    guard_passed: bool | None = None
    guard_problems: list[str] = field(default_factory=list)
    reply_mode_used: str | None = None
    latency_ms: float = 0.0
    rejected: str | None = None
    language: str | None = None  # the language the backend says it answered in

    @classmethod
    def from_result_dict(cls, text: str, data: dict[str, Any], latency_ms: float) -> Observation:
        """Build from TurnResult.to_dict() (the HTTP API's response body)."""
        items = [ItemView.from_dict(d) for d in data.get("items") or []]
        calls = [
            ToolCall(str(c["name"]), dict(c.get("arguments") or {}), bool(c.get("ok", True)), c.get("error"))
            for c in data.get("tool_calls") or []
        ]
        guard = data.get("guard")
        return cls(
            text=text,
            reply=str(data.get("reply") or ""),
            items=items,
            tool_calls=calls,
            intent=data.get("intent"),
            guard_passed=None if guard is None else bool(guard.get("passed")),
            guard_problems=[] if guard is None else [str(p) for p in guard.get("problems") or []],
            reply_mode_used=data.get("reply_mode_used"),
            latency_ms=latency_ms,
            language=data.get("language"),
        )
