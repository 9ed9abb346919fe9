"""Faults of the LLM backend, through a served `concierge serve` (openai backend, native planner, reply_mode llm).

An OpenAI-compatible stub (tests/openai_stub.py) refuses, stalls or babbles; every turn must still be answered
from the tools (200, catalog items), within the LLM timeout plus a margin, with the fallback reported in the
response (`fallback_reason`, `reply_mode_used`) and in the service log.
"""

from __future__ import annotations

import csv
import json
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import REPO_ROOT
from tests.openai_stub import OpenAIStub
from tests.served_demo import ServedConcierge, demo_home_copy

TIMEOUT_S = 3.0
MARGIN_S = 2.0  # tools + template; less than one more LLM timeout, so waiting twice in a turn fails
TURNS = ("a 90s heist film", "something like Heat but funnier")
BABBLE = ["I recommend ", '"Galaxy Raiders" (2015) ', "and ", "The Matrix Reloaded (2003), ", "both great heists."]
DEMO_USER = {"X-Demo-User": "1"}
CATALOG_IDS = {
    row["movieId"] for row in csv.DictReader((REPO_ROOT / "data/ml-latest-small/movies.csv").open(encoding="utf-8"))
}

# case id: (stub mode, stub attributes, text the fallback reason must contain)
CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "hang (accepts, never answers)": ("hang", {}, f"within {TIMEOUT_S:g} s"),
    "stall (headers, then slower than the timeout)": ("stall", {}, f"within {TIMEOUT_S:g} s"),
    "HTTP 500 every time": ("status", {}, "answered HTTP 500"),
    "SSE data not JSON": ("garbage", {}, "not JSON"),
    "HTML error page": ("html", {}, "not JSON (starts '<html>"),
    "JSON of the wrong shape": ("shape", {}, "unexpected shape"),
    "stream stops midway": ("cut", {}, "closed the event stream midway"),
    "tool call with invalid JSON arguments": ("bad_tool_json", {}, "not valid JSON"),
    "tool call naming an unknown tool": ("tool_call", {"tool_name": "launch_missiles"}, "unknown tool"),
    "invented titles instead of tools": ("text", {"words": BABBLE}, "native answer without tools refused"),
    "invented titles after the tools": ("tool_then_text", {"words": BABBLE}, "guard: "),
}


def post(url: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], float]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", **DEMO_USER}
    )
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=60) as response:
        return int(response.status), json.loads(response.read()), time.monotonic() - started


@pytest.fixture(scope="module")
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub(mode="text", stall_s=2 * TIMEOUT_S + 2) as server:
        yield server


@pytest.fixture(scope="module")
def served(stub: OpenAIStub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedConcierge]:
    home = demo_home_copy(tmp_path_factory.mktemp("fault-llm") / "home")
    server = ServedConcierge(
        home, llm_backend="openai", llm_base_url=stub.base_url, llm_timeout_s=str(TIMEOUT_S), reply_mode="llm"
    )
    try:
        yield server.start()
    finally:
        server.stop()


def converse(served: ServedConcierge) -> list[tuple[int, dict[str, Any], float]]:
    """A new session and TURNS in it: [(status, body, seconds)]."""
    status, body, _ = post(served.url + "/api/v1/sessions", {})
    assert status == 201
    url = f"{served.url}/api/v1/sessions/{body['session_id']}/messages"
    return [post(url, {"text": text}) for text in TURNS]


def assert_answered_from_tools(turns: list[tuple[int, dict[str, Any], float]], reason: str) -> None:
    answered = sum(status == 200 and bool(body["items"]) for status, body, _ in turns)
    slowest = max(seconds for _, _, seconds in turns)
    reason_shown = (turns[0][1]["fallback_reason"] or "")[:90]
    print(f"\n  {answered}/{len(turns)} answered, max {slowest:.2f} s, reason: {reason_shown}")
    for status, body, seconds in turns:
        assert status == 200
        assert body["items"], body
        assert {item["item_id"] for item in body["items"]} <= CATALOG_IDS
        assert any(call["ok"] for call in body["tool_calls"]), body["tool_calls"]
        assert body["reply_mode_used"] == "template" and body["reply"].strip()
        assert reason in (body["fallback_reason"] or ""), body["fallback_reason"]
        assert seconds < TIMEOUT_S + MARGIN_S, f"turn took {seconds:.1f} s"


@pytest.mark.parametrize("case", list(CASES))
def test_llm_fault_every_turn_answered_from_the_tools(case: str, stub: OpenAIStub, served: ServedConcierge) -> None:
    mode, attributes, reason = CASES[case]
    stub.mode, stub.tool_name, stub.words = mode, "search_catalog", list(BABBLE)
    for name, value in attributes.items():
        setattr(stub, name, value)
    before = len(stub.requests)
    assert_answered_from_tools(converse(served), reason)
    assert len(stub.requests) > before, "the LLM backend was asked"


def test_healthy_stub_gives_llm_text(stub: OpenAIStub, served: ServedConcierge) -> None:
    """Control: the same process with a working backend writes LLM text (so the faults above are the cause)."""
    # a sentence that claims nothing the results may lack (the guard checks named things, genres and years)
    stub.mode, stub.words = "tool_then_text", ["These ", "picks ", "match ", "what ", "you ", "asked ", "for."]
    for status, body, _ in converse(served):
        assert status == 200 and body["items"]
        assert body["reply_mode_used"] == "llm" and body["fallback_reason"] is None, body["fallback_reason"]


def test_fallback_is_streamed_and_logged(stub: OpenAIStub, served: ServedConcierge) -> None:
    stub.mode = "garbage"
    _, body, _ = post(served.url + "/api/v1/sessions", {})
    request = urllib.request.Request(
        f"{served.url}/api/v1/sessions/{body['session_id']}/messages",
        data=json.dumps({"text": TURNS[0]}).encode(),
        headers={"Content-Type": "application/json", "Accept": "text/event-stream", **DEMO_USER},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        stream = response.read().decode()
    done = json.loads(stream.split("event: done\ndata: ", 1)[1].split("\n", 1)[0])
    assert done["items"] and "not JSON" in done["fallback_reason"]
    assert "native planner fell back to the router" in served.log_tail(400)


def test_refused_connection_last(stub: OpenAIStub, served: ServedConcierge) -> None:
    """Runs last in this module: the stub is shut down, so its port refuses connections."""
    stub.__exit__(None, None, None)
    assert_answered_from_tools(converse(served), "unreachable")
