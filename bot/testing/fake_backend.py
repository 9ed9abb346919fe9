"""A fake ChatBackend for tests of every surface (HTTP API, UI, widget, dialogue runner): in memory, thread-safe.

A turn either replays a `Canned` answer chosen by the user's exact text (`script`), or, for any other text, runs a
pretend catalog search: items whose title or genre shares a word with the text (else the first ones), a reply that
quotes the user's text (so escaping is tested on model text too) streamed word by word, tool events, and the
transcript stored in the session. `unscripted` replaces the search for texts not in the script.

Feedback changes genre weights, so the profile chart visibly moves. Every call is recorded for assertions:
`calls` (run_turn arguments), `feedback` and `forgotten` (call logs); `events` holds each user's feedback history.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from bot.agent.events import (
    GuardReport,
    ItemsShown,
    ItemView,
    ReplyMode,
    TextDelta,
    ToolCall,
    ToolFinished,
    ToolStarted,
    TurnDone,
    TurnEvent,
    TurnResult,
)
from bot.backend import SessionNotFound, Signal
from bot.ops.metrics import TurnMetrics
from bot.testing.fake_admin import FakeAdminOperations
from bot.testing.fake_search import search_items
from prompts.locale import shipped_locales
from store.catalog_profile import CatalogProfile, shipped_profile
from tools.chat_model import Message
from tools.context import Role

CATALOG: dict[str, ItemView] = {
    "6": ItemView("6", "Heat", 1995, ("Action", "Crime", "Thriller"), "crime like you asked", 0.9),
    "1": ItemView("1", "Toy Story", 1995, ("Animation", "Children", "Comedy"), "family classic", 0.8),
    "858": ItemView("858", "The Godfather", 1972, ("Crime", "Drama"), "mafia saga", 0.85),
    "2194": ItemView("2194", "The Untouchables", 1987, ("Action", "Crime", "Drama"), "gangsters", 0.7),
    "2571": ItemView("2571", "The Matrix", 1999, ("Action", "Sci-Fi", "Thriller"), "mind-bending", 0.8),
    "356": ItemView("356", "Forrest Gump", 1994, ("Comedy", "Drama", "Romance", "War"), "feel-good", 0.75),
    "318": ItemView("318", "The Shawshank Redemption", 1994, ("Crime", "Drama"), "prison drama", 0.8),
}
"""The default catalog: what turns show and feedback accepts (an unknown item id is a KeyError)."""

SIGNAL_WEIGHT = {"like": 1.0, "dislike": -1.0, "seen": 0.2, "rating": 0.5}
SIGNAL_WEIGHT.update({"view": 0.1, "click": 0.3, "add_to_cart": 0.6, "purchase": 1.0})  # ingested events
DEMO_HISTORY: tuple[tuple[str, str], ...] = (("858", "rating"), ("6", "rating"))
"""The events every demo user starts with (item id, signal)."""


@dataclass(frozen=True, slots=True)
class Canned:
    """What the fake answers to one text: a reply, items (ids in the backend's catalog), tool calls, or an error."""

    reply: str = ""
    items: Sequence[str] = ()
    calls: Sequence[tuple[str, dict[str, Any]]] = ()
    intent: str = "recommend"
    guard: bool | None = True  # None = no guard report; False = a failed report ("made up")
    mode: ReplyMode = "llm"
    delay_s: float = 0.0
    error: Exception | None = None  # raised when the turn is consumed, before anything is recorded


SMALLTALK = Canned("I can help with movies.", intent="smalltalk", mode="template", guard=None)
"""A template small-talk answer, e.g. for `unscripted`."""


class TurnCall(TypedDict):
    """The arguments of one run_turn call that started (history as a list)."""

    user_id: str
    text: str
    session_id: str
    role: Role
    reply_mode: ReplyMode | None
    max_items: int | None
    history: list[Message]
    language: str | None  # the reply language asked for (None: detect)


class FakeBackend(FakeAdminOperations):
    """Implements bot.backend.ChatBackend with canned behaviour; every method is per user.

    script: exact text -> Canned answer. unscripted: the answer to any other text (default: a catalog search).
    demo: the demo user ids (each starts with DEMO_HISTORY). token_delay_s: a pause before each streamed word.
    Set `is_ready`, `down_reason` or `fail_with` (raised by every run_turn call) to simulate an unhealthy backend.
    An empty or blank text is a ValueError, like the real backend.
    """

    def __init__(
        self,
        script: Mapping[str, Canned] | None = None,
        *,
        unscripted: Canned | None = None,
        catalog: Mapping[str, ItemView] | None = None,
        demo: Sequence[str] = ("1", "2", "3"),
        token_delay_s: float = 0.0,
    ) -> None:
        self.script: dict[str, Canned] = dict(script or {})
        self.unscripted = unscripted
        self.catalog: dict[str, ItemView] = dict(CATALOG if catalog is None else catalog)
        self.token_delay_s = token_delay_s
        self.is_ready = True
        self.down_reason: str | None = None
        self.fail_with: Exception | None = None
        self._demo = list(demo)
        self._lock = threading.Lock()
        self.sessions: dict[str, tuple[str, list[dict[str, Any]]]] = {}  # id -> (owner, messages)
        self.events: dict[str, list[tuple[str, str]]] = {u: list(DEMO_HISTORY) for u in demo}
        self.calls: list[TurnCall] = []
        self.feedback: list[tuple[str, str, str]] = []  # (user_id, item_id, signal) per record_feedback call
        self.forgotten: list[str] = []  # user ids, per forget_user call
        self.catalog_updates = []  # per update_catalog call
        self.ingested = {}  # event_id -> event, from ingest_events
        self.metrics = TurnMetrics()
        self.catalog_words = shipped_profile("film")  # the catalog profile the UI's words come from (a film fake)

    # ---- ChatBackend -------------------------------------------------------------------------
    def ready(self) -> bool:
        return self.is_ready

    def unavailable_reason(self) -> str | None:
        return self.down_reason

    def create_session(self, user_id: str) -> str:
        session_id = uuid.uuid4().hex
        with self._lock:
            self.sessions[session_id] = (user_id, [])
        return session_id

    def session_messages(self, user_id: str, session_id: str) -> list[dict[str, Any]]:
        with self._lock:
            owner, messages = self.sessions.get(session_id, ("", []))
            if owner != user_id:
                raise SessionNotFound(session_id)
            return [dict(m) for m in messages]

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
        language: str | None = None,
    ) -> Iterator[TurnEvent]:
        if self.fail_with is not None:
            raise self.fail_with
        if session_id is not None:
            self.session_messages(user_id, session_id)  # SessionNotFound before the first event
        return self._turn(user_id, text, session_id, role, reply_mode, max_items, list(history or []), language)

    def record_feedback(self, user_id: str, item_id: str, signal: Signal) -> dict[str, Any]:
        if item_id not in self.catalog:
            raise KeyError(item_id)
        with self._lock:
            self.feedback.append((user_id, item_id, signal))
            self.events.setdefault(user_id, []).append((item_id, signal))
        return {"item_id": item_id, "signal": signal, "title": self.catalog[item_id].label}

    def profile(self, user_id: str, *, language: str | None = None) -> dict[str, Any]:
        weights: dict[str, float] = {}
        with self._lock:
            events = list(self.events.get(user_id, []))
        for item_id, signal in events:
            for genre in self.catalog[item_id].genres if item_id in self.catalog else ():
                weights[genre] = weights.get(genre, 0.0) + SIGNAL_WEIGHT[signal]
        top = [{"genre": g, "weight": round(w, 3)} for g, w in sorted(weights.items(), key=lambda kv: -kv[1]) if w]
        summary = f"{len(events)} events" + (f" ({language})" if language else "")  # the language asked for, to see
        return {"top_genres": top, "counts": {"events": len(events)}, "summary": summary}

    def forget_user(self, user_id: str) -> dict[str, int]:
        with self._lock:
            self.forgotten.append(user_id)
            events = len(self.events.pop(user_id, []))
            mine = [sid for sid, (owner, _) in self.sessions.items() if owner == user_id]
            messages = sum(len(self.sessions.pop(sid)[1]) for sid in mine)
        return {"history_events": events, "sessions": len(mine), "messages": messages}

    def metrics_exposition(self) -> bytes:
        return self.metrics.exposition()

    def demo_users(self) -> list[str]:
        return list(self._demo)

    def catalog_profile(self) -> CatalogProfile:
        return self.catalog_words

    def languages(self) -> dict[str, str]:  # every shipped locale by its own name (the real backend: the configured)
        return {code: shipped_locales().get(code).name for code in shipped_locales().codes()}

    # ---- helpers -----------------------------------------------------------------------------
    def resolve_item(self, ref: str) -> str:
        """The id of the catalog item whose id or exact title is ref (a KeyError otherwise)."""
        for item in self.catalog.values():
            if ref in (item.item_id, item.title):
                return item.item_id
        raise KeyError(ref)

    def _turn(
        self,
        user_id: str,
        text: str,
        session_id: str | None,
        role: Role,
        reply_mode: ReplyMode | None,
        max_items: int | None,
        history: list[Message],
        language: str | None = None,
    ) -> Iterator[TurnEvent]:
        if not text.strip():
            raise ValueError("empty message")
        canned = self.script.get(text, self.unscripted)
        if canned is not None and canned.error is not None:
            raise canned.error
        if session_id is None:
            session_id = self.create_session(user_id)
        with self._lock:
            self.calls.append(
                TurnCall(
                    user_id=user_id,
                    text=text,
                    session_id=session_id,
                    role=role,
                    reply_mode=reply_mode,
                    max_items=max_items,
                    history=history,
                    language=language,
                )
            )
        if canned is None:
            result = yield from self._search_turn(session_id, text, reply_mode, max_items)
        else:
            result = yield from self._canned_turn(session_id, canned)
        with self._lock:
            messages = self.sessions[session_id][1]
            messages.append({"role": "user", "content": text})
            messages.append(
                {"role": "assistant", "content": result.reply, "items": [i.to_dict() for i in result.items]}
            )
        result.count_into(self.metrics)
        yield TurnDone(result)

    def _canned_turn(self, session_id: str, canned: Canned) -> Generator[TurnEvent, None, TurnResult]:
        if canned.delay_s:
            time.sleep(canned.delay_s)
        yield TextDelta(canned.reply)
        guard = None if canned.guard is None else GuardReport(canned.guard, () if canned.guard else ("made up",))
        return TurnResult(
            session_id=session_id,
            reply=canned.reply,
            items=[self.catalog[i] for i in canned.items],
            tool_calls=[ToolCall(name, args) for name, args in canned.calls],
            reply_mode_used=canned.mode,
            intent=canned.intent,
            guard=guard,
        )

    def _search_turn(
        self, session_id: str, text: str, reply_mode: ReplyMode | None, max_items: int | None
    ) -> Generator[TurnEvent, None, TurnResult]:
        arguments = {"query": text[:200], "k": max_items or 5}
        yield ToolStarted("search_catalog", arguments)
        items = search_items(self.catalog, text, max_items or 5)
        yield ToolFinished("search_catalog", True, f"{len(items)} items")
        yield ItemsShown(tuple(items))
        mode: ReplyMode = reply_mode or "llm"
        reply = f"You asked: {text}. Here are {len(items)} films from the catalog."
        if mode == "llm":
            for word in reply.split(" "):
                time.sleep(self.token_delay_s)  # 0: none
                yield TextDelta(word + " ")
        return TurnResult(
            session_id=session_id,
            reply=reply,
            items=items,
            tool_calls=[ToolCall("search_catalog", arguments)],
            reply_mode_used=mode,
            intent="recommend",
        )


def title_resolver(backend: Any, ref: str) -> str:
    """An ItemResolver (bot.dialogues.runner) for a FakeBackend: catalog item by id or exact title."""
    if not isinstance(backend, FakeBackend):
        raise TypeError(f"title_resolver needs a FakeBackend, not {type(backend).__name__}")
    return backend.resolve_item(ref)
