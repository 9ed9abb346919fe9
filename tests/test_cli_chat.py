"""A scripted terminal dialogue on the real demo catalog: `echo ... | concierge chat` (piped stdin)."""

from __future__ import annotations

import json
import os
import subprocess
import uuid

import pytest

from bot.config import REPO_ROOT
from tests.demo_home import CONCIERGE, demo_settings

pytestmark = pytest.mark.slow


def test_piped_chat_cold_start_refine_and_feedback() -> None:
    settings = demo_settings()
    user = f"cli-test-{uuid.uuid4().hex[:8]}"
    script = "I loved Heat and Ronin\nsomething more recent\nI've seen the first one\n"
    env = {**os.environ, "CONCIERGE_HOME": str(settings.home)}
    done = subprocess.run(
        [str(CONCIERGE), "chat", "--user", user, "--reply-mode", "template", "--json"],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=600,
        check=True,
    )
    turns = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(turns) == 3, done.stderr[-2000:]
    first, recent, seen = turns
    crime = {"Crime", "Thriller", "Action"}
    assert len(first["items"]) >= 3
    assert sum(bool(crime & set(i["genres"])) for i in first["items"]) >= len(first["items"]) - 1
    assert {"Heat", "Ronin"}.isdisjoint(i["title"] for i in first["items"])
    assert all("Because you liked" in i["reason"] for i in first["items"])
    assert recent["items"] and min(i["year"] for i in recent["items"]) > max(i["year"] for i in first["items"]) - 1
    first_of_recent = recent["items"][0]["item_id"]
    assert any(c["name"] == "record_feedback" and c["arguments"]["signal"] == "seen" for c in seen["tool_calls"])
    assert first_of_recent not in {i["item_id"] for i in seen["items"]}
    from store.history import HistoryStore

    history = HistoryStore(settings.history_path)
    try:
        signals = {(e.item_id, e.signal) for e in history.events(user)}
        assert ("6", "like") in signals and ("2278", "like") in signals and (first_of_recent, "seen") in signals
    finally:
        history.delete_user(user)
        history.close()


def test_plain_output_lists_items() -> None:
    settings = demo_settings()
    env = {**os.environ, "CONCIERGE_HOME": str(settings.home)}
    done = subprocess.run(
        [str(CONCIERGE), "chat", "--reply-mode", "template"],
        input="what is the godfather about?\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=600,
        check=True,
    )
    assert "you> what is the godfather about?" in done.stdout
    assert "The Godfather (1972)" in done.stdout and "Corleone" in done.stdout
