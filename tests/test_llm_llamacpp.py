"""The embedded model on llama.cpp (bot/llm/llama_cpp.py), for real: streaming, deadlines, admission control."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from bot.llm.embedded import find_gguf
from bot.llm.llama_cpp import LlamaCppModel, llama_cpp_available
from bot.llm.weights import WeightFormat, gguf_for
from tools.chat_model import LLMBusy, LLMTimeout, complete

pytestmark = pytest.mark.skipif(not llama_cpp_available(), reason="llama-cpp-python is not installed")
MESSAGES = [{"role": "system", "content": "You answer in one sentence."},
            {"role": "user", "content": "Name a colour."}]  # fmt: skip


@pytest.fixture(scope="module")
def model() -> LlamaCppModel:
    engine = LlamaCppModel(instances=1, threads=2, max_wait_s=0.0)
    engine.load()
    return engine


def test_streams_text_in_pieces_with_stats(model: LlamaCppModel) -> None:
    pieces = [d.text for d in model.stream(MESSAGES, max_tokens=24, timeout_s=30)]
    assert len(pieces) >= 2 and "".join(pieces).strip()
    stats = model.last_stats
    assert stats is not None and stats.generated_tokens == len(pieces) and stats.prompt_tokens > 10


def test_greedy_decoding_is_repeatable(model: LlamaCppModel) -> None:
    first = complete(model, MESSAGES, max_tokens=16, timeout_s=30).text
    assert complete(model, MESSAGES, max_tokens=16, timeout_s=30).text == first


def test_deadline_stops_a_generation(model: LlamaCppModel) -> None:
    with pytest.raises(LLMTimeout):
        complete(model, MESSAGES, max_tokens=200, timeout_s=0.01)


def test_a_second_caller_is_refused_while_the_only_instance_is_busy(model: LlamaCppModel) -> None:
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        stream = model.stream(MESSAGES, max_tokens=32, timeout_s=30)
        next(stream)  # the instance is now lent to this caller
        started.set()
        release.wait(10)
        stream.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert started.wait(30)
    try:
        with pytest.raises(LLMBusy):
            complete(model, MESSAGES, max_tokens=8, timeout_s=30)
    finally:
        release.set()
        holder.join()
    assert complete(model, MESSAGES, max_tokens=8, timeout_s=30).text  # free again


def test_converted_weights_are_made_once_and_run(tmp_path: Path) -> None:
    target = gguf_for(WeightFormat.Q8_0, tmp_path)
    assert target.parent == tmp_path and target.name.endswith(".q8_0.gguf") and target.stat().st_size > 100e6
    made_at = target.stat().st_mtime_ns
    assert gguf_for(WeightFormat.Q8_0, tmp_path) == target and target.stat().st_mtime_ns == made_at
    assert gguf_for(WeightFormat.SHIPPED, tmp_path) == find_gguf()
    assert not list(tmp_path.glob(".*.part"))
    converted = LlamaCppModel(instances=1, threads=2, weights=WeightFormat.Q8_0, models_dir=tmp_path)
    assert complete(converted, MESSAGES, max_tokens=12, timeout_s=30).text.strip()
    with pytest.raises(ValueError, match="models_dir"):
        LlamaCppModel(weights=WeightFormat.F16)


def test_word_constraint_keeps_the_model_on_whole_allowed_words(model: LlamaCppModel) -> None:
    words = {"Heat", "is", "a", "crime", "drama", "thriller", "classic", "great", "and", "the", "with", "film"}
    prompt = [{"role": "system", "content": "You write one sentence."},
              {"role": "user", "content": "Describe the film Heat (crime, thriller) in one sentence."}]  # fmt: skip
    text = complete(model, prompt, max_tokens=24, timeout_s=30, vocabulary=words).text
    written = re.findall(r"[^\W_][\w'’]*", text)
    assert written and set(written) <= words, text
    free = complete(model, prompt, max_tokens=24, timeout_s=30).text
    assert set(re.findall(r"[^\W_][\w'’]*", free)) - words, "without the constraint the model uses other words"
