"""ScriptedModel and build_chat_model."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.llm.embedded import EmbeddedSmolLM
from bot.llm.factory import build_chat_model
from bot.llm.llama_cpp import LlamaCppModel
from bot.llm.memo import MemoizedModel
from bot.llm.openai_compatible import OpenAICompatibleModel
from bot.llm.weights import WeightFormat
from bot.testing.scripted_model import ScriptedModel, ScriptExhausted
from tools.chat_model import ChatModel, LLMError, LLMReply, LLMTimeout, ToolCallRequest, complete

MESSAGES = [{"role": "user", "content": "hi"}]


def test_replays_text_word_by_word_and_records_calls() -> None:
    model = ScriptedModel(["Heat is a tense classic.", "Second answer."])
    assert isinstance(model, ChatModel)
    deltas = list(model.stream(MESSAGES, max_tokens=7, timeout_s=3.0))
    assert [d.text for d in deltas] == ["Heat ", "is ", "a ", "tense ", "classic."]
    assert complete(model, MESSAGES, tools=[{"type": "function"}]).text == "Second answer."
    assert len(model.calls) == 2
    assert model.calls[0].messages == MESSAGES
    assert model.calls[0].max_tokens == 7
    assert model.calls[0].timeout_s == 3.0
    assert model.calls[1].tools == [{"type": "function"}]


def test_reply_with_tool_calls_yields_them_last() -> None:
    call = ToolCallRequest("c1", "recommend", {"genres": ["Comedy"]})
    model = ScriptedModel([LLMReply(text="Looking.", tool_calls=[call])], supports_tools=True)
    deltas = list(model.stream(MESSAGES))
    assert deltas[-1].tool_calls == (call,)
    assert complete(ScriptedModel([LLMReply(tool_calls=[call])]), MESSAGES).tool_calls == [call]


def test_queued_exception_is_raised_and_call_recorded() -> None:
    model = ScriptedModel([LLMTimeout("too slow"), "after"])
    with pytest.raises(LLMTimeout, match="too slow"):
        list(model.stream(MESSAGES))
    assert len(model.calls) == 1
    assert complete(model, MESSAGES).text == "after"


def test_empty_queue_raises_clear_error_or_repeats() -> None:
    model = ScriptedModel(["only"])
    complete(model, MESSAGES)
    with pytest.raises(ScriptExhausted, match="no response left for call #2"):
        complete(model, MESSAGES)
    assert issubclass(ScriptExhausted, LLMError)
    repeating = ScriptedModel(["again"], repeat_last=True)
    assert [complete(repeating, MESSAGES).text for _ in range(3)] == ["again"] * 3
    repeating.push("new")
    assert complete(repeating, MESSAGES).text == "new"
    assert repeating.remaining == 0


def test_factory_picks_backend(tmp_path: Path) -> None:
    memoized = build_chat_model(Settings.model_validate(dict(home=tmp_path, llm_backend="auto", llm_instances=3)))
    assert isinstance(memoized, MemoizedModel) and memoized.supports_tools is False
    fast = memoized.inner
    assert isinstance(fast, LlamaCppModel) and fast.instances == 3 and fast.threads == 1
    assert fast.weights == WeightFormat.Q8_0 and fast.models_dir == tmp_path / "models"
    assert not fast.models_dir.exists()  # lazy: converted on first load
    settings = Settings.model_validate(
        dict(home=tmp_path, llm_backend="embedded", llm_engine="transformers", llm_memo_size=0)
    )
    embedded = build_chat_model(settings)
    assert isinstance(embedded, EmbeddedSmolLM)
    assert embedded.supports_tools is False
    assert embedded.cache_dir == tmp_path / "models" / "smollm2-135m"
    assert not embedded.cache_dir.exists()  # lazy: nothing loaded or written yet
    remote = build_chat_model(
        Settings.model_validate(
            dict(home=tmp_path, llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_api_key="k")
        )
    )
    assert isinstance(remote, OpenAICompatibleModel)
    assert remote.supports_tools is True
    assert remote.model == "m"
    with pytest.raises(ValueError, match="LLM_BASE_URL"):
        build_chat_model(Settings.model_validate(dict(home=tmp_path, llm_backend="openai", llm_base_url=None)))
    forced = build_chat_model(
        Settings.model_validate(dict(home=tmp_path, llm_backend="embedded", llm_base_url="http://x/v1"))
    )
    assert isinstance(forced, MemoizedModel) and isinstance(forced.inner, LlamaCppModel)
