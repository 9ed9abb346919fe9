"""POST /v1/chat/completions, OpenAI-compatible: the reply text plus the shown items, and a `concierge` object.

The caller's `messages` are the conversation: the last user message is this turn, earlier user/assistant
messages are passed as history (system/tool messages are ignored: the service keeps its own system prompt).
Streaming sends OpenAI chunks; the text is the authoritative (guard-checked) reply, released once the turn
is done, and the last chunk carries `concierge` (items, tool_calls, reply_mode_used, session_id).
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response, StreamingResponse

from bot.agent.events import ItemView, TurnEvent, TurnResult
from bot.http.auth import Identity
from bot.http.deps import ApiContext, final_result
from bot.http.errors import STORAGE_ERRORS, ApiError, error_responses, storage_full_error
from bot.http.keepalive import with_keepalive
from bot.http.models import ChatCompletionIn
from bot.http.session_routes import with_new_token

CHUNK_WORDS = re.compile(r"\S+\s*|\s+")


def item_line(number: int, item: ItemView) -> str:
    """One item of the content's list: "1. Heat (1995) — Crime: reason", then the price and link when present."""
    line = f"{number}. {item.label} — {', '.join(item.genres)}: {item.reason}"
    if item.display.price is not None:
        line += f" · {item.display.price_label()}"
    if item.display.url:
        line += f" <{item.display.url}>"
    return line


def content_with_items(reply: str, items: list[ItemView]) -> str:
    """The reply followed by a numbered list of the items, so plain OpenAI clients see them too."""
    if not items:
        return reply
    lines = [item_line(n, item) for n, item in enumerate(items, 1)]
    return (reply.rstrip() + "\n\n" if reply.strip() else "") + "\n".join(lines)


def concierge_object(result: TurnResult) -> dict[str, Any]:
    return {
        "items": [item.to_dict() for item in result.items],
        "tool_calls": [{"name": call.name, "arguments": call.arguments} for call in result.tool_calls],
        "reply_mode_used": result.reply_mode_used,
        "session_id": result.session_id,
        "fallback_reason": result.fallback_reason,
    }


def completion_response(result: TurnResult, model: str) -> dict[str, Any]:
    """A chat.completion object."""
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content_with_items(result.reply, result.items)},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "concierge": concierge_object(result),
    }


def completion_stream(events: Iterator[TurnEvent], model: str) -> Iterator[str]:
    """chat.completion.chunk events: role first, the reply in word-sized pieces, then stop + concierge, [DONE]."""
    chunk_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None, extra: dict[str, Any] | None = None) -> str:
        body: dict[str, Any] = {
            "id": chunk_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        if extra is not None:
            body["concierge"] = extra
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    try:
        result = final_result(events)
    except STORAGE_ERRORS as exc:  # a full disk: the turn could not be saved
        yield f"data: {json.dumps({'error': storage_full_error(exc)})}\n\n"
        return
    for piece in CHUNK_WORDS.findall(content_with_items(result.reply, result.items)):
        yield chunk({"content": piece})
    yield chunk({}, "stop", concierge_object(result))
    yield "data: [DONE]\n\n"


def openai_router(api: ApiContext) -> APIRouter:
    router = APIRouter(tags=["openai"], responses=error_responses(400, 401, 403, 404, 413, 422, 429, 503, 507))

    @router.post(
        "/v1/chat/completions",
        response_model=None,
        summary="OpenAI-compatible chat completion (plus a `concierge` object)",
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def chat_completions(body: ChatCompletionIn, identity: Identity = Depends(api.caller)) -> Response:
        """Extra request fields: reply_mode (llm|template), max_items (1..50, default 5)."""
        if len(body.messages) > api.settings.max_messages:
            raise ApiError(
                413, "too_many_messages", f"a conversation holds at most {api.settings.max_messages} messages"
            )
        messages = [m for m in body.messages if m.role in ("user", "assistant")]
        if not messages or messages[-1].role != "user":
            raise ApiError(422, "invalid_request", "the last user/assistant message must be from the user")
        history = [
            {"role": m.role, "content": api.check_text(m.text(), "history message")}
            for m in messages[:-1]
            if m.text().strip()
        ]
        events = api.start_turn(
            identity,
            text=api.check_text(messages[-1].text()),
            reply_mode=body.reply_mode,
            max_items=body.max_items,
            history=history,
            language=body.language,
        )
        if body.stream:
            stream = StreamingResponse(
                with_keepalive(completion_stream(events, body.model), api.settings.sse_keepalive_s),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
            return with_new_token(stream, identity)
        return with_new_token(JSONResponse(completion_response(final_result(events), body.model)), identity)

    return router
