"""The id of the HTTP request being served, for every log line written while serving it.

The HTTP layer (bot/http/request_ids.py) sets it for the duration of a request; `RequestIdFilter` copies it onto
each log record as `record.request_id` ("-" outside a request). A ContextVar is per asyncio task and copied into
the worker threads Starlette runs sync routes and streamed generators in, so concurrent requests never mix ids.
Python's docs ask for ContextVars to be created at module level; it holds no value outside a request.
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar, Token

HEADER = "X-Request-ID"
MAX_CHARS = 64
_VALID = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_CHARS}}}")
_CURRENT: ContextVar[str | None] = ContextVar("concierge_request_id", default=None)
NO_REQUEST = "-"


def accepted_id(incoming: str | None) -> str:
    """The caller's id when it is 1-64 characters of letters, digits and ._:- (safe in logs and headers), else a
    new uuid4 hex."""
    if incoming is not None and _VALID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return _CURRENT.get()


def bind_request_id(request_id: str) -> Token[str | None]:
    """Make request_id the current one; pass the token to `unbind_request_id` when the request is over."""
    return _CURRENT.set(request_id)


def unbind_request_id(token: Token[str | None]) -> None:
    _CURRENT.reset(token)


class RequestIdFilter(logging.Filter):
    """Sets `record.request_id` to the current request's id, "-" outside a request (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _CURRENT.get() or NO_REQUEST
        return True
