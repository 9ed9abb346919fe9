"""SIGKILL mid-conversation, restart on the same home and port: nothing acknowledged is lost, nothing half-written.

Four users post messages and feedback concurrently against a served demo; every request that got a 2xx is
acknowledged. The process is SIGKILLed while requests are in flight (early and later in a round of traffic), and
once more while it loads; after each restart the rows are counted through the API and directly in the SQLite
files, and the conversation continues.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.http.auth import issue_token
from tests.served_demo import ServedConcierge, demo_home_copy

SECRET = "fault-kill-test-secret-0123456789abcdef"
USERS = ("kill-a", "kill-b", "kill-c", "kill-d")
TEXTS = ("a 90s heist film", "something funnier", "a space adventure", "older ones please", "a 2000s romance")
SIGNALS = ("like", "dislike", "seen")
KILL_AFTER_ACKS = (3, 25)  # acknowledged requests in the round before the SIGKILL: early, later


@dataclass
class User:
    """One user's session and every request they attempted, with whether it was acknowledged (2xx)."""

    user_id: str
    token: str
    session_id: str = ""
    turns: list[tuple[str, bool]] = field(default_factory=list)  # (text, acknowledged)
    feedback: list[tuple[str, str, bool]] = field(default_factory=list)  # (item_id, signal, acknowledged)
    items: list[str] = field(default_factory=list)  # item ids of the last acknowledged reply

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}


def call(url: str, user: User, body: dict[str, Any] | None = None, timeout: float = 60.0) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=user.headers(), method="GET" if body is None else "POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return int(exc.code), None


class Round:
    """Concurrent traffic until `stop`; counts acknowledged requests and those in flight."""

    def __init__(self, server: ServedConcierge, users: list[User]) -> None:
        self.server, self.users = server, users
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acks = 0
        self.in_flight = 0
        self.failures: list[str] = []

    def _attempt(self, url: str, user: User, body: dict[str, Any]) -> dict[str, Any] | None:
        with self.lock:
            self.in_flight += 1
        try:
            status, payload = call(url, user, body)
        except OSError:  # the process died under this request: not acknowledged
            return None
        finally:
            with self.lock:
                self.in_flight -= 1
        if 200 <= status < 300:
            with self.lock:
                self.acks += 1
            return dict(payload)
        self.failures.append(f"{user.user_id}: HTTP {status} on {url}")
        return None

    def traffic(self, user: User) -> None:
        base = self.server.url + "/api/v1"
        while not self.stop.is_set():
            text = TEXTS[len(user.turns) % len(TEXTS)]
            user.turns.append((text, False))
            reply = self._attempt(f"{base}/sessions/{user.session_id}/messages", user, {"text": text})
            if reply is not None:
                user.turns[-1] = (text, True)
                user.items = [item["item_id"] for item in reply["items"]] or user.items
            if self.stop.is_set() or not user.items:
                continue
            item_id, signal = user.items[len(user.feedback) % len(user.items)], SIGNALS[len(user.feedback) % 3]
            user.feedback.append((item_id, signal, False))
            if self._attempt(f"{base}/feedback", user, {"item_id": item_id, "signal": signal}) is not None:
                user.feedback[-1] = (item_id, signal, True)

    def run_until_kill(self, acks: int) -> int:
        """Traffic until `acks` acknowledgements, then SIGKILL; returns the requests in flight at the kill."""
        threads = [threading.Thread(target=self.traffic, args=(user,), daemon=True) for user in self.users]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while self.acks < acks and time.monotonic() < deadline and not self.failures:
            time.sleep(0.01)
        self.stop.set()
        with self.lock:
            in_flight = self.in_flight
        self.server.kill()
        for thread in threads:
            thread.join(timeout=60)
        assert not self.failures, self.failures
        assert self.acks >= acks, f"only {self.acks} acknowledged requests in 120 s"
        return in_flight


def has_open(pid: int, name: str) -> bool:
    """Whether process pid has a file called name open (Linux /proc)."""
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}").endswith(name) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def kill_while_loading(server: ServedConcierge) -> int | None:
    """Start on the same home and SIGKILL once the session store is open (before it listens); /healthz then."""
    server.start(wait_ready=False)
    assert server.proc is not None
    deadline = time.monotonic() + 240
    while not has_open(server.proc.pid, "sessions.sqlite3") and server.proc.poll() is None:
        assert time.monotonic() < deadline, server.log_tail()
        time.sleep(0.02)
    status = server.healthz()
    server.kill()
    return status


def subsequence_check(found: list[Any], attempts: list[tuple[Any, bool]]) -> None:
    """`found` is `attempts` in order, minus some unacknowledged ones: nothing acknowledged lost, nothing extra."""
    position = 0
    for value, acknowledged in attempts:
        if position < len(found) and found[position] == value:
            position += 1
        else:
            assert not acknowledged, f"acknowledged {value!r} is missing (found {found[position : position + 3]})"
    assert position == len(found), f"rows that were never sent: {found[position:]}"


def check_rows(server: ServedConcierge, users: list[User]) -> dict[str, int]:
    """Transcripts through the API and the history rows in SQLite hold every acknowledged request."""
    counts = {"turns_acked": 0, "turns_found": 0, "feedback_acked": 0, "feedback_found": 0}
    history = sqlite3.connect(f"file:{server.home / 'history.sqlite3'}?mode=ro", uri=True)
    try:
        for user in users:
            status, body = call(f"{server.url}/api/v1/sessions/{user.session_id}", user)
            assert status == 200
            roles = [m["role"] for m in body["messages"]]
            assert roles == ["user", "assistant"] * (len(roles) // 2), "a half-written turn"
            subsequence_check([m["content"] for m in body["messages"][::2]], user.turns)
            rows = history.execute(
                "SELECT item_id, signal FROM events WHERE user_id = ? ORDER BY id", (user.user_id,)
            ).fetchall()
            subsequence_check([(item, signal) for item, signal in rows], [((i, s), a) for i, s, a in user.feedback])
            counts["turns_acked"] += sum(acked for _, acked in user.turns)
            counts["turns_found"] += len(roles) // 2
            counts["feedback_acked"] += sum(acked for _, _, acked in user.feedback)
            counts["feedback_found"] += len(rows)
    finally:
        history.close()
    return counts


def check_sqlite_files(home: Path, users: list[User]) -> None:
    """Directly in the files: intact, and every session's messages pair up (user, assistant)."""
    for name in ("sessions.sqlite3", "history.sqlite3"):
        with sqlite3.connect(home / name) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with sqlite3.connect(home / "sessions.sqlite3") as conn:
        for user in users:
            rows = conn.execute("SELECT role FROM messages WHERE session_id = ? ORDER BY id", (user.session_id,))
            roles = [role for (role,) in rows]
            assert roles == ["user", "assistant"] * (len(roles) // 2)
            assert len(roles) // 2 >= sum(acked for _, acked in user.turns)


def test_sigkill_loses_no_acknowledged_write(tmp_path: Path) -> None:
    home = demo_home_copy(tmp_path / "home")
    server = ServedConcierge(
        home, reply_mode="template", jwt_secret=SECRET, rate_per_minute="100000", torch_threads="1"
    ).start()
    users = [User(u, issue_token(SECRET, u)) for u in USERS]
    try:
        for user in users:
            status, body = call(server.url + "/api/v1/sessions", user, {})
            assert status == 201
            user.session_id = body["session_id"]
        in_flight, loading = [], None
        for n, acks in enumerate(KILL_AFTER_ACKS):
            in_flight.append(Round(server, users).run_until_kill(acks))
            if n == len(KILL_AFTER_ACKS) - 1:
                loading = kill_while_loading(server)
            assert server.proc is not None and server.proc.poll() is not None, "the old process is gone"
            server.start()  # same home, same port
            counts = check_rows(server, users)
        assert sum(in_flight) > 0, "no request was in flight at any kill"
        assert counts["turns_acked"] + counts["feedback_acked"] >= sum(KILL_AFTER_ACKS), counts
        assert counts["feedback_acked"] >= 5, counts
        print(f"\nkills={len(KILL_AFTER_ACKS) + 1} in_flight={in_flight} healthz_at_third_kill={loading} {counts}")

        # The session continues: "more like the first one" points at the first item of the last stored reply.
        user = users[0]
        _, transcript = call(f"{server.url}/api/v1/sessions/{user.session_id}", user)
        last = next(m for m in reversed(transcript["messages"]) if m["role"] == "assistant" and m["items"])
        status, reply = call(
            f"{server.url}/api/v1/sessions/{user.session_id}/messages", user, {"text": "more like the first one"}
        )
        assert status == 200 and reply["items"]
        similar = [c for c in reply["tool_calls"] if c["name"] == "similar_items"]
        assert similar and similar[0]["arguments"]["item"] == last["items"][0]["item_id"], reply["tool_calls"]
        user.turns.append(("more like the first one", True))
    finally:
        server.stop()
    check_sqlite_files(home, users)
