"""Greedy generations are deterministic: the same prompt, vocabulary and token limit give the same text, so a
finished one is kept (a bounded LRU) and replayed instead of generated again.

A reply job's prompt holds only catalog facts (the pick's title, genres, reason), never the user's words, so
visitors who get the same top pick for the same reason share one generation. Only complete, greedy, tool-free
generations are kept; an error, a timeout or a stream the caller stopped early keeps nothing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from cachetools import LRUCache

from bot.llm.wrapped import WrappedChatModel
from tools.chat_model import ChatModel, LLMDelta, Message


class MemoizedModel(WrappedChatModel):
    """A ChatModel that replays `inner`'s finished greedy generations (at most `size` of them)."""

    def __init__(self, inner: ChatModel, size: int) -> None:
        if size < 1:
            raise ValueError("a memo needs room for at least one generation")
        super().__init__(inner)
        self._cache: LRUCache[str, str] = LRUCache(maxsize=size)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(messages: Sequence[Message], max_tokens: int, vocabulary: Collection[str] | None) -> str:
        turns = [[str(m.get("role", "")), str(m.get("content") or "")] for m in messages]
        return json.dumps([turns, max_tokens, sorted(vocabulary or ())], ensure_ascii=False)

    def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        max_tokens: int = 120,
        temperature: float = 0.0,
        timeout_s: float = 30.0,
        vocabulary: Collection[str] | None = None,
    ) -> Iterator[LLMDelta]:
        arguments: dict[str, Any] = {
            "max_tokens": max_tokens, "temperature": temperature, "timeout_s": timeout_s, "vocabulary": vocabulary
        }  # fmt: skip
        if tools or temperature > 0:
            return self.inner.stream(messages, tools=tools, **arguments)
        key = self.key(messages, max_tokens, vocabulary)
        with self._lock:
            text = self._cache.get(key)
            if text is None:
                self.misses += 1
            else:
                self.hits += 1
        if text is not None:
            return iter([LLMDelta(text=text)])
        return self._recording(key, self.inner.stream(messages, **arguments))

    def _recording(self, key: str, deltas: Iterator[LLMDelta]) -> Iterator[LLMDelta]:
        pieces: list[str] = []
        for delta in deltas:
            pieces.append(delta.text)
            yield delta
        with self._lock:
            self._cache[key] = "".join(pieces)
