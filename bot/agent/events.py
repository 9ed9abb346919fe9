"""Events one turn of the agent loop yields. Surfaces (UI, widget, API, CLI, dialogue tests) only render these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.ops.metrics import TurnMetrics
from store.display_fields import DisplayFields
from tools.guard_report import GuardReport  # the guards' report, kept importable from here for TurnResult users

ReplyMode = Literal["llm", "template"]


@dataclass(frozen=True, slots=True)
class ItemView:
    """An item as shown to the user: always built from a tool result, never from LLM text."""

    item_id: str
    title: str
    year: int | None
    genres: tuple[str, ...]
    reason: str
    score: float
    display: DisplayFields = field(default_factory=DisplayFields)  # image, link, price (store.display_fields)

    @property
    def label(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def to_dict(self) -> dict[str, Any]:
        """The API's item: id, title, year, genres, reason, score, plus image_url / url / price / currency when
        the catalog's profile names those fields and the item has them."""
        return {
            "item_id": self.item_id,
            "title": self.title,
            "year": self.year,
            "genres": list(self.genres),
            "reason": self.reason,
            "score": round(float(self.score), 6),
            **self.display.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ItemView:
        """Back from `to_dict` (stored dialogue state, an HTTP response); display fields are checked again."""
        return cls(
            str(data["item_id"]),
            str(data.get("title", "")),
            data.get("year"),
            tuple(data.get("genres") or ()),
            str(data.get("reason", "")),
            float(data.get("score") or 0.0),
            DisplayFields.from_mapping(data),
        )


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool the loop ran this turn, with its arguments (never the user id: that comes from the session)."""

    name: str
    arguments: dict[str, Any]
    ok: bool = True
    error: str | None = None
    duration_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments, "ok": self.ok, "error": self.error}


@dataclass(slots=True)
class TurnResult:
    """Everything a surface needs once the turn is over."""

    session_id: str
    reply: str
    items: list[ItemView]
    tool_calls: list[ToolCall]
    reply_mode_used: ReplyMode
    intent: str | None = None
    guard: GuardReport | None = None
    fallback_reason: str | None = None
    trace: list[dict[str, Any]] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    language: str = "en"  # the language the turn was understood and answered in

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "reply": self.reply,
            "items": [item.to_dict() for item in self.items],
            "tool_calls": [call.to_dict() for call in self.tool_calls],
            "reply_mode_used": self.reply_mode_used,
            "intent": self.intent,
            "guard": None
            if self.guard is None
            else {"passed": self.guard.passed, "problems": list(self.guard.problems)},
            "fallback_reason": self.fallback_reason,
            "timings_ms": self.timings_ms,
            "language": self.language,
        }

    def count_into(self, metrics: TurnMetrics) -> None:
        """Count this finished turn in the service's metrics (its time is the loop's own `total`)."""
        metrics.observe_turn(
            intent=str(self.intent or "none"),
            reply_mode=self.reply_mode_used,
            seconds=self.timings_ms.get("total", 0.0) / 1000,
            fallback_reason=self.fallback_reason,
            problems=self.guard.problems if self.guard is not None else (),
            guard_passed=self.guard.passed if self.guard is not None else None,
            # a tool the model made up is "unknown", never its name
            tool_errors=[
                "unknown" if (c.error or "").startswith("unknown tool") else c.name for c in self.tool_calls if not c.ok
            ],
        )


@dataclass(frozen=True, slots=True)
class ToolStarted:
    name: str
    arguments: dict[str, Any]
    kind: Literal["tool_start"] = "tool_start"


@dataclass(frozen=True, slots=True)
class ToolFinished:
    name: str
    ok: bool
    summary: str
    kind: Literal["tool_end"] = "tool_end"


@dataclass(frozen=True, slots=True)
class TextDelta:
    text: str
    kind: Literal["token"] = "token"


@dataclass(frozen=True, slots=True)
class ItemsShown:
    items: tuple[ItemView, ...]
    kind: Literal["items"] = "items"


@dataclass(frozen=True, slots=True)
class TurnDone:
    result: TurnResult
    kind: Literal["done"] = "done"


TurnEvent = ToolStarted | ToolFinished | TextDelta | ItemsShown | TurnDone
