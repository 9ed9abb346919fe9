"""The interface every LLM backend implements (embedded SmolLM2, OpenAI-compatible, scripted)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

_WORD = re.compile(r"[^\W_][\w'’-]*", re.UNICODE)


def decoding_vocabulary(texts: Iterable[str], free_words: Iterable[str]) -> set[str]:
    """A `vocabulary` for `ChatModel.stream`: the words of `texts` as written, and `free_words` (function words,
    generic words) as written and capitalised."""
    words = set(_WORD.findall(" ".join(texts)))
    for word in free_words:
        words |= {word, word[:1].upper() + word[1:]}
    return words


# A chat message in OpenAI form: {"role": "system"|"user"|"assistant"|"tool", "content": str, ...}
Message = dict[str, Any]


class LLMError(RuntimeError):
    """The backend failed: unreachable, timed out, bad answer. The loop falls back to a template."""


class LLMTimeout(LLMError):
    """The backend did not answer within its timeout."""


class LLMBusy(LLMError):
    """Every model instance is busy and the wait would not fit the turn's budget (admission control)."""


@dataclass(frozen=True, slots=True)
class ToolCallRequest:
    """A tool call the model asked for (native tool calling)."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LLMDelta:
    """One piece of a streamed answer: text, or (at the end) tool calls."""

    text: str = ""
    tool_calls: tuple[ToolCallRequest, ...] = ()


@dataclass(slots=True)
class LLMReply:
    text: str = ""
    tool_calls: list[ToolCallRequest] = field(default_factory=list)


@runtime_checkable
class ChatModel(Protocol):
    """A chat model. `stream` yields deltas; it raises LLMError (or LLMTimeout) on failure."""

    @property
    def name(self) -> str:
        """The model's name (for logs and traces)."""
        ...

    @property
    def supports_tools(self) -> bool:
        """True when the model can choose tools itself (native tool calling)."""
        ...

    @property
    def continues_replies(self) -> bool:
        """True when a last message from the assistant is continued (the reply's given start) rather than
        answered; callers give a start only to such models."""
        ...

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
        """Stream the answer. `vocabulary`: the words the answer may use, where the engine can hold decoding to
        them (llama.cpp: a word constraint); engines that cannot ignore it (the guard still checks the text)."""
        ...


def complete(model: ChatModel, messages: Sequence[Message], **kwargs: Any) -> LLMReply:
    """Run `stream` to the end and collect the text and tool calls."""
    reply = LLMReply()
    chunks: list[str] = []
    for delta in model.stream(messages, **kwargs):
        if delta.text:
            chunks.append(delta.text)
        reply.tool_calls.extend(delta.tool_calls)
    reply.text = "".join(chunks)
    return reply
