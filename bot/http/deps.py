"""What every API route shares: who is calling (auth + rate limit), text checks, and starting a turn."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from bot.agent.events import TurnDone, TurnEvent, TurnResult
from bot.backend import ChatBackend, SessionNotFound
from bot.config import Settings
from bot.http.auth import AuthError, Identity, identify
from bot.http.errors import ApiError
from bot.http.limits import RateLimited, RateLimiter

DEMO_USER_HEADER = "x-demo-user"
TOKEN_HEADER = "X-Concierge-Token"


@dataclass(slots=True)
class ApiContext:
    """Settings, backend, signing secret and the rate limiter of one app (no module-level state)."""

    settings: Settings
    backend: ChatBackend
    secret: str
    limiter: RateLimiter
    _demo_users: frozenset[str] = field(default_factory=frozenset)

    def demo_users(self) -> frozenset[str]:
        if not self._demo_users:
            self._demo_users = frozenset(self.backend.demo_users())
        return self._demo_users

    def caller(self, request: Request) -> Identity:
        """FastAPI dependency: the identity of this request, after the per-user rate limit.

        Authorization: Bearer <JWT> names the user. In demo mode only, X-Demo-User: <MovieLens id> (without a
        token) acts as that demo user. Without either, a fresh anonymous visitor (when allowed), whose token
        comes back in the X-Concierge-Token header and must be sent on later calls.
        """
        if not self.backend.ready():
            reason = self.backend.unavailable_reason()
            message = f"the service is not ready ({reason}); retry shortly" if reason else "the service is loading"
            raise ApiError(503, "loading", message, {"Retry-After": "5"})
        authorization = request.headers.get("authorization")
        demo_user = request.headers.get(DEMO_USER_HEADER)
        if demo_user is not None and not authorization:
            if self.settings.auth != "demo":
                raise ApiError(401, "unauthorized", "X-Demo-User is only accepted in demo mode")
            if demo_user not in self.demo_users():
                raise ApiError(403, "not_a_demo_user", "X-Demo-User must name a demo user")
            identity = Identity(demo_user, demo_header=True)
        else:
            try:
                identity = identify(self.secret, authorization, allow_anonymous=self.settings.allow_anonymous)
            except AuthError as exc:
                raise ApiError(401, "unauthorized", str(exc), {"WWW-Authenticate": "Bearer"}) from exc
        # A visitor without a token gets a new id per request: limit those by address instead.
        client = request.client.host if request.client else "unknown"
        key = f"address:{client}" if identity.new_token else f"user:{identity.user_id}"
        try:
            self.limiter.check(key)
        except RateLimited as exc:
            raise ApiError(429, "rate_limited", str(exc), {"Retry-After": str(exc.retry_after_s)}) from exc
        return identity

    def admin(self, request: Request) -> Identity:
        """FastAPI dependency for the admin routes (catalog updates, events): a token with the admin role, else 403."""
        identity = self.caller(request)
        if identity.role != "admin":
            raise ApiError(
                403, "admin_only", "this route needs a token with the admin role (`concierge token --role admin`)"
            )
        return identity

    def check_text(self, text: str, what: str = "message") -> str:
        """The text without control characters or lone surrogates (other spaces and line breaks become a space,
        so words stay apart); 413 when it is too long, 422 when empty."""
        if len(text) > self.settings.max_message_chars:
            raise ApiError(
                413, "message_too_long", f"a {what} holds at most {self.settings.max_message_chars} characters"
            )
        cleaned = "".join(ch if ch in "\n\t" or ch.isprintable() else " " if ch.isspace() else "" for ch in text)
        if not cleaned.strip():
            raise ApiError(422, "empty_message", f"the {what} is empty")
        return cleaned

    def check_room(self, identity: Identity, session_id: str) -> None:
        """404 for a session that is not this user's; 409 when it already holds settings.max_messages."""
        try:
            count = len(self.backend.session_messages(identity.user_id, session_id))
        except SessionNotFound as exc:
            raise ApiError(404, "session_not_found", "no such session") from exc
        if count + 2 > self.settings.max_messages:
            raise ApiError(
                409, "conversation_too_long", f"a conversation holds at most {self.settings.max_messages} messages"
            )

    def start_turn(self, identity: Identity, **kwargs: Any) -> Iterator[TurnEvent]:
        """Run a turn up to its first event (so a refusal is an HTTP error, not a broken stream)."""
        try:
            role = "marketer" if identity.role == "admin" else identity.role
            events = self.backend.run_turn(user_id=identity.user_id, role=role, **kwargs)
            first = next(events)
        except SessionNotFound as exc:
            raise ApiError(404, "session_not_found", "no such session") from exc
        except StopIteration as exc:
            raise RuntimeError("the backend ended a turn without events") from exc

        def chain() -> Iterator[TurnEvent]:
            yield first
            yield from events

        return chain()


def final_result(events: Iterator[TurnEvent]) -> TurnResult:
    """Drain a turn and return its TurnResult."""
    result: TurnResult | None = None
    for event in events:
        if isinstance(event, TurnDone):
            result = event.result
    if result is None:
        raise RuntimeError("the backend ended a turn without TurnDone")
    return result


def sse(event: str, data: dict[str, Any]) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
