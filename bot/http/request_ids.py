"""X-Request-ID on every response, and the id bound for the request's log lines (bot/ops/request_ids.py).

An incoming id is kept when it is 1-64 characters of letters, digits and ._:- ; otherwise a new uuid4 hex.
An error no handler turned into a response still gets a JSON 500 with the id (and is re-raised, so the server
logs its traceback).
"""

from __future__ import annotations

import logging

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.http.errors import error_response
from bot.ops.request_ids import HEADER, accepted_id, bind_request_id, unbind_request_id

log = logging.getLogger(__name__)


class RequestIds:
    """ASGI middleware: the request id for the response header and for every log line written meanwhile."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accepted_id(Headers(scope=scope).get(HEADER))
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        token = bind_request_id(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            log.error("unhandled %s while serving %s", type(exc).__name__, scope.get("method"))
            if not started:
                response = error_response(500, "internal_error", "internal error", {HEADER: request_id})
                await response(scope, receive, send)
            raise
        finally:
            unbind_request_id(token)
