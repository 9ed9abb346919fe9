"""EmbeddedSmolLM: argument checks (fast) and one real run of SmolLM2 (slow)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.llm.embedded import GGUF_FILE, EmbeddedSmolLM, find_gguf
from tools.chat_model import ChatModel, LLMTimeout

MESSAGES = [
    {"role": "system", "content": "You are a friendly movie expert. Reply in one short sentence."},
    {"role": "user", "content": "Introduce this film: Toy Story (1995)."},
]


def test_constructor_is_cheap_and_validates(tmp_path: Path) -> None:
    model = EmbeddedSmolLM(tmp_path, "float32")
    assert isinstance(model, ChatModel)
    assert model.supports_tools is False
    assert not any(tmp_path.iterdir())  # nothing loaded, nothing written
    with pytest.raises(ValueError, match="dtype"):
        EmbeddedSmolLM(tmp_path, "float16")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_tokens"):
        model.stream(MESSAGES, max_tokens=0)


def test_gguf_is_found_without_importing_the_package() -> None:
    assert find_gguf().name == GGUF_FILE


@pytest.mark.slow
def test_real_model_converts_caches_streams_and_times_out(tmp_path: Path) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    first = EmbeddedSmolLM(tmp_path, "float32")
    deltas = list(first.stream(MESSAGES, max_tokens=24, timeout_s=120))
    assert first.loaded_from == "gguf"
    assert (tmp_path / "smollm2-135m" / "model.safetensors").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".smollm2-135m.tmp")]
    text = "".join(d.text for d in deltas)
    assert len(deltas) >= 2 and text.strip()
    assert "<|im_end|>" not in text
    assert first.last_stats is not None and 1 <= first.last_stats.generated_tokens <= 24

    again = EmbeddedSmolLM(tmp_path, "float32")
    again.load()
    assert again.loaded_from == "cache"
    assert "".join(d.text for d in again.stream(MESSAGES, max_tokens=24, timeout_s=120)) == text  # greedy
    with pytest.raises(LLMTimeout):
        list(again.stream(MESSAGES, max_tokens=200, timeout_s=0.05))
