"""Chat model behind an OpenAI-compatible HTTP endpoint (vLLM, llama.cpp server, Ollama, OpenAI).

Plain httpx, no SDK: POST {base_url}/chat/completions with stream=true, Server-Sent Events parsed
line by line, native tool calls accumulated from the streamed deltas.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.llm_base import LLMDelta, LLMError, LLMTimeout, Message, ToolCallRequest

log = logging.getLogger(__name__)

_RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_MAX_BACKOFF_S = 8.0


class _Retryable(LLMError):
    """A failure worth another attempt (connection refused, 429, 5xx) — only before any output."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(slots=True)
class _ToolCallParts:
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


class OpenAICompatibleModel:
    """A ChatModel talking to an OpenAI-compatible /chat/completions endpoint.

    Args:
        base_url: endpoint root, e.g. "http://localhost:8080/v1" (the "/chat/completions" path is appended).
        model: model name sent in the request body.
        api_key: sent as "Authorization: Bearer <key>" when set; never logged.
        timeout_s: default total deadline of one call (a `stream(timeout_s=...)` argument overrides it).
        max_retries: extra attempts after connection errors / 408 / 429 / 5xx, only before any output.
        connect_timeout_s: TCP connect timeout of one attempt.
        backoff_s: first retry delay; doubled per attempt, capped at 8 s; a Retry-After header wins.
        transport: optional httpx transport (tests).
    """

    supports_tools = True

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_s: float = 30.0,
        max_retries: int = 2,
        *,
        connect_timeout_s: float = 5.0,
        backoff_s: float = 0.5,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"llm base_url must start with http:// or https://, got {base_url!r}")
        if timeout_s <= 0 or connect_timeout_s <= 0:
            raise ValueError("timeouts must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.name = f"openai:{model}"
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.connect_timeout_s = connect_timeout_s
        self.backoff_s = backoff_s
        headers = {"Accept": "text/event-stream, application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(headers=headers, transport=transport, follow_redirects=False)

    def __repr__(self) -> str:  # no key in reprs
        return f"OpenAICompatibleModel(base_url={self.base_url!r}, model={self.model!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    @property
    def url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def stream(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        max_tokens: int = 120,
        temperature: float = 0.0,
        timeout_s: float | None = None,
    ) -> Iterator[LLMDelta]:
        """Stream the answer: text deltas as they arrive, then one delta with all tool calls (if any).

        Raises LLMTimeout past the deadline and LLMError for every other failure.
        """
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": list(messages),
            "stream": True,
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if tools:
            payload["tools"] = list(tools)
            payload["tool_choice"] = "auto"
        total = timeout_s if timeout_s is not None else self.timeout_s
        return self._run(payload, time.monotonic() + total, total)

    # ---- attempts and retries -----------------------------------------------------------------
    def _run(self, payload: dict[str, Any], deadline: float, total: float) -> Iterator[LLMDelta]:
        attempt = 0
        while True:
            emitted = False
            try:
                for delta in self._attempt(payload, deadline, total):
                    emitted = True
                    yield delta
                return
            except _Retryable as exc:
                if emitted or attempt >= self.max_retries:
                    raise LLMError(f"{exc} (after {attempt + 1} attempt(s))") from exc
                delay = min(exc.retry_after or self.backoff_s * 2**attempt, _MAX_BACKOFF_S)
                if time.monotonic() + delay >= deadline:
                    raise LLMTimeout(f"no answer from {self.url} within {total:g} s ({exc})") from exc
                attempt += 1
                log.info("llm call failed (%s); retry %d/%d in %.1f s", exc, attempt, self.max_retries, delay)
                time.sleep(delay)

    def _attempt(self, payload: dict[str, Any], deadline: float, total: float) -> Iterator[LLMDelta]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LLMTimeout(f"no answer from {self.url} within {total:g} s")
        timeout = httpx.Timeout(
            connect=min(self.connect_timeout_s, remaining), read=remaining, write=remaining, pool=remaining
        )
        log.debug("llm POST %s model=%s messages=%d", self.url, self.model, len(payload["messages"]))
        try:
            with self._client.stream("POST", self.url, json=payload, timeout=timeout) as response:
                if response.status_code != 200:
                    self._raise_status(response)
                content_type = response.headers.get("content-type", "")
                if "text/event-stream" in content_type:
                    yield from self._parse_sse(response.iter_lines(), deadline, total)
                else:
                    response.read()
                    yield from self._parse_json(response.text)
        except httpx.TimeoutException as exc:
            if isinstance(exc, httpx.ConnectTimeout) and time.monotonic() < deadline:
                raise _Retryable(f"connect to {self.url} timed out") from exc
            raise LLMTimeout(f"no answer from {self.url} within {total:g} s") from exc
        except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
            raise _Retryable(f"{self.url} unreachable: {type(exc).__name__}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise LLMError(f"request to {self.url} failed: {type(exc).__name__}: {exc}") from exc

    def _raise_status(self, response: httpx.Response) -> None:
        response.read()
        detail = _error_detail(response.text)
        message = f"{self.url} answered HTTP {response.status_code}{': ' + detail if detail else ''}"
        if response.status_code in _RETRY_STATUS:
            raise _Retryable(message, _retry_after(response.headers.get("retry-after")))
        raise LLMError(message)

    # ---- parsing ------------------------------------------------------------------------------
    def _parse_sse(self, lines: Iterator[str], deadline: float, total: float) -> Iterator[LLMDelta]:
        calls: dict[int, _ToolCallParts] = {}
        saw_data = finished = False
        for line in lines:
            if time.monotonic() > deadline:
                raise LLMTimeout(f"answer from {self.url} took longer than {total:g} s")
            if not line or line.startswith(":") or not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                finished = True
                break
            saw_data = True
            try:
                text, done = _apply_chunk(_loads(data, self.url), calls)
            except (AttributeError, TypeError, ValueError) as exc:  # JSON of the wrong shape
                raise LLMError(f"{self.url} sent a chunk of unexpected shape ({data[:40]!r})") from exc
            finished = finished or done
            if text:
                yield LLMDelta(text=text)
        if not saw_data:
            raise LLMError(f"{self.url} sent an empty event stream")
        if not finished:  # a truncated answer (connection closed midway) is not an answer
            raise LLMError(f"{self.url} closed the event stream midway (no [DONE] nor finish_reason)")
        if calls:
            yield LLMDelta(tool_calls=tuple(calls[i].build(i) for i in sorted(calls)))

    def _parse_json(self, body: str) -> Iterator[LLMDelta]:
        """A server that ignored stream=true answered with one JSON completion."""
        data = _loads(body, self.url)
        choice = _first_choice(data, self.url)
        message = choice.get("message")
        if not isinstance(message, dict):
            raise LLMError(f"{self.url} answered JSON without choices[0].message")
        text = message.get("content") or ""
        if text:
            yield LLMDelta(text=str(text))
        calls: dict[int, _ToolCallParts] = {}
        for i, raw in enumerate(message.get("tool_calls") or []):
            function = raw.get("function") if isinstance(raw, dict) else None
            if not isinstance(function, dict):
                raise LLMError(f"{self.url} answered a tool call without a function object")
            arguments = function.get("arguments")
            if isinstance(arguments, dict):
                arguments = json.dumps(arguments)
            calls[i] = _ToolCallParts(raw.get("id") or "", function.get("name") or "", [arguments or ""])
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
        raise LLMError(f"{url} reported an error: {_error_detail(data)}")
    return value


def _first_choice(data: dict[str, Any], url: str) -> dict[str, Any]:
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise LLMError(f"{url} answered without choices")
    return choices[0]


def _apply_chunk(chunk: dict[str, Any], calls: dict[int, _ToolCallParts]) -> tuple[str, bool]:
    """Fold one streamed chunk into `calls`; return its text and whether it says the answer is finished."""
    choices = chunk.get("choices") or []
    if not choices:  # usage-only chunks
        return "", False
    delta = choices[0].get("delta") or {}
    for position, part in enumerate(delta.get("tool_calls") or []):
        index = part.get("index", position)
        parts = calls.setdefault(int(index), _ToolCallParts())
        if part.get("id"):
            parts.id = part["id"]
        function = part.get("function") or {}
        if function.get("name"):
            parts.name += function["name"]
        if function.get("arguments"):
            parts.arguments.append(function["arguments"])
    content = delta.get("content")
    return (content if isinstance(content, str) else ""), bool(choices[0].get("finish_reason"))


def _error_detail(body: str) -> str:
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


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
