"""Chat model behind an OpenAI-compatible endpoint (vLLM, llama.cpp server, Ollama, OpenAI), on the `openai` SDK.

The SDK builds and sends POST {base_url}/chat/completions (stream=true), decodes the Server-Sent Events into typed
chunks and maps HTTP failures to its exceptions. This module adds what the SDK does not do:

* One total deadline per call. The SDK's own retries give every attempt the full timeout again and sleep with
  jitter (Retry-After up to 60 s) regardless of any overall budget, so they are disabled (`max_retries=0` on the
  client) and the small loop below retries connection errors, connect timeouts, 408/409/425/429/500/502/503/504:
  only before any output was yielded, never past the deadline, each attempt's httpx timeout set to the time left.
* A server that ignores stream=true and answers one JSON completion (or an HTML page): the SDK would read that
  body as an empty event stream, so a non-event-stream body is read here (and parsed with the SDK's model types).
* A stream cut midway: the SDK ends its iteration silently on [DONE] and on end of body alike, so an answer is
  complete only when a chunk carried a finish_reason (every OpenAI-compatible server sends one).
* Native tool calls joined from their streamed pieces, arguments checked to be a JSON object.
* Failures as LLMError / LLMTimeout with short messages naming the endpoint. The api key only goes into the
  Authorization header (never into messages, logs or repr); without a key no Authorization header is sent, and
  OPENAI_API_KEY / OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment are never sent to the endpoint.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai
from openai import Stream
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from tools.chat_model import LLMDelta, LLMError, LLMTimeout, Message, ToolCallRequest

log = logging.getLogger(__name__)

_RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_MAX_BACKOFF_S = 8.0
_NO_KEY = "unused"  # the SDK wants a key; without a real one the Authorization header is omitted per request


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
        timeout_s: default total deadline of one call, retries included (`stream(timeout_s=...)` overrides it).
        max_retries: extra attempts after connection errors / 408 / 429 / 5xx, only before any output.
        connect_timeout_s: TCP connect timeout of one attempt.
        backoff_s: first retry delay; doubled per attempt, capped at 8 s; a Retry-After header wins.
        transport: optional httpx transport of the SDK's http client (tests inject faults with it).
    """

    supports_tools = True
    continues_replies = False

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
        # per request: no OPENAI_ORG_ID / OPENAI_PROJECT_ID from the environment, no Authorization without a key
        self._headers: dict[str, str | openai.Omit] = {"Accept": "text/event-stream, application/json"}
        for omitted in ("OpenAI-Organization", "OpenAI-Project", *(() if api_key else ("Authorization",))):
            self._headers[omitted] = openai.omit
        self._client = openai.OpenAI(
            api_key=api_key or _NO_KEY,
            base_url=self.base_url,
            max_retries=0,  # retries are ours: one deadline across all attempts (module docstring)
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            http_client=httpx.Client(transport=transport, follow_redirects=False),
        )
        self._create = self._client.chat.completions.create

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
        vocabulary: Collection[str] | None = None,
    ) -> Iterator[LLMDelta]:
        """Stream the answer: text deltas as they arrive, then one delta with all tool calls (if any).

        Raises LLMTimeout past the deadline and LLMError for every other failure.
        """
        request: dict[str, Any] = {"model": self.model, "messages": list(messages), "max_tokens": max_tokens}
        request["temperature"] = temperature
        if tools:
            request["tools"] = list(tools)
            request["tool_choice"] = "auto"
        total = timeout_s if timeout_s is not None else self.timeout_s
        return self._run(request, time.monotonic() + total, total)

    def _run(self, request: dict[str, Any], deadline: float, total: float) -> Iterator[LLMDelta]:
        attempt = 0
        while True:
            emitted = False
            try:
                for delta in self._attempt(request, deadline, total):
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

    def _attempt(self, request: dict[str, Any], deadline: float, total: float) -> Iterator[LLMDelta]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise LLMTimeout(f"no answer from {self.url} within {total:g} s")
        timeout = httpx.Timeout(remaining, connect=min(self.connect_timeout_s, remaining))
        log.debug("llm POST %s model=%s messages=%d", self.url, self.model, len(request["messages"]))
        try:
            chunks = self._create(**request, stream=True, timeout=timeout, extra_headers=self._headers)
        except openai.APITimeoutError as exc:  # before APIConnectionError: it is a subclass
            if isinstance(exc.__cause__, httpx.ConnectTimeout) and time.monotonic() < deadline:
                raise _Retryable(f"connect to {self.url} timed out") from exc
            raise LLMTimeout(f"no answer from {self.url} within {total:g} s") from exc
        except openai.APIConnectionError as exc:
            cause = exc.__cause__ or exc
            raise _Retryable(f"{self.url} unreachable: {type(cause).__name__}: {cause}") from exc
        except openai.APIStatusError as exc:  # RateLimitError (429), InternalServerError (5xx), ...
            message = f"{self.url} answered HTTP {exc.status_code}{_detail(exc.body)}"
            if exc.status_code in _RETRY_STATUS:
                raise _Retryable(message, _retry_after(exc.response.headers.get("retry-after"))) from exc
            raise LLMError(message) from exc
        except openai.OpenAIError as exc:
            raise LLMError(f"request to {self.url} failed: {type(exc).__name__}: {exc}") from exc
        with chunks:
            try:
                if "text/event-stream" in chunks.response.headers.get("content-type", ""):
                    yield from self._stream_deltas(chunks, deadline, total)
                else:
                    yield from _completion_deltas(chunks.response.read().decode("utf-8", "replace"), self.url)
            except json.JSONDecodeError as exc:  # an event whose data is not JSON
                raise LLMError(f"{self.url} sent data that is not JSON (starts {exc.doc[:40]!r})") from exc
            except openai.APIError as exc:  # an {"error": ...} event
                raise LLMError(f"{self.url} reported an error: {exc.message[:160]}") from exc
            except httpx.TimeoutException as exc:
                raise LLMTimeout(f"no answer from {self.url} within {total:g} s") from exc
            except (httpx.ConnectError, httpx.RemoteProtocolError) as exc:
                raise _Retryable(f"{self.url} unreachable: {type(exc).__name__}: {exc}") from exc
            except httpx.HTTPError as exc:
                raise LLMError(f"reading the answer of {self.url} failed: {type(exc).__name__}: {exc}") from exc

    def _stream_deltas(self, chunks: Stream[ChatCompletionChunk], deadline: float, total: float) -> Iterator[LLMDelta]:
        """Text deltas as they arrive, then the tool calls; raises past the deadline and on a cut stream."""
        calls: dict[int, _ToolCallParts] = {}
        seen = finished = False
        for chunk in chunks:
            if time.monotonic() > deadline:
                raise LLMTimeout(f"answer from {self.url} took longer than {total:g} s")
            seen = True
            try:
                text, done = _fold_chunk(chunk, calls)
            except (AttributeError, TypeError, ValueError) as exc:  # JSON of the wrong shape
                raise LLMError(f"{self.url} sent a chunk of unexpected shape ({str(chunk)[:60]!r})") from exc
            finished = finished or done
            if text:
                yield LLMDelta(text=text)
        if not seen:
            raise LLMError(f"{self.url} sent an empty event stream")
        if not finished:  # a truncated answer (connection closed midway) is not an answer
            raise LLMError(f"{self.url} closed the event stream midway (no finish_reason)")
        yield from _tool_call_delta(calls)


def _fold_chunk(chunk: ChatCompletionChunk, calls: dict[int, _ToolCallParts]) -> tuple[str, bool]:
    """Fold one streamed chunk into `calls`; return its text and whether it says the answer is finished."""
    if not chunk.choices:  # usage-only chunks
        return "", False
    choice = chunk.choices[0]
    delta = choice.delta
    for position, part in enumerate((delta.tool_calls if delta else None) or []):
        parts = calls.setdefault(int(part.index if part.index is not None else position), _ToolCallParts())
        if part.id:
            parts.id = part.id
        if part.function and part.function.name:
            parts.name += part.function.name
        if part.function and part.function.arguments:
            parts.arguments.append(part.function.arguments)
    content = delta.content if delta else None
    return (content if isinstance(content, str) else ""), bool(choice.finish_reason)


def _completion_deltas(body: str, url: str) -> Iterator[LLMDelta]:
    """A server that ignored stream=true answered with one JSON completion (read without validation)."""
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise LLMError(f"{url} sent data that is not JSON (starts {body.strip()[:40]!r})") from exc
    if isinstance(data, dict) and data.get("error") and "choices" not in data:
        raise LLMError(f"{url} reported an error{_detail(data['error'])}")
    try:
        message = ChatCompletion.construct(**data).choices[0].message
        text, tool_calls = message.content, message.tool_calls or []
        calls = {}
        for i, call in enumerate(tool_calls):
            arguments = call.function.arguments  # type: ignore[union-attr]  # custom tool calls: shape error
            if isinstance(arguments, dict):  # some servers send an object instead of a JSON string
                arguments = json.dumps(arguments)
            calls[i] = _ToolCallParts(call.id or "", call.function.name or "", [arguments or ""])  # type: ignore[union-attr]
    except (AttributeError, IndexError, KeyError, TypeError) as exc:
        raise LLMError(f"{url} answered JSON of unexpected shape (no choices[0].message)") from exc
    if isinstance(text, str) and text:
        yield LLMDelta(text=text)
    yield from _tool_call_delta(calls)


def _tool_call_delta(calls: dict[int, _ToolCallParts]) -> Iterator[LLMDelta]:
    if calls:
        yield LLMDelta(tool_calls=tuple(calls[i].build(i) for i in sorted(calls)))


def _detail(body: object) -> str:
    """': <the server's error message>' (short), or '' when there is none."""
    if isinstance(body, dict):
        body = body.get("message") or body.get("type") or ""
    text = str(body or "").strip()[:160]
    return f": {text}" if text else ""


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
