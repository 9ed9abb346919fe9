"""MemoizedModel (bot/llm/memo.py): finished greedy generations are replayed, nothing else is kept."""

from __future__ import annotations

import pytest

from bot.llm.memo import MemoizedModel
from bot.testing.scripted_model import ScriptedModel
from tools.chat_model import LLMTimeout, complete

PROMPT = [{"role": "system", "content": "One sentence."}, {"role": "user", "content": "Title: Heat"}]


def test_the_same_greedy_prompt_is_generated_once() -> None:
    inner = ScriptedModel(["Heat is a crime drama.", "a second generation"])
    model = MemoizedModel(inner, size=8)
    first = complete(model, PROMPT, max_tokens=20, vocabulary={"Heat", "crime"})
    again = complete(model, PROMPT, max_tokens=20, vocabulary={"crime", "Heat"})
    assert first.text == again.text == "Heat is a crime drama."
    assert len(inner.calls) == 1 and (model.hits, model.misses) == (1, 1)
    other = [*PROMPT[:1], {"role": "user", "content": "Title: Ronin"}]
    assert complete(model, other, max_tokens=20).text == "a second generation"
    assert len(inner.calls) == 2


def test_limits_vocabulary_and_sampling_are_part_of_the_key() -> None:
    inner = ScriptedModel(["a", "b", "c", "d"])
    model = MemoizedModel(inner, size=8)
    texts = [
        complete(model, PROMPT, max_tokens=20).text,
        complete(model, PROMPT, max_tokens=21).text,
        complete(model, PROMPT, max_tokens=20, vocabulary={"Heat"}).text,
        complete(model, PROMPT, max_tokens=20, temperature=0.7).text,  # sampled: never cached
    ]
    assert texts == ["a", "b", "c", "d"] and len(inner.calls) == 4


def test_failed_and_abandoned_generations_are_not_kept() -> None:
    inner = ScriptedModel([LLMTimeout("slow"), "one two three", "one two three four"])
    model = MemoizedModel(inner, size=8)
    with pytest.raises(LLMTimeout):
        complete(model, PROMPT)
    stream = model.stream(PROMPT)
    assert next(stream).text.strip() == "one"
    stream.close()  # the caller stopped reading: the text is incomplete
    assert complete(model, PROMPT).text == "one two three four"
    assert len(inner.calls) == 3


def test_the_oldest_generation_leaves_a_full_memo() -> None:
    inner = ScriptedModel(["x1", "x2", "x3"])
    model = MemoizedModel(inner, size=1)
    complete(model, PROMPT)
    complete(model, [*PROMPT, {"role": "user", "content": "more"}])
    assert complete(model, PROMPT).text == "x3"  # evicted, generated again
    with pytest.raises(ValueError):
        MemoizedModel(inner, size=0)
