"""Routes of the session API (/api/v1): sessions, messages (JSON or SSE), feedback, profile, forget-me.

The user is always the caller (bot.http.deps.ApiContext.caller); no URL or body names a user.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from bot.agent.events import ItemsShown, TextDelta, ToolFinished, ToolStarted, TurnDone, TurnEvent
from bot.backend import SessionNotFound
from bot.http.auth import Identity
from bot.http.deps import TOKEN_HEADER, ApiContext, final_result, sse
from bot.http.errors import STORAGE_ERRORS, ApiError, error_responses, storage_full_error
from bot.http.keepalive import with_keepalive
from bot.http.models import FeedbackIn, MessageIn


def event_payload(event: TurnEvent) -> tuple[str, dict[str, Any]]:
    """The SSE event name and data of a turn event."""
    if isinstance(event, TurnDone):
        return "done", event.result.to_dict()
    if isinstance(event, ItemsShown):
        return "items", {"items": [item.to_dict() for item in event.items]}
    if isinstance(event, TextDelta):
        return "token", {"text": event.text}
    if isinstance(event, ToolStarted):
        return "tool_start", {"name": event.name, "arguments": event.arguments}
    if isinstance(event, ToolFinished):
        return "tool_end", {"name": event.name, "ok": event.ok, "summary": event.summary}
    raise TypeError(f"unknown turn event {type(event).__name__}")


def sse_stream(events: Iterator[TurnEvent]) -> Iterator[str]:
    """The turn's events; a full disk (the turn cannot be saved) ends the stream with an `error` event."""
    try:
        for event in events:
            yield sse(*event_payload(event))
    except STORAGE_ERRORS as exc:
        yield sse("error", storage_full_error(exc))


def with_new_token(response: Response, identity: Identity) -> Response:
    """A fresh anonymous visitor gets their token back (header), to send on the next calls."""
    if identity.new_token:
        response.headers[TOKEN_HEADER] = identity.new_token
    return response


def sessions_router(api: ApiContext) -> APIRouter:
    router = APIRouter(
        prefix="/api/v1", tags=["sessions"], responses=error_responses(400, 401, 403, 404, 409, 413, 422, 429, 503, 507)
    )
    backend = api.backend
    caller = Depends(api.caller)

    @router.post("/sessions", status_code=201, summary="Start a conversation")
    def create_session(identity: Identity = caller) -> Response:
        """A new session of the caller: {"session_id", "user_token"} (user_token: only for a new anonymous
        visitor, also in the X-Concierge-Token header)."""
        body = {"session_id": backend.create_session(identity.user_id), "user_token": identity.new_token}
        return with_new_token(JSONResponse(body, status_code=201), identity)

    @router.get("/sessions/{session_id}", summary="Transcript of one of your sessions")
    def get_session(session_id: str, identity: Identity = caller) -> dict[str, Any]:
        """{"session_id", "messages": [{role, content, items?, ...}]}; 404 for a session that is not yours."""
        try:
            return {"session_id": session_id, "messages": backend.session_messages(identity.user_id, session_id)}
        except SessionNotFound as exc:
            raise ApiError(404, "session_not_found", "no such session") from exc

    @router.post(
        "/sessions/{session_id}/messages",
        response_model=None,
        summary="Send a message (JSON result, or SSE with Accept: text/event-stream)",
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    def post_message(session_id: str, body: MessageIn, request: Request, identity: Identity = caller) -> Response:
        """TurnResult as JSON; with `Accept: text/event-stream` the events tool_start / tool_end / token / items
        and finally done (data = the TurnResult). `token` events are the LLM's draft: `done.reply` is
        authoritative (it replaces the draft when the grounding guard refused it)."""
        text = api.check_text(body.text)
        api.check_room(identity, session_id)
        events = api.start_turn(
            identity,
            text=text,
            session_id=session_id,
            reply_mode=body.reply_mode,
            max_items=body.max_items,
            language=body.language,
        )
        if "text/event-stream" in request.headers.get("accept", ""):
            headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
            stream = with_keepalive(sse_stream(events), api.settings.sse_keepalive_s)
            return StreamingResponse(stream, media_type="text/event-stream", headers=headers)
        return JSONResponse(final_result(events).to_dict())

    @router.post("/feedback", tags=["profile"], summary="Like, dislike or mark an item as seen")
    def feedback(body: FeedbackIn, identity: Identity = caller) -> dict[str, Any]:
        """{"item_id", "signal", "title"}; 404 for an unknown item."""
        try:
            return backend.record_feedback(identity.user_id, body.item_id, body.signal)
        except KeyError as exc:
            raise ApiError(404, "item_not_found", "no item with this id") from exc

    @router.get("/me/profile", tags=["profile"], summary="Your taste profile")
    def my_profile(
        identity: Identity = caller,
        language: str | None = Query(None, max_length=16, description="The summary's language (en, zh, es, fr, de)."),
    ) -> dict[str, Any]:
        """top_genres [{genre, weight}], decades, favourites, summary (in `language`, else English), counts."""
        return backend.profile(identity.user_id, language=language)

    @router.delete("/me", tags=["profile"], summary="Forget me: delete your history and sessions")
    def forget_me(identity: Identity = caller) -> dict[str, Any]:
        """{"deleted": {store: rows deleted}}. Not for X-Demo-User callers (the shared demo data stays)."""
        if identity.demo_header:
            raise ApiError(403, "forbidden", "X-Demo-User callers cannot delete the demo user; use a token")
        return {"deleted": backend.forget_user(identity.user_id)}

    return router
