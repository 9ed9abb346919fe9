"""Chat model behind an OpenAI-compatible HTTP endpoint (vLLM, llama.cpp server, Ollama, OpenAI).

Plain httpx, no SDK: POST {base_url}/chat/completions with stream=true, with deadlines and retries here; the
answer (Server-Sent Events line by line, native tool calls from the streamed deltas) is read by
bot/llm/openai_wire.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from bot.llm.openai_wire import error_detail, json_deltas, sse_deltas
from tools.chat_model import LLMDelta, LLMError, LLMTimeout, Message

log = logging.getLogger(__name__)

_RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_MAX_BACKOFF_S = 8.0


class _Retryable(LLMError):
    """A failure worth another attempt (connection refused, 429, 5xx) — only before any output."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


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
                    yield from sse_deltas(response.iter_lines(), self.url, deadline, total)
                else:
                    response.read()
                    yield from json_deltas(response.text, self.url)
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
        detail = error_detail(response.text)
        message = f"{self.url} answered HTTP {response.status_code}{': ' + detail if detail else ''}"
        if response.status_code in _RETRY_STATUS:
            raise _Retryable(message, _retry_after(response.headers.get("retry-after")))
        raise LLMError(message)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
