"""The service metrics beyond turns (bot/http/http_metrics.py, bot/ops/metrics.py, bot/llm/timed.py): HTTP
responses by route template and status class (429s apart), tool errors by tool, LLM time to first token and
tokens/s, catalog size and version. Label values stay bounded: no raw paths, ids or text."""

from __future__ import annotations

import itertools
from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings
from fastapi.testclient import TestClient

from bot.agent.events import ToolCall, TurnResult
from bot.config import Settings
from bot.http.app import create_app
from bot.llm.timed import TimedChatModel
from bot.ops.catalog_version import live_catalog_version
from bot.ops.metrics import MAX_TOOL_LABELS, TurnMetrics
from bot.testing import FakeBackend
from bot.testing.scripted_model import ScriptedModel
from store.chroma_client import META_COLLECTION, ChromaConfig
from tests.app_fixtures import small_backend
from tests.fake_backend import bearer, make_settings
from tests.test_metrics import sample as labeled_sample
from tools.chat_model import LLMError, complete

ALICE = bearer("alice")


def sample(text: str, name: str, **labels: str) -> float:
    """One sample of a Prometheus text exposition, with or without labels (0 when absent)."""
    if labels:
        return labeled_sample(text, name, **labels)
    for line in text.splitlines():
        if line.startswith(f"{name} "):
            return float(line.split(" ", 1)[1])
    return 0.0


def test_http_responses_by_route_template_and_status_class(tmp_path: Path) -> None:
    client = TestClient(create_app(make_settings(tmp_path, rate_per_minute=3), FakeBackend()))
    for _ in range(2):
        assert client.get("/healthz").status_code == 200
    session = client.post("/api/v1/sessions", headers=ALICE).json()["session_id"]  # 1 of alice's 3 per minute
    assert client.get(f"/api/v1/sessions/{session}", headers=ALICE).status_code == 200  # 2
    assert client.get("/api/v1/sessions/not-a-session", headers=ALICE).status_code == 404  # 3
    assert client.get(f"/api/v1/sessions/{session}", headers=ALICE).status_code == 429
    assert client.get("/no/such/page-4711").status_code == 404
    text = client.get("/metrics").text

    def responses(method: str, route: str, status_class: str) -> float:
        return sample(text, "concierge_http_responses_total", method=method, route=route, status_class=status_class)

    assert responses("GET", "/healthz", "2xx") == 2
    assert responses("POST", "/api/v1/sessions", "2xx") == 1
    assert responses("GET", "/api/v1/sessions/{session_id}", "2xx") == 1
    assert responses("GET", "/api/v1/sessions/{session_id}", "4xx") == 2  # the 404 and the 429
    assert responses("GET", "unmatched", "4xx") == 1
    assert sample(text, "concierge_http_rate_limited_total", route="/api/v1/sessions/{session_id}") == 1
    assert sample(text, "concierge_http_rate_limited_total", route="/healthz") == 0
    assert session not in text and "not-a-session" not in text and "4711" not in text  # templates, not paths
    assert "concierge_turns_total" in client.get("/metrics").text  # the backend's series are still there
    # the scrape before is counted now
    assert sample(client.get("/metrics").text, "concierge_http_responses_total",
                  method="GET", route="/metrics", status_class="2xx") == 2  # fmt: skip


def test_an_unhandled_error_counts_as_5xx(tmp_path: Path) -> None:
    class Broken(FakeBackend):
        def create_session(self, user_id: str) -> str:
            raise RuntimeError("boom")

    client = TestClient(create_app(make_settings(tmp_path), Broken()), raise_server_exceptions=False)
    assert client.post("/api/v1/sessions", headers=ALICE).status_code == 500
    text = client.get("/metrics").text
    assert sample(text, "concierge_http_responses_total", method="POST", route="/api/v1/sessions",
                  status_class="5xx") == 1  # fmt: skip


def test_static_files_count_under_their_mount(tmp_path: Path) -> None:
    client = TestClient(create_app(make_settings(tmp_path), FakeBackend()))
    assert client.get("/static-offline-docs/swagger-ui.css").status_code == 200
    assert client.get("/static-offline-docs/nope-123.js").status_code == 404
    text = client.get("/metrics").text
    route = "/static-offline-docs/*"
    assert sample(text, "concierge_http_responses_total", method="GET", route=route, status_class="2xx") == 1
    assert sample(text, "concierge_http_responses_total", method="GET", route=route, status_class="4xx") == 1
    assert "nope-123" not in text


def test_tool_errors_by_tool_with_made_up_tools_bounded() -> None:
    metrics = TurnMetrics()
    result = TurnResult(
        session_id="s",
        reply="",
        items=[],
        tool_calls=[
            ToolCall("search_catalog", {}, ok=False, error="bad arguments for search_catalog: query: required"),
            ToolCall("search_catalog", {}, ok=True),
            ToolCall("item_details", {}, ok=False, error="no item matches 'Frozen'"),
            ToolCall("steal_data", {}, ok=False, error="unknown tool 'steal_data'; tools: search_catalog"),
        ],
        reply_mode_used="template",
        intent="recommend",
    )
    result.count_into(metrics)
    result.count_into(metrics)
    text = metrics.exposition().decode()
    assert sample(text, "concierge_tool_errors_total", tool="search_catalog") == 2
    assert sample(text, "concierge_tool_errors_total", tool="item_details") == 2
    assert sample(text, "concierge_tool_errors_total", tool="unknown") == 2
    assert "steal_data" not in text and "Frozen" not in text
    names = (f"tool_{n}" for n in itertools.count())
    metrics.observe_turn(intent="x", reply_mode="template", seconds=0.1, fallback_reason=None, problems=(),
                         tool_errors=[next(names) for _ in range(3 * MAX_TOOL_LABELS)] + ["Bad Name!"])  # fmt: skip
    text = metrics.exposition().decode()
    assert text.count("concierge_tool_errors_total{") == MAX_TOOL_LABELS + 1  # the cap, then "other"
    assert sample(text, "concierge_tool_errors_total", tool="other") == 3 * MAX_TOOL_LABELS - (MAX_TOOL_LABELS - 3) + 1


def test_llm_first_token_and_tokens_per_second() -> None:
    ticks = iter([10.0, 10.5, 10.6, 10.7, 10.9, 20.0, 20.1])  # started, then one tick per text piece
    metrics = TurnMetrics()
    model = TimedChatModel(ScriptedModel(["one two three four", LLMError("down")]), metrics.observe_llm,
                           clock=lambda: next(ticks))  # fmt: skip
    assert complete(model, [{"role": "user", "content": "hi"}]).text == "one two three four"
    with pytest.raises(LLMError):
        complete(model, [{"role": "user", "content": "hi"}])
    text = metrics.exposition().decode()
    assert sample(text, "concierge_llm_first_token_seconds_count") == 1  # the failed generation is not counted
    assert sample(text, "concierge_llm_first_token_seconds_sum") == 0.5
    assert abs(sample(text, "concierge_llm_tokens_per_second_sum") - 3 / 0.4) < 1e-6  # 3 pieces after the first


def test_a_turn_of_the_real_backend_counts_llm_speed_and_catalog_size(tmp_path: Path) -> None:
    llm = ScriptedModel(["Heat is a sharp crime film with a great cast."], repeat_last=True)
    backend = small_backend(tmp_path, llm=llm)
    client = TestClient(create_app(Settings.model_validate({"home": tmp_path / "home", "auth": "demo"}), backend))
    reply = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "a 90s comedy"}]})
    assert reply.status_code == 200
    assert llm.calls, "the LLM was asked"
    text = client.get("/metrics").text
    assert sample(text, "concierge_llm_first_token_seconds_count") == len(llm.calls)
    assert sample(text, "concierge_llm_tokens_per_second_count") == len(llm.calls)
    assert sample(text, "concierge_catalog_items") == 600
    assert "concierge_catalog_revision{" not in text  # an in-memory catalog has no version


def test_catalog_version_is_the_live_collection_and_its_revision(tmp_path: Path) -> None:
    chroma = ChromaConfig(path=tmp_path / "chroma")
    assert live_catalog_version(chroma) is None  # before the first ingest
    client = chromadb.PersistentClient(path=str(chroma.path), settings=ChromaSettings(anonymized_telemetry=False))
    client.create_collection(META_COLLECTION, metadata={"active": "catalog_20260101", "revision": 3})
    assert live_catalog_version(chroma) == ("catalog_20260101", 3)
    metrics = TurnMetrics()
    metrics.observe_catalog(42, ("catalog_20260101", 3))
    metrics.observe_catalog(43, ("catalog_20260202", 0))  # a new ingest: the old collection's series is gone
    text = metrics.exposition().decode()
    assert sample(text, "concierge_catalog_items") == 43
    assert sample(text, "concierge_catalog_revision", collection="catalog_20260202") == 0
    assert 'collection="catalog_20260101"' not in text
    metrics.observe_catalog(43, None)
    assert "concierge_catalog_revision{" not in metrics.exposition().decode()
