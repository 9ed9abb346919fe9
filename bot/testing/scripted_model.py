"""A scripted chat model for tests: replays queued answers, records every call."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from tools.chat_model import LLMDelta, LLMError, LLMReply, Message

ScriptedResponse = str | LLMReply | Exception

_WORDS = re.compile(r"\S+\s*|\s+")


class ScriptExhausted(LLMError):
    """The test asked the scripted model for more answers than were queued."""


@dataclass(frozen=True, slots=True)
class ScriptedCall:
    """One call the code under test made: the messages and tools it sent, and the options."""

    messages: list[Message]
    tools: list[dict[str, Any]] | None
    max_tokens: int
    temperature: float
    timeout_s: float


class ScriptedModel:
    """Replays `responses` in order, one per `stream` call.

    A str is streamed word by word; an LLMReply streams its text then yields its tool calls in a
    final delta; an Exception is raised (after recording the call). When the queue is empty the
    model raises ScriptExhausted, unless `repeat_last=True`, in which case the last response is
    replayed forever.
    """

    def __init__(
        self,
        responses: Sequence[ScriptedResponse] = (),
        *,
        supports_tools: bool = False,
        repeat_last: bool = False,
        name: str = "scripted",
        continues_replies: bool = False,
    ) -> None:
        self.name = name
        self.supports_tools = supports_tools
        self.continues_replies = continues_replies
        self.repeat_last = repeat_last
        self.calls: list[ScriptedCall] = []
        self._queue: deque[ScriptedResponse] = deque(responses)
        self._last: ScriptedResponse | None = None

    def push(self, *responses: ScriptedResponse) -> None:
        """Queue more responses."""
        self._queue.extend(responses)

    @property
    def remaining(self) -> int:
        """How many queued responses have not been used yet."""
        return len(self._queue)

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
        """Record the call and replay the next queued response (see the class docstring)."""
        self.calls.append(
            ScriptedCall(
                messages=[dict(m) for m in messages],
                tools=None if tools is None else [dict(t) for t in tools],
                max_tokens=max_tokens,
                temperature=temperature,
                timeout_s=timeout_s,
            )
        )
        response = self._next()
        if isinstance(response, Exception):
            raise response
        return self._replay(response)

    def _next(self) -> ScriptedResponse:
        if self._queue:
            self._last = self._queue.popleft()
            return self._last
        if self.repeat_last and self._last is not None:
            return self._last
        raise ScriptExhausted(
            f"ScriptedModel has no response left for call #{len(self.calls)} "
            f"(queue empty; pass repeat_last=True to replay the last one)"
        )

    @staticmethod
    def _replay(response: str | LLMReply) -> Iterator[LLMDelta]:
        text = response if isinstance(response, str) else response.text
        for piece in _WORDS.findall(text):
            yield LLMDelta(text=piece)
        if isinstance(response, LLMReply) and response.tool_calls:
            yield LLMDelta(tool_calls=tuple(response.tool_calls))
