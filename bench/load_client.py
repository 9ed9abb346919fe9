"""Simulated users for bench/load.py: one scripted conversation per user over the HTTP API, and the cross-talk checks.

Every user owns a fingerprint that must come back only to them: a nonce word in each message, a disjoint set of
catalog items given feedback before chatting, and items marked seen/disliked from their own recommendations.
The check_* functions are pure (a list of violations, empty when clean) so a test can feed them planted data.
"""

from __future__ import annotations

import json
import random
import re
import string
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

API = "/api/v1"
ANCHORS = (  # titles the router resolves in "something like X but funnier" on the demo catalog
    "Heat", "Toy Story", "The Matrix", "Alien", "Fargo", "Jaws", "Titanic", "Casablanca", "Goodfellas",
    "Jurassic Park", "Forrest Gump", "The Godfather", "Pulp Fiction", "Die Hard", "Braveheart", "Apollo 13",
    "Gladiator", "Memento", "Shrek", "Speed", "Scream", "Rocky", "Psycho", "Ghostbusters", "Grease", "Clueless",
    "Twister", "Inception", "The Lion King", "Back to the Future", "Star Wars", "Groundhog Day", "Aladdin", "Ronin",
)  # fmt: skip
SEARCHES = ("a comedy from the 80s", "a thriller from the 90s", "a drama from the 2000s", "a horror film from the 70s")
PRESET = ("like", "like", "like", "dislike", "seen")  # feedback on the user's own disjoint items, before chatting
_BASED_ON = re.compile(r"Based on (\d+) films?")


def new_nonce(rng: random.Random) -> str:
    return "zz" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))


@dataclass(slots=True)
class SimUser:
    """What one simulated user sent and was told: the ground truth the checks compare responses against."""

    user_id: str
    token: str
    nonce: str
    anchor: str
    search: str
    preset: dict[str, str]  # item id -> signal, disjoint across users
    signals: dict[str, str] = field(default_factory=dict)  # every feedback sent (latest wins)
    labels: dict[str, str] = field(default_factory=dict)  # item id -> label the server named it
    events: int = 0
    session_id: str | None = None

    def mine(self, signal: str) -> set[str]:
        return {self.labels.get(item, item) for item, s in self.signals.items() if s == signal}


@dataclass(slots=True)
class Tally:
    """Results of all users of one phase (thread-safe)."""

    latencies_ms: list[float] = field(default_factory=list)
    requests: int = 0
    errors: list[str] = field(default_factory=list)
    crosstalk: list[str] = field(default_factory=list)
    reply_modes: Counter[str] = field(default_factory=Counter)
    fallbacks: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *, latency_ms: float | None = None, error: str | None = None) -> None:
        """One request done: its latency when it was a turn, its error when it failed."""
        with self.lock:
            self.requests += 1
            if latency_ms is not None:
                self.latencies_ms.append(latency_ms)
            if error:
                self.errors.append(error)

    def flag(self, violations: list[str]) -> None:
        with self.lock:
            self.crosstalk.extend(violations)

    def reply(self, result: dict[str, Any], mode: str) -> None:
        """Which reply mode a turn got; in llm mode, why the template was used instead (if it was a fallback)."""
        with self.lock:
            self.reply_modes[str(result.get("reply_mode_used"))] += 1
            reason = str(result.get("fallback_reason") or "")
            if mode == "llm" and reason:
                kind = "busy" if "busy" in reason else "timeout" if "exceeded" in reason else reason.split(":")[0]
                self.fallbacks[kind] += 1


# ---- checks (pure) ------------------------------------------------------------------------------------
def foreign_nonces(text: str, me: SimUser, nonces: set[str]) -> list[str]:
    return [f"{me.user_id}: got another user's nonce {n}" for n in sorted(nonces - {me.nonce}) if n in text]


def check_turn(me: SimUser, result: dict[str, Any], nonces: set[str], previous: list[str], kind: str) -> list[str]:
    """One TurnResult sent to `me`: its session, no other user's nonce, no item `me` marked, state of `me` only."""
    bad = foreign_nonces(json.dumps(result, ensure_ascii=False), me, nonces)
    if result.get("session_id") != me.session_id:
        bad.append(f"{me.user_id}: turn answered for session {result.get('session_id')}, not {me.session_id}")
    ids = [item["item_id"] for item in result.get("items", [])]
    if last_tool(result) == "recommend":
        marked = sorted(set(ids) & set(me.signals))
        if marked:
            bad.append(f"{me.user_id}: recommended items they gave feedback on: {marked}")
    if kind == "first" and previous and ids and ids[0] != previous[0]:
        bad.append(f"{me.user_id}: 'the first one' is {ids[0]}, their last list started with {previous[0]}")
    if kind == "profile":
        found = _BASED_ON.search(str(result.get("reply", "")))
        if found and int(found.group(1)) != len(me.signals):
            bad.append(f"{me.user_id}: profile reply counts {found.group(1)} films, they rated {len(me.signals)}")
    return bad


def check_profile(me: SimUser, profile: dict[str, Any], nonces: set[str]) -> list[str]:
    """GET /me/profile of `me`: exactly their feedback (counts), favourites and dislikes among their own items."""
    bad = foreign_nonces(json.dumps(profile, ensure_ascii=False), me, nonces)
    counts = profile.get("counts", {})
    want = {
        "events": me.events,
        "items": len(me.signals),
        "likes": len(me.mine("like")),
        "dislikes": len(me.mine("dislike")),
        "seen": len(me.mine("seen")),
    }
    got = {key: counts.get(key) for key in want}
    if got != want:
        bad.append(f"{me.user_id}: profile counts {got}, expected {want}")
    for key, signal in (("favourites", "like"), ("disliked", "dislike")):
        strangers = sorted(set(profile.get(key, [])) - me.mine(signal))
        if strangers:
            bad.append(f"{me.user_id}: profile {key} holds items that are not theirs: {strangers}")
    return bad


def check_transcript(me: SimUser, messages: list[dict[str, Any]], sent: list[str], shown: list[list[str]],
                     nonces: set[str]) -> list[str]:  # fmt: skip
    """GET /sessions/{id} of `me`: exactly the texts they sent, the items they were shown, no other nonce."""
    bad = foreign_nonces(json.dumps(messages, ensure_ascii=False), me, nonces)
    users = [m.get("content") for m in messages if m.get("role") == "user"]
    if users != sent:
        bad.append(f"{me.user_id}: transcript has user messages {users[:6]}, sent {sent[:6]}")
    items = [[i["item_id"] for i in m.get("items", [])] for m in messages if m.get("role") == "assistant"]
    if items != shown:
        bad.append(f"{me.user_id}: transcript items differ from the replies they got")
    return bad


# ---- one user's run -----------------------------------------------------------------------------------
class Conversation:
    """Drives one SimUser over HTTP until the deadline or max_turns; records into the shared Tally."""

    def __init__(self, url: str, me: SimUser, tally: Tally, everyone: dict[str, SimUser], mode: str,
                 timeout_s: float) -> None:  # fmt: skip
        self.me, self.tally, self.everyone, self.mode = me, tally, everyone, mode
        self.nonces = {u.nonce for u in everyone.values()}
        headers = {"Authorization": f"Bearer {me.token}"}
        self.sent = 0  # every HTTP request of this user (to compare with the server's per-user rate limit)
        hooks = {"request": [self._count]}
        self.http = httpx.Client(base_url=url, headers=headers, timeout=timeout_s, event_hooks=hooks)
        self.turns = 0

    def _count(self, _: httpx.Request) -> None:
        self.sent += 1

    def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> httpx.Response | None:
        """One request; anything but `expect` is an error (listed), None then."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            self.tally.add(error=f"{self.me.user_id}: {method} {path}: {type(exc).__name__}: {exc}")
            return None
        if response.status_code != expect:
            self.tally.add(error=f"{self.me.user_id}: {method} {path} -> {response.status_code} {response.text[:200]}")
            return None
        self.tally.add()
        return response

    def feedback(self, item_id: str, signal: str) -> None:
        response = self.call("POST", f"{API}/feedback", json={"item_id": item_id, "signal": signal})
        if response is not None:
            self.me.signals[item_id] = signal
            self.me.labels[item_id] = str(response.json().get("title", item_id))
            self.me.events += 1

    def turn(self, text: str, stream: bool = False) -> dict[str, Any] | None:
        """POST a message (JSON, or SSE read to its `done` event); the TurnResult, None on error."""
        path = f"{API}/sessions/{self.me.session_id}/messages"
        body = {"text": f"{text} {self.me.nonce}", "reply_mode": self.mode}
        started = time.perf_counter()
        result: dict[str, Any] | None = None
        try:
            if stream:
                with self.http.stream("POST", path, json=body, headers={"Accept": "text/event-stream"}) as response:
                    result = sse_done(response.iter_lines()) if response.status_code == 200 else None
                    detail = "no done event" if response.status_code == 200 else response.read().decode()[:200]
            else:
                response = self.http.post(path, json=body)
                result = response.json() if response.status_code == 200 else None
                detail = response.text[:200]
        except (httpx.HTTPError, ValueError) as exc:
            self.tally.add(error=f"{self.me.user_id}: turn {text!r}: {type(exc).__name__}: {exc}")
            return None
        if result is None:
            self.tally.add(error=f"{self.me.user_id}: turn {text!r} -> {response.status_code} {detail}")
            return None
        self.turns += 1
        self.tally.add(latency_ms=(time.perf_counter() - started) * 1000.0)
        self.tally.reply(result, self.mode)
        return result

    def probe_foreign_session(self) -> None:
        """Another user's session id must be a 404 to this user, for reading and for writing."""
        others = [u.session_id for u in self.everyone.values() if u is not self.me and u.session_id]
        if not others:
            return
        victim = random.choice(others)
        for method, path, body in (
            ("GET", f"{API}/sessions/{victim}", None),
            ("POST", f"{API}/sessions/{victim}/messages", {"text": f"hello {self.me.nonce}", "reply_mode": "template"}),
        ):
            try:
                response = self.http.request(method, path, json=body)
            except httpx.HTTPError as exc:
                self.tally.add(error=f"{self.me.user_id}: probe {method}: {type(exc).__name__}: {exc}")
                continue
            status = response.status_code
            unexpected = status >= 300 and status != 404
            self.tally.add(error=f"{self.me.user_id}: probe {method} -> {status}" if unexpected else None)
            if status < 300:
                self.tally.flag([f"{self.me.user_id}: {method} of another user's session -> {status}"])

    def run(self, deadline: float, max_turns: int | None) -> None:
        try:
            for item_id, signal in self.me.preset.items():
                self.feedback(item_id, signal)
            while time.monotonic() < deadline and (max_turns is None or self.turns < max_turns):
                self.cycle(deadline, max_turns)
        finally:
            self.http.close()

    def cycle(self, deadline: float, max_turns: int | None) -> None:
        """A new session: similar, more recent (SSE), the first one, genre+decade search, profile; then checks."""
        response = self.call("POST", f"{API}/sessions", expect=201)
        if response is None:
            time.sleep(0.5)
            return
        self.me.session_id = str(response.json()["session_id"])
        script = [
            (f"something like {self.me.anchor} but funnier", "similar", False),
            ("more recent", "recommend", True),
            ("tell me about the first one", "first", False),
            (self.me.search, "search", False),
            ("what do you know about my taste?", "profile", False),
        ]
        sent: list[str] = []  # texts as the transcript must hold them
        shown: list[list[str]] = []  # item ids of each reply, as the transcript must hold them
        previous: list[str] = []
        for text, kind, stream in script:
            if time.monotonic() >= deadline or (max_turns is not None and self.turns >= max_turns):
                break
            result = self.turn(text, stream)
            if result is None:
                break
            sent.append(f"{text} {self.me.nonce}")
            ids = [item["item_id"] for item in result.get("items", [])]
            shown.append(ids)
            self.tally.flag(check_turn(self.me, result, self.nonces, previous, kind))
            if kind in ("recommend", "search") and last_tool(result) == "recommend":
                for item_id, signal in zip(ids[:2], ("seen", "dislike"), strict=False):
                    self.feedback(item_id, signal)
            previous = ids or previous
        self.verify(sent, shown)

    def verify(self, sent: list[str], shown: list[list[str]]) -> None:
        transcript = self.call("GET", f"{API}/sessions/{self.me.session_id}")
        if transcript is not None:
            messages = transcript.json().get("messages", [])
            self.tally.flag(check_transcript(self.me, messages, sent, shown, self.nonces))
        profile = self.call("GET", f"{API}/me/profile")
        if profile is not None:
            self.tally.flag(check_profile(self.me, profile.json(), self.nonces))
        self.probe_foreign_session()


def last_tool(result: dict[str, Any]) -> str | None:
    return str(result["tool_calls"][-1].get("name")) if result.get("tool_calls") else None


def sse_done(lines: Iterable[str]) -> dict[str, Any] | None:
    """The data of the `done` event of a server-sent event stream (None when it never came)."""
    event = ""
    for line in lines:
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:") and event == "done":
            return dict(json.loads(line[5:].strip()))
    return None
