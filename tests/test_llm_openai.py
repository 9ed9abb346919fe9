"""OpenAICompatibleModel against the local stub server (tests/openai_stub.py)."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from bot.llm.openai_compatible import OpenAICompatibleModel
from tests.openai_stub import OpenAIStub, closed_port_url
from tools.chat_model import ChatModel, LLMError, LLMTimeout, complete

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "a crime film please"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_catalog",
            "description": "Search the catalog.",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
        },
    }
]


def model_for(url: str, **kwargs: object) -> OpenAICompatibleModel:
    options: dict = {"timeout_s": 5.0, "max_retries": 2, "backoff_s": 0.01}
    options.update(kwargs)
    return OpenAICompatibleModel(url, "stub-model", **options)


def test_streams_text_deltas_and_sends_the_request() -> None:
    with OpenAIStub("text", words=["Heat ", "is ", "great."]) as stub:
        model = model_for(stub.base_url, api_key="sk-test-123")
        assert isinstance(model, ChatModel)
        deltas = list(model.stream(MESSAGES, max_tokens=50, temperature=0.3))
    assert [d.text for d in deltas] == ["Heat ", "is ", "great."]
    body = stub.requests[0]
    assert body["model"] == "stub-model"
    assert body["stream"] is True
    assert body["max_tokens"] == 50
    assert body["temperature"] == 0.3
    assert body["messages"] == MESSAGES
    assert "tools" not in body
    assert stub.headers[0]["authorization"] == "Bearer sk-test-123"


def test_non_streaming_json_answer_is_accepted() -> None:
    with OpenAIStub("json", words=["One ", "answer."]) as stub:
        reply = complete(model_for(stub.base_url), MESSAGES)
    assert reply.text == "One answer."
    assert reply.tool_calls == []


def test_tool_call_deltas_are_accumulated_into_parsed_arguments() -> None:
    with OpenAIStub("tool_call", tool_arguments='{"query": "space opera", "k": 3}') as stub:
        reply = complete(model_for(stub.base_url), MESSAGES, tools=TOOLS)
    assert stub.requests[0]["tools"] == TOOLS
    assert len(reply.tool_calls) == 1
    call = reply.tool_calls[0]
    assert call.id == "call_1"
    assert call.name == "search_catalog"
    assert call.arguments == {"query": "space opera", "k": 3}


def test_bad_tool_arguments_raise_llm_error() -> None:
    with OpenAIStub("bad_tool_json") as stub, pytest.raises(LLMError, match="not valid JSON"):
        complete(model_for(stub.base_url), MESSAGES, tools=TOOLS)


def test_connection_refused_is_retried_then_reported() -> None:
    model = model_for(closed_port_url(), max_retries=2)
    with pytest.raises(LLMError, match=r"unreachable.*after 3 attempt"):
        list(model.stream(MESSAGES))


def test_stall_past_the_deadline_raises_timeout_quickly() -> None:
    with OpenAIStub("stall", stall_s=3.0) as stub:
        started = time.monotonic()
        with pytest.raises(LLMTimeout):
            list(model_for(stub.base_url).stream(MESSAGES, timeout_s=0.5))
        assert time.monotonic() - started < 2.0


def test_server_error_then_ok_is_retried() -> None:
    with OpenAIStub("error_then_ok", error_status=500, fail_times=1, words=["fine."]) as stub:
        reply = complete(model_for(stub.base_url), MESSAGES)
    assert reply.text == "fine."
    assert len(stub.requests) == 2


def test_429_then_ok_is_retried() -> None:
    with OpenAIStub("error_then_ok", error_status=429, fail_times=2, words=["ok."]) as stub:
        reply = complete(model_for(stub.base_url, max_retries=2), MESSAGES)
    assert reply.text == "ok."
    assert len(stub.requests) == 3


def test_persistent_server_error_gives_status_and_message() -> None:
    with OpenAIStub("error_then_ok", error_status=503, fail_times=10) as stub:
        with pytest.raises(LLMError, match=r"HTTP 503: temporarily overloaded.*after 2 attempt"):
            complete(model_for(stub.base_url, max_retries=1), MESSAGES)
        assert len(stub.requests) == 2


def test_client_error_is_not_retried() -> None:
    with OpenAIStub("status", error_status=404) as stub:
        with pytest.raises(LLMError, match="HTTP 404: model not found"):
            complete(model_for(stub.base_url), MESSAGES)
        assert len(stub.requests) == 1


@pytest.mark.parametrize("mode", ["garbage", "html"])
def test_garbage_body_raises_llm_error(mode: str) -> None:
    with OpenAIStub(mode) as stub, pytest.raises(LLMError, match="not JSON"):
        complete(model_for(stub.base_url), MESSAGES)


def test_api_key_and_content_never_logged_at_info(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.llm.openai_compatible")
    with OpenAIStub("error_then_ok", fail_times=1) as stub:
        model = model_for(stub.base_url, api_key="sk-secret-999")
        complete(model, MESSAGES)
    text = caplog.text + repr(model)
    assert "sk-secret-999" not in text
    assert "a crime film please" not in text
    assert any(r.levelno == logging.INFO and "retry" in r.getMessage() for r in caplog.records)


def test_bad_base_url_is_rejected() -> None:
    with pytest.raises(ValueError, match="http"):
        OpenAICompatibleModel("localhost:8080", "m")


def test_no_key_sends_no_authorization_and_ignores_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-777")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-from-env")
    with OpenAIStub("text") as stub:
        complete(model_for(stub.base_url), MESSAGES)
    headers = stub.headers[0]
    assert "authorization" not in headers
    assert "openai-organization" not in headers
    assert "sk-from-env-777" not in repr(headers)


def test_api_key_not_logged_even_at_debug_by_the_sdk(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, openai's, httpx's
    with OpenAIStub("error_then_ok", fail_times=1) as stub:
        complete(model_for(stub.base_url, api_key="sk-secret-999"), MESSAGES)
    assert stub.headers[0]["authorization"] == "Bearer sk-secret-999"
    assert caplog.records
    assert "sk-secret-999" not in caplog.text


# ---- faults injected through the SDK's httpx transport -----------------------------------------------------
SSE = {"content-type": "text/event-stream"}


def sse_body(*words: str, finish: bool = True) -> bytes:
    chunks = [{"choices": [{"index": 0, "delta": {"content": w}}]} for w in words]
    if finish:
        chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


def scripted(*responses: Callable[[], httpx.Response]) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering the n-th request with responses[n] (the last one repeats)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]()

    return httpx.MockTransport(handler), seen


def test_retry_after_header_is_honoured() -> None:
    transport, seen = scripted(
        lambda: httpx.Response(429, headers={"retry-after": "0.4"}, json={"error": {"message": "slow down"}}),
        lambda: httpx.Response(200, headers=SSE, content=sse_body("ok.")),
    )
    started = time.monotonic()
    reply = complete(model_for("http://llm.test/v1", transport=transport, backoff_s=0.01), MESSAGES)
    assert reply.text == "ok."
    assert len(seen) == 2
    assert time.monotonic() - started >= 0.4


def test_retry_after_past_the_deadline_gives_up_at_once() -> None:
    transport, seen = scripted(lambda: httpx.Response(503, headers={"retry-after": "5"}, json={}))
    started = time.monotonic()
    with pytest.raises(LLMTimeout, match="within 1 s"):
        list(model_for("http://llm.test/v1", transport=transport).stream(MESSAGES, timeout_s=1.0))
    assert time.monotonic() - started < 0.5
    assert len(seen) == 1


def test_retries_share_one_deadline() -> None:
    transport, seen = scripted(lambda: httpx.Response(503, json={"error": {"message": "busy"}}))
    model = model_for("http://llm.test/v1", transport=transport, max_retries=50, backoff_s=0.1)
    started = time.monotonic()
    with pytest.raises(LLMTimeout, match="within 1 s"):
        list(model.stream(MESSAGES, timeout_s=1.0))
    assert time.monotonic() - started <= 1.0
    assert 2 <= len(seen) <= 5  # 0.1 + 0.2 + 0.4 s of backoff fit, 0.8 s more would not


def test_no_retry_once_output_started() -> None:
    def broken_stream() -> Iterator[bytes]:
        yield sse_body("Heat ", "is ", finish=False).removesuffix(b"data: [DONE]\n\n")
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    transport, seen = scripted(lambda: httpx.Response(200, headers=SSE, content=broken_stream()))
    texts: list[str] = []
    with pytest.raises(LLMError, match=r"RemoteProtocolError.*after 1 attempt"):
        for delta in model_for("http://llm.test/v1", transport=transport, max_retries=3).stream(MESSAGES):
            texts.append(delta.text)
    assert texts == ["Heat ", "is "]
    assert len(seen) == 1


def test_error_event_in_the_stream_raises_llm_error() -> None:
    body = b'data: {"error": {"message": "context length exceeded"}}\n\n'
    transport, _ = scripted(lambda: httpx.Response(200, headers=SSE, content=body))
    with pytest.raises(LLMError, match="reported an error: context length exceeded"):
        complete(model_for("http://llm.test/v1", transport=transport), MESSAGES)
