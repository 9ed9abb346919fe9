"""Runs dialogue tests: each dialogue as a fresh user, in-process through a ChatBackend or over the HTTP API.

Dialogues run in parallel on a thread pool; results come back in input order whatever the number of jobs.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx

from bot.agent.events import ItemView, ReplyMode, TurnDone
from bot.backend import ChatBackend
from bot.dialogues.checks import Failure, check_turn
from bot.dialogues.format import Dialogue, DialogueSettings
from bot.dialogues.observation import Observation

log = logging.getLogger(__name__)
Status = Literal["passed", "failed", "error"]
BackendFactory = Callable[[DialogueSettings], ChatBackend]
"""Builds (or returns a cached) backend for a dialogue's settings; only `planner` needs a different backend."""
ItemResolver = Callable[[ChatBackend, str], str]
"""Turns a `user.likes` entry (id or title) into an item id for ChatBackend.record_feedback."""


class TurnRejected(Exception):
    """The backend refused the message (HTTP 4xx, or ValueError in process): what `expect.rejected` checks."""


class DialogueSession(Protocol):
    def send(self, text: str, *, reply_mode: ReplyMode | None, max_items: int | None) -> dict[str, Any]:
        """One turn; returns TurnResult.to_dict(). Raises TurnRejected when the message is refused."""
        ...

    def close(self) -> None: ...


class Transport(Protocol):
    def open(self, dialogue: Dialogue) -> tuple[str, DialogueSession]:
        """A session of a fresh user (or of the dialogue's demo user), likes already recorded: (user_id, session)."""
        ...


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Run-wide defaults; a dialogue's `settings` and a turn's `reply_mode` override them."""

    reply_mode: ReplyMode | None = None
    max_items: int | None = None
    jobs: int = 1


@dataclass(slots=True)
class TurnOutcome:
    number: int
    observation: Observation
    failures: list[Failure]

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass(slots=True)
class DialogueResult:
    dialogue: Dialogue
    user_id: str = ""
    turns: list[TurnOutcome] = field(default_factory=list)
    error: str | None = None
    duration_s: float = 0.0

    @property
    def status(self) -> Status:
        if self.error is not None:
            return "error"
        return "passed" if all(t.passed for t in self.turns) else "failed"


# ---- in-process transport ------------------------------------------------------------------------------


def fresh_user_id() -> str:
    """A user id no one else has: dialogues never see each other's history."""
    return f"dialogue-test-{uuid.uuid4().hex[:12]}"


def resolve_item_id(backend: ChatBackend, ref: str) -> str:
    """Default ItemResolver: the backend's title index when it has one (bot.concierge.Concierge), else ref as an id."""
    components = getattr(backend, "components", None)
    titles = getattr(components, "titles", None)
    if titles is None or ref.isdigit():
        return ref
    return str(titles.resolve(ref).item_id)


class BackendSession:
    def __init__(self, backend: ChatBackend, user_id: str, cleanup: bool) -> None:
        self.backend = backend
        self.user_id = user_id
        self.session_id: str | None = None
        self._cleanup = cleanup

    def send(self, text: str, *, reply_mode: ReplyMode | None, max_items: int | None) -> dict[str, Any]:
        try:
            events = self.backend.run_turn(
                user_id=self.user_id, text=text, session_id=self.session_id, reply_mode=reply_mode, max_items=max_items
            )
            done = [event for event in events if isinstance(event, TurnDone)]
        except ValueError as exc:
            raise TurnRejected(f"{type(exc).__name__}: {exc}") from exc
        if not done:
            raise RuntimeError("run_turn ended without a TurnDone event")
        self.session_id = done[-1].result.session_id
        return done[-1].result.to_dict()

    def close(self) -> None:
        if self._cleanup:
            self.backend.forget_user(self.user_id)


class BackendTransport:
    """In-process: the same ChatBackend the UI and API use. Fresh users are forgotten after their dialogue.

    `user.likes` are stored with ChatBackend.record_feedback(user, item_id, "like") before the first turn.
    """

    def __init__(self, factory: BackendFactory, resolver: ItemResolver = resolve_item_id) -> None:
        self._factory = factory
        self._resolver = resolver
        self._lock = threading.Lock()
        self._backends: dict[str | None, ChatBackend] = {}

    def backend_for(self, settings: DialogueSettings) -> ChatBackend:
        with self._lock:
            if settings.planner not in self._backends:
                self._backends[settings.planner] = self._factory(settings)
            return self._backends[settings.planner]

    def open(self, dialogue: Dialogue) -> tuple[str, DialogueSession]:
        backend = self.backend_for(dialogue.settings)
        demo = dialogue.user.demo_id is not None
        user_id = str(dialogue.user.demo_id) if demo else fresh_user_id()
        for ref in dialogue.user.likes:
            backend.record_feedback(user_id, self._resolver(backend, ref), "like")
        return user_id, BackendSession(backend, user_id, cleanup=not demo)


# ---- HTTP transport ------------------------------------------------------------------------------------


class HttpSession:
    def __init__(self, client: httpx.Client, session_id: str) -> None:
        self.client = client
        self.session_id = session_id

    def send(self, text: str, *, reply_mode: ReplyMode | None, max_items: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if reply_mode is not None:
            body["reply_mode"] = reply_mode
        if max_items is not None:
            body["max_items"] = max_items
        response = self.client.post(f"/api/v1/sessions/{self.session_id}/messages", json=body)
        if response.status_code in (400, 413, 422):
            raise TurnRejected(f"HTTP {response.status_code}: {response.text[:200]}")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def close(self) -> None:
        self.client.close()


class HttpTransport:
    """Against a running server. One HTTP client per dialogue, so cookie-based anonymous users are fresh.

    With --token every dialogue runs as the token's user. `user.demo_id` is sent as {"user_id": "42"} in the
    session-creation body (honoured by servers in demo auth mode). `user.likes` are sent as a hidden first turn
    "I like A, B" in a separate session before the dialogue's own session.
    """

    def __init__(
        self,
        url: str,
        token: str | None = None,
        timeout_s: float = 120.0,
        http_transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s
        self._http_transport = http_transport  # tests pass httpx.MockTransport

    def _client(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=self.timeout_s, transport=self._http_transport)

    def _new_session(self, client: httpx.Client, dialogue: Dialogue) -> str:
        body = {"user_id": str(dialogue.user.demo_id)} if dialogue.user.demo_id is not None else {}
        response = client.post("/api/v1/sessions", json=body)
        response.raise_for_status()
        data = response.json()
        if data.get("user_token"):  # a new anonymous user: later requests must carry its token
            client.headers["Authorization"] = f"Bearer {data['user_token']}"
        return str(data.get("session_id") or data["id"])

    def open(self, dialogue: Dialogue) -> tuple[str, DialogueSession]:
        client = self._client()
        try:
            if dialogue.user.likes:
                warmup = HttpSession(client, self._new_session(client, dialogue))
                warmup.send("I like " + ", ".join(dialogue.user.likes), reply_mode="template", max_items=None)
            session = HttpSession(client, self._new_session(client, dialogue))
        except BaseException:
            client.close()
            raise
        user = str(dialogue.user.demo_id) if dialogue.user.demo_id is not None else "(server-assigned)"
        return user, session


# ---- running -------------------------------------------------------------------------------------------


def short_traceback(exc: BaseException, frames: int = 8) -> str:
    """The last frames of the traceback that are project code (not the standard library or site-packages)."""
    stack = traceback.extract_tb(exc.__traceback__)
    own = [f for f in stack if "site-packages" not in f.filename and "/lib/python3" not in f.filename]
    lines = traceback.format_list((own or stack)[-frames:])
    return "".join(lines) + "".join(traceback.format_exception_only(exc))


def run_dialogue(dialogue: Dialogue, transport: Transport, options: RunOptions | None = None) -> DialogueResult:
    """Run every turn of one dialogue and check its expectations. Never raises for a failing bot."""
    options = options or RunOptions()
    result = DialogueResult(dialogue)
    started = time.perf_counter()
    session: DialogueSession | None = None
    shown: list[str] = []
    known: list[ItemView] = []
    try:
        result.user_id, session = transport.open(dialogue)
        for number, turn in enumerate(dialogue.turns, 1):
            mode = turn.reply_mode or dialogue.settings.reply_mode or options.reply_mode
            max_items = dialogue.settings.max_items or options.max_items
            text = turn.text
            t0 = time.perf_counter()
            try:
                data = session.send(text, reply_mode=mode, max_items=max_items)
                obs = Observation.from_result_dict(text, data, (time.perf_counter() - t0) * 1000)
            except TurnRejected as exc:
                obs = Observation(text=text, rejected=str(exc), latency_ms=(time.perf_counter() - t0) * 1000)
            known += obs.items
            failures = check_turn(turn.expect, obs, shown, known)
            shown += [i.item_id for i in obs.items]
            result.turns.append(TurnOutcome(number, obs, failures))
    except Exception as exc:  # a crash of the bot or transport is this dialogue's error, not the run's
        where = f"turn {len(result.turns) + 1}" if session is not None else "setup (user, likes, session)"
        result.error = f"{type(exc).__name__} in {where}: {exc}\n{short_traceback(exc)}"
        log.debug("dialogue %r errored", dialogue.name, exc_info=True)
    finally:
        if session is not None:
            try:
                session.close()
            except Exception as exc:  # cleanup problems must not hide the dialogue's result
                log.warning("cleanup after dialogue %r failed: %s", dialogue.name, exc)
    result.duration_s = time.perf_counter() - started
    return result


def run_dialogues(
    dialogues: Sequence[Dialogue], transport: Transport, options: RunOptions | None = None
) -> list[DialogueResult]:
    """Run all dialogues, `options.jobs` at a time; results in the order of `dialogues`."""
    options = options or RunOptions()
    if options.jobs <= 1 or len(dialogues) <= 1:
        return [run_dialogue(d, transport, options) for d in dialogues]
    with ThreadPoolExecutor(max_workers=options.jobs, thread_name_prefix="dialogue") as pool:
        return list(pool.map(lambda d: run_dialogue(d, transport, options), dialogues))
