"""A ChatModel that reports how fast each generation streamed: time to the first text and the pieces after it.

The factory puts it right around the engine (inside the memo), so replayed generations are not counted as the
engine's speed. Only generations that finish are reported: an error, a timeout or a stream the caller stopped
early reports nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

from bot.llm.wrapped import WrappedChatModel
from tools.chat_model import ChatModel, LLMDelta, Message

# (seconds to the first text piece, text pieces streamed, seconds to the last piece)
LLMObserver = Callable[[float, int, float], None]


class TimedChatModel(WrappedChatModel):
    """`inner` with every finished generation reported to `observe(first_token_s, pieces, total_s)`."""

    def __init__(self, inner: ChatModel, observe: LLMObserver, clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(inner)
        self._observe = observe
        self._clock = clock

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
        started = self._clock()
        deltas = self.inner.stream(
            messages,
            tools=tools,
            max_tokens=max_tokens,
            temperature=temperature,
            timeout_s=timeout_s,
            vocabulary=vocabulary,
        )
        return self._timed(deltas, started)

    def _timed(self, deltas: Iterator[LLMDelta], started: float) -> Iterator[LLMDelta]:
        first: float | None = None
        last = started
        pieces = 0
        for delta in deltas:
            if delta.text:
                last = self._clock()
                first = last if first is None else first
                pieces += 1
            yield delta
        if first is not None:
            self._observe(first - started, pieces, last - started)
