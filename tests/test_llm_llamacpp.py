"""The embedded model on llama.cpp (bot/llm/llama_cpp.py), for real: streaming, deadlines, admission control."""

from __future__ import annotations

import threading

import pytest

from bot.llm.llama_cpp import LlamaCppModel, llama_cpp_available
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
