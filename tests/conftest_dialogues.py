"""A fake ChatBackend for tests of the dialogue runner: canned TurnResults chosen by the user's text."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.events import GuardReport, ItemView, ReplyMode, TextDelta, ToolCall, TurnDone, TurnEvent, TurnResult
from bot.llm_base import Message
from bot.service import Signal
from tools.context import Role

CATALOG = {
    "6": ItemView("6", "Heat", 1995, ("Action", "Crime", "Thriller"), "crime like you asked", 0.9),
    "1": ItemView("1", "Toy Story", 1995, ("Animation", "Children", "Comedy"), "family classic", 0.8),
    "858": ItemView("858", "The Godfather", 1972, ("Crime", "Drama"), "mafia saga", 0.85),
    "2194": ItemView("2194", "The Untouchables", 1987, ("Action", "Crime", "Drama"), "gangsters", 0.7),
    "2278": ItemView("2278", "Ronin", 1998, ("Action", "Crime", "Thriller"), "heist", 0.75),
}


@dataclass(slots=True)
class Canned:
    """What the fake answers to one text."""

    reply: str
    items: Sequence[str] = ()
    calls: Sequence[tuple[str, dict[str, Any]]] = ()
    intent: str = "recommend"
    guard: bool | None = True
    mode: str = "llm"
    delay_s: float = 0.0


@dataclass
class FakeBackend:
    """Implements the ChatBackend methods the runner uses; thread-safe; records what it was asked."""

    script: dict[str, Canned]
    feedback: list[tuple[str, str, str]] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)
    turns: list[tuple[str, str, str | None]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sessions: int = 0

    def ready(self) -> bool:
        return True

    def unavailable_reason(self) -> str | None:
        return None

    def create_session(self, user_id: str) -> str:
        with self._lock:
            self._sessions += 1
            return f"s{self._sessions}"

    def session_messages(self, user_id: str, session_id: str) -> list[dict[str, Any]]:
        return []

    def profile(self, user_id: str) -> dict[str, Any]:
        return {}

    def demo_users(self) -> list[str]:
        return ["42"]

    def run_turn(
        self,
        *,
        user_id: str,
        text: str,
        session_id: str | None = None,
        role: Role = "user",
        reply_mode: ReplyMode | None = None,
        max_items: int | None = None,
        history: Sequence[Message] | None = None,
    ) -> Iterator[TurnEvent]:
        if not text.strip():
            raise ValueError("empty message")
        if text == "crash":
            raise RuntimeError("backend exploded")
        session = session_id or self.create_session(user_id)
        with self._lock:
            self.turns.append((user_id, text, reply_mode))
        canned = self.script.get(
            text, Canned("I can help with movies.", intent="smalltalk", mode="template", guard=None)
        )
        if canned.delay_s:
            time.sleep(canned.delay_s)
        yield TextDelta(canned.reply)
        result = TurnResult(
            session_id=session,
            reply=canned.reply,
            items=[CATALOG[i] for i in canned.items],
            tool_calls=[ToolCall(name, args) for name, args in canned.calls],
            reply_mode_used="llm" if canned.mode == "llm" else "template",
            intent=canned.intent,
            guard=None if canned.guard is None else GuardReport(canned.guard, () if canned.guard else ("made up",)),
        )
        yield TurnDone(result)

    def record_feedback(self, user_id: str, item_id: str, signal: Signal) -> dict[str, Any]:
        if item_id not in CATALOG:
            raise KeyError(item_id)
        with self._lock:
            self.feedback.append((user_id, item_id, signal))
        return {"item_id": item_id, "signal": signal, "title": CATALOG[item_id].label}

    def forget_user(self, user_id: str) -> dict[str, int]:
        with self._lock:
            self.forgotten.append(user_id)
        return {"history_events": 0}


def title_resolver(backend: Any, ref: str) -> str:
    """ItemResolver for the fake catalog: id or exact title."""
    for item in CATALOG.values():
        if ref in (item.item_id, item.title):
            return item.item_id
    raise KeyError(ref)


SCRIPT = {
    "I loved Heat and Ronin": Canned(
        "Since you loved Heat, try The Godfather and The Untouchables.",
        items=("858", "2194"),
        calls=(("recommend", {"genres": ["Crime"], "likes": ["Heat", "Ronin"], "k": 10}),),
    ),
    "more like that": Canned(
        "More crime: Heat and Ronin.",
        items=("6", "2278"),
        calls=(("recommend", {"genres": ["Crime"], "exclude_ids": ["858", "2194"]}),),
    ),
    "something for kids": Canned(
        "Toy Story is a family classic.", items=("1",), calls=(("search_catalog", {"query": "kids"}),), intent="search"
    ),
    "tell me about the first one": Canned(
        "Heat (1995) is about professional bank robbers.",
        items=("6",),
        calls=(("item_details", {"item": "6"}),),
        intent="item_question",
    ),
    "write a tagline for Heat": Canned(
        "A los Angeles crime saga.",
        items=("6",),
        calls=(("write_copy", {"item": "6", "channel": "tagline"}),),
        intent="marketing_copy",
        guard=False,
    ),
    "slow": Canned("ok", delay_s=0.05, mode="template", guard=None, intent="smalltalk"),
}
