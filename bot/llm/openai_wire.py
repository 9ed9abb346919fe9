"""The OpenAI chat-completions wire format: streamed chunks (Server-Sent Events) and plain JSON completions read
into LLMDeltas, tool calls joined from their streamed pieces, and the server's error message."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tools.chat_model import LLMDelta, LLMError, LLMTimeout, ToolCallRequest


@dataclass(slots=True)
class ToolCallParts:
    """The pieces of one streamed tool call, joined as they arrive."""

    id: str = ""
    name: str = ""
    arguments: list[str] = field(default_factory=list)

    def build(self, index: int) -> ToolCallRequest:
        raw = "".join(self.arguments).strip()
        if not self.name:
            raise LLMError(f"tool call #{index} has no function name")
        try:
            arguments = json.loads(raw) if raw else {}
        except json.JSONDecodeError as exc:
            raise LLMError(f"tool call {self.name!r} has arguments that are not valid JSON: {exc.msg}") from exc
        if not isinstance(arguments, dict):
            raise LLMError(f"tool call {self.name!r} arguments must be a JSON object, got {type(arguments).__name__}")
        return ToolCallRequest(id=self.id or f"call_{index}", name=self.name, arguments=arguments)


def sse_deltas(lines: Iterator[str], url: str, deadline: float, total: float) -> Iterator[LLMDelta]:
    """The deltas of a Server-Sent Events answer: text as it arrives, then the tool calls (raises past deadline)."""
    calls: dict[int, ToolCallParts] = {}
    saw_data = finished = False
    for line in lines:
        if time.monotonic() > deadline:
            raise LLMTimeout(f"answer from {url} took longer than {total:g} s")
        if not line or line.startswith(":") or not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            finished = True
            break
        saw_data = True
        try:
            text, done = _apply_chunk(_loads(data, url), calls)
        except (AttributeError, TypeError, ValueError) as exc:  # JSON of the wrong shape
            raise LLMError(f"{url} sent a chunk of unexpected shape ({data[:40]!r})") from exc
        finished = finished or done
        if text:
            yield LLMDelta(text=text)
    if not saw_data:
        raise LLMError(f"{url} sent an empty event stream")
    if not finished:  # a truncated answer (connection closed midway) is not an answer
        raise LLMError(f"{url} closed the event stream midway (no [DONE] nor finish_reason)")
    if calls:
        yield LLMDelta(tool_calls=tuple(calls[i].build(i) for i in sorted(calls)))


def json_deltas(body: str, url: str) -> Iterator[LLMDelta]:
    """A server that ignored stream=true answered with one JSON completion."""
    data = _loads(body, url)
    choice = _first_choice(data, url)
    message = choice.get("message")
    if not isinstance(message, dict):
        raise LLMError(f"{url} answered JSON without choices[0].message")
    text = message.get("content") or ""
    if text:
        yield LLMDelta(text=str(text))
    calls: dict[int, ToolCallParts] = {}
    for i, raw in enumerate(message.get("tool_calls") or []):
        function = raw.get("function") if isinstance(raw, dict) else None
        if not isinstance(function, dict):
            raise LLMError(f"{url} answered a tool call without a function object")
        arguments = function.get("arguments")
        if isinstance(arguments, dict):
            arguments = json.dumps(arguments)
        calls[i] = ToolCallParts(raw.get("id") or "", function.get("name") or "", [arguments or ""])
    if calls:
        yield LLMDelta(tool_calls=tuple(calls[i].build(i) for i in sorted(calls)))


def _loads(data: str, url: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except json.JSONDecodeError as exc:
        raise LLMError(f"{url} sent data that is not JSON (starts {data[:40]!r})") from exc
    if not isinstance(value, dict):
        raise LLMError(f"{url} sent JSON that is not an object")
    if "error" in value and "choices" not in value:
        raise LLMError(f"{url} reported an error: {error_detail(data)}")
    return value


def _first_choice(data: dict[str, Any], url: str) -> dict[str, Any]:
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise LLMError(f"{url} answered without choices")
    return choices[0]


def _apply_chunk(chunk: dict[str, Any], calls: dict[int, ToolCallParts]) -> tuple[str, bool]:
    """Fold one streamed chunk into `calls`; return its text and whether it says the answer is finished."""
    choices = chunk.get("choices") or []
    if not choices:  # usage-only chunks
        return "", False
    delta = choices[0].get("delta") or {}
    for position, part in enumerate(delta.get("tool_calls") or []):
        index = part.get("index", position)
        parts = calls.setdefault(int(index), ToolCallParts())
        if part.get("id"):
            parts.id = part["id"]
        function = part.get("function") or {}
        if function.get("name"):
            parts.name += function["name"]
        if function.get("arguments"):
            parts.arguments.append(function["arguments"])
    content = delta.get("content")
    return (content if isinstance(content, str) else ""), bool(choices[0].get("finish_reason"))


def error_detail(body: str) -> str:
    """The server's error message (short), or the start of the body."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return body.strip()[:160]
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("type") or "")[:160]
        if error:
            return str(error)[:160]
    return body.strip()[:160]
