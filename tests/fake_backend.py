"""A fake ChatBackend for API, UI and widget tests: in-memory sessions and history, canned turn events.

A turn searches a tiny catalog (items whose title or genre shares a word with the text, else the first
ones), streams a reply that quotes the user's text (so escaping is tested on model text too) token by
token, and records the transcript. Feedback changes genre weights, so the profile chart visibly moves.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.auth import issue_token
from bot.config import Settings
from bot.events import (
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
from bot.llm_base import Message
from bot.service import SessionNotFound, Signal
from tools.context import Role

CATALOG: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "6": ("Heat", 1995, ("Action", "Crime", "Thriller")),
    "1": ("Toy Story", 1995, ("Animation", "Children", "Comedy")),
    "858": ("The Godfather", 1972, ("Crime", "Drama")),
    "2194": ("The Untouchables", 1987, ("Action", "Crime", "Drama")),
    "2571": ("The Matrix", 1999, ("Action", "Sci-Fi", "Thriller")),
    "356": ("Forrest Gump", 1994, ("Comedy", "Drama", "Romance", "War")),
    "318": ("The Shawshank Redemption", 1994, ("Crime", "Drama")),
}
SECRET = "test-secret-for-service-tests-0123456789"
SIGNAL_WEIGHT = {"like": 1.0, "dislike": -1.0, "seen": 0.2, "rating": 0.5}


class FakeBackend:
    """Implements bot.service.ChatBackend with canned behaviour; every method is per user."""

    def __init__(self, *, token_delay_s: float = 0.0, demo: Sequence[str] = ("1", "2", "3")) -> None:
        self.token_delay_s = token_delay_s
        self.is_ready = True
        self.down_reason: str | None = None
        self._demo = list(demo)
        self._lock = threading.Lock()
        self.sessions: dict[str, tuple[str, list[dict[str, Any]]]] = {}  # id -> (owner, messages)
        self.events: dict[str, list[tuple[str, str]]] = {u: [("858", "rating"), ("6", "rating")] for u in demo}
        self.calls: list[dict[str, Any]] = []  # run_turn arguments, for assertions

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
    ) -> Iterator[TurnEvent]:
        if session_id is not None:
            self.session_messages(user_id, session_id)  # SessionNotFound before the first event
        return self._turn(user_id, text, session_id, role, reply_mode, max_items, list(history or []))

    def _turn(
        self,
        user_id: str,
        text: str,
        session_id: str | None,
        role: Role,
        reply_mode: ReplyMode | None,
        max_items: int | None,
        history: list[Message],
    ) -> Iterator[TurnEvent]:
        if session_id is None:
            session_id = self.create_session(user_id)
        self.calls.append(
            {"user_id": user_id, "text": text, "session_id": session_id, "role": role, "history": history}
        )
        arguments = {"query": text[:200], "k": max_items or 5}
        yield ToolStarted("search_catalog", arguments)
        items = self._search(text, max_items or 5)
        yield ToolFinished("search_catalog", True, f"{len(items)} items")
        yield ItemsShown(tuple(items))
        mode: ReplyMode = reply_mode or "llm"
        reply = f"You asked: {text}. Here are {len(items)} films from the catalog."
        if mode == "llm":
            for word in reply.split(" "):
                if self.token_delay_s:
                    time.sleep(self.token_delay_s)
                yield TextDelta(word + " ")
        result = TurnResult(
            session_id=session_id,
            reply=reply,
            items=items,
            tool_calls=[ToolCall("search_catalog", arguments)],
            reply_mode_used=mode,
            intent="recommend",
        )
        with self._lock:
            messages = self.sessions[session_id][1]
            messages.append({"role": "user", "content": text})
            messages.append({"role": "assistant", "content": reply, "items": [i.to_dict() for i in items]})
        yield TurnDone(result)

    def _search(self, text: str, k: int) -> list[ItemView]:
        words = {w.strip(".,!?").lower() for w in text.split()}
        hits = [
            item_id
            for item_id, (title, _, genres) in CATALOG.items()
            if words & {w.lower() for w in title.split()} or words & {g.lower() for g in genres}
        ]
        chosen = (hits or list(CATALOG))[:k]
        return [
            ItemView(
                item_id,
                CATALOG[item_id][0],
                CATALOG[item_id][1],
                CATALOG[item_id][2],
                f"matches “{text[:40]}”",
                1.0 / (n + 1),
            )
            for n, item_id in enumerate(chosen)
        ]

    def record_feedback(self, user_id: str, item_id: str, signal: Signal) -> dict[str, Any]:
        if item_id not in CATALOG:
            raise KeyError(item_id)
        with self._lock:
            self.events.setdefault(user_id, []).append((item_id, signal))
        title, year, _ = CATALOG[item_id]
        return {"item_id": item_id, "signal": signal, "title": f"{title} ({year})"}

    def profile(self, user_id: str) -> dict[str, Any]:
        weights: dict[str, float] = {}
        for item_id, signal in self.events.get(user_id, []):
            for genre in CATALOG[item_id][2]:
                weights[genre] = weights.get(genre, 0.0) + SIGNAL_WEIGHT[signal]
        top = [{"genre": g, "weight": round(w, 3)} for g, w in sorted(weights.items(), key=lambda kv: -kv[1]) if w]
        count = len(self.events.get(user_id, []))
        return {"top_genres": top, "counts": {"events": count}, "summary": f"{count} events"}

    def forget_user(self, user_id: str) -> dict[str, int]:
        with self._lock:
            events = len(self.events.pop(user_id, []))
            mine = [sid for sid, (owner, _) in self.sessions.items() if owner == user_id]
            messages = sum(len(self.sessions.pop(sid)[1]) for sid in mine)
        return {"history_events": events, "sessions": len(mine), "messages": messages}

    def demo_users(self) -> list[str]:
        return list(self._demo)


def make_settings(home: Path, **overrides: Any) -> Settings:
    """Settings for service tests: a private home, a fixed secret, generous limits unless overridden."""
    values: dict[str, Any] = {
        "home": home,
        "jwt_secret": SECRET,
        "auth": "jwt",
        "allow_anonymous": True,
        "allowed_origins": ["http://127.0.0.1:1"],
        "rate_per_minute": 1000,
    }
    values.update(overrides)
    return Settings(**values)


def bearer(user_id: str, role: str = "user", ttl_s: int = 3600, secret: str = SECRET) -> dict[str, str]:
    """An Authorization header for user_id."""
    return {"Authorization": f"Bearer {issue_token(secret, user_id, role=role, ttl_s=ttl_s)}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 in a thread; yields its base URL; stops it afterwards."""
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium driven by playwright (never `playwright install`)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
