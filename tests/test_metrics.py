"""GET /metrics (bot/ops/metrics.py): turns, latency, template fallbacks by reason and guard problems by check."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from bot.config import Settings
from bot.http.app import create_app
from bot.ops.metrics import TurnMetrics, label_of
from bot.testing.scripted_model import ScriptedModel
from tests.app_fixtures import small_backend
from tools.chat_model import LLMBusy


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text exposition (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(f"{name}{{"):
            series, value = line.rsplit(" ", 1)
            got = ",".join(sorted(series[len(name) + 1 : -1].split(",")))
            if got == wanted:
                return float(value)
    return 0.0


def test_labels_are_the_head_of_a_reason_without_details() -> None:
    assert label_of("guard: names a title not in the results: 'Frozen'") == "guard"
    assert label_of("llm_busy") == "llm_busy"
    assert label_of("year 2018 is not in the item") == "year N is not in the item"
    assert label_of("names a title not in the results: 'Frozen'") == "names a title not in the results"
    assert label_of("") == "other"


def test_counts_turns_fallbacks_and_problems() -> None:
    metrics = TurnMetrics()
    metrics.observe_turn(intent="recommend", reply_mode="template", seconds=0.2,
                         fallback_reason="planner failed; llm_busy", problems=())  # fmt: skip
    problem = "not in the facts: 'Rock'"
    metrics.observe_turn(intent="recommend", reply_mode="template", seconds=0.3,
                         fallback_reason=f"guard: {problem}", problems=[problem])  # fmt: skip
    text = metrics.exposition().decode()
    assert sample(text, "concierge_turns_total", intent="recommend", reply_mode="template") == 2
    assert sample(text, "concierge_reply_fallbacks_total", reason="llm_busy") == 1
    assert sample(text, "concierge_reply_fallbacks_total", reason="planner failed") == 1
    assert sample(text, "concierge_reply_fallbacks_total", reason="guard") == 1
    assert sample(text, "concierge_guard_problems_total", check="not in the facts") == 1
    assert sample(text, "concierge_turn_seconds_count", intent="recommend", reply_mode="template") == 2
    assert "Rock" not in text


def test_guard_verdicts_count_only_the_turns_it_checked() -> None:
    metrics = TurnMetrics()
    metrics.observe_turn(intent="recommend", reply_mode="llm", seconds=0.2, fallback_reason=None, problems=(),
                         guard_passed=True)  # fmt: skip
    metrics.observe_turn(intent="recommend", reply_mode="template", seconds=0.2, fallback_reason="guard: x",
                         problems=["x"], guard_passed=False)  # fmt: skip
    metrics.observe_turn(intent="search", reply_mode="template", seconds=0.1, fallback_reason=None, problems=())
    text = metrics.exposition().decode()
    assert sample(text, "concierge_guard_verdicts_total", verdict="pass") == 1
    assert sample(text, "concierge_guard_verdicts_total", verdict="fail") == 1  # the template turn is no verdict


def test_a_busy_llm_is_counted_on_the_service_metrics(tmp_path: Path) -> None:
    backend = small_backend(tmp_path, llm=ScriptedModel([LLMBusy("estimated wait 9 s > 2 s")]))
    client = TestClient(create_app(Settings.model_validate({"home": tmp_path / "home", "auth": "demo"}), backend))
    before = client.get("/metrics")
    assert before.status_code == 200 and before.headers["content-type"].startswith("text/plain")
    reply = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "a 90s comedy"}]})
    assert reply.status_code == 200 and reply.json()["concierge"]["fallback_reason"] == "llm_busy"
    text = client.get("/metrics").text
    assert sample(text, "concierge_reply_fallbacks_total", reason="llm_busy") == 1
    assert sample(before.text, "concierge_reply_fallbacks_total", reason="llm_busy") == 0
    assert "a 90s comedy" not in text
