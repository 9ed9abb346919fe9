"""One full turn with the real embedded SmolLM2: LLM text behind the guard, or the template when it fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.agent.events import TextDelta, TurnDone
from bot.llm.embedded import EmbeddedSmolLM
from tests.app_fixtures import small_backend
from tests.demo_home import demo_settings

pytestmark = pytest.mark.slow


def test_recommendation_turn_with_the_embedded_model(tmp_path: Path) -> None:
    model = EmbeddedSmolLM(demo_settings().models_dir, "float32", num_threads=1)  # cache from build-demo
    backend = small_backend(tmp_path, llm=model, llm_timeout_s=300, llm_max_tokens=40)
    events = list(
        backend.run_turn(user_id="llm-user", text="I loved Heat and Ronin, what should I watch next?", reply_mode="llm")
    )
    result = events[-1].result if isinstance(events[-1], TurnDone) else None
    assert result is not None and result.items
    assert model.last_stats is not None and model.last_stats.generated_tokens > 0, "the model really ran"
    assert any(isinstance(e, TextDelta) for e in events), "tokens were streamed"
    assert result.guard is not None
    if result.guard.passed:
        assert result.reply_mode_used == "llm" and result.reply
    else:
        assert result.reply_mode_used == "template" and result.fallback_reason
        assert result.reply.startswith("Since you enjoyed")
    item_titles = {i.title for i in result.items}
    assert {"Heat", "Ronin"}.isdisjoint(item_titles)
