"""Errors of the HTTP API: every refusal is a JSON body {"error": {"code", "message"}} with a 4xx status.

Validation problems (bad JSON, bad UTF-8, wrong fields) become 400/422, never a 500; details name the field.
A full disk under CONCIERGE_HOME is a 507 `insufficient_storage` (nothing of the request was saved).
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.agent.language import UnsupportedLanguage
from bot.backend import ConversationTooLong
from store.chroma_client import CatalogUnavailable

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    503: "unavailable",
    507: "insufficient_storage",
}
# What each refusal means, for the OpenAPI schema (every one has the ErrorBody shape).
STATUS_DESCRIPTIONS = {
    400: "Body is not valid JSON or not UTF-8",
    401: "Missing, malformed or expired token",
    403: "Not allowed for this caller (role, demo user)",
    404: "No such session or item (or not yours)",
    409: "The conversation is full (CONCIERGE_MAX_MESSAGES)",
    413: "Body, message or message list too large",
    422: "A field is missing or invalid",
    429: "Rate limit reached; see Retry-After",
    503: "Loading, or the catalog store is unreachable; see Retry-After",
    507: "The service's storage is full; nothing was saved",
}


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorBody(BaseModel):
    """The body of every refusal."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for these refusal statuses."""
    return {status: {"model": ErrorBody, "description": STATUS_DESCRIPTIONS[status]} for status in statuses}


log = logging.getLogger(__name__)
SQLITE_FULL = 13
STORAGE_FULL = "the service's storage (CONCIERGE_HOME) is full: nothing was saved; retry once space is freed"


def storage_full(exc: BaseException) -> bool:
    """True for SQLite's "database or disk is full" and for ENOSPC."""
    if isinstance(exc, sqlite3.Error):
        return getattr(exc, "sqlite_errorcode", None) == SQLITE_FULL or "disk is full" in str(exc)
    return isinstance(exc, OSError) and exc.errno == errno.ENOSPC


STORAGE_ERRORS = (sqlite3.Error, OSError)


def storage_full_error(exc: BaseException) -> dict[str, str]:
    """The error body {"code", "message"} for a full disk (logged); re-raises exc when it is anything else."""
    if not storage_full(exc):
        raise exc
    log.error("storage full: %s", exc)
    return {"code": "insufficient_storage", "message": STORAGE_FULL}


class ApiError(StarletteHTTPException):
    """A refusal with a stable machine-readable code (an HTTPException, so body parsing re-raises it)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.message = message


def error_response(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The one error body shape of the API."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def describe_validation(exc: RequestValidationError, limit: int = 5) -> str:
    """'body.text: Field required; body.max_items: ...' (no echo of the submitted values)."""
    parts = []
    for error in exc.errors()[:limit]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)[:1000] or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the shape above."""

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc, ApiError):
            return error_response(exc.status_code, exc.code, exc.message, exc.headers)
        code = STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, exc.headers)

    @app.exception_handler(ConversationTooLong)
    async def _too_long(_: Request, exc: ConversationTooLong) -> JSONResponse:
        return error_response(409, "conversation_too_long", str(exc))

    @app.exception_handler(UnsupportedLanguage)
    async def _language(_: Request, exc: UnsupportedLanguage) -> JSONResponse:
        return error_response(422, "unsupported_language", str(exc))

    @app.exception_handler(CatalogUnavailable)
    async def _catalog_down(_: Request, exc: CatalogUnavailable) -> JSONResponse:
        return error_response(503, "catalog_unavailable", f"{exc}; retry shortly", {"Retry-After": "5"})

    @app.exception_handler(sqlite3.Error)
    @app.exception_handler(OSError)
    async def _storage(_: Request, exc: Exception) -> JSONResponse:
        error = storage_full_error(exc)
        return error_response(507, error["code"], error["message"], {"Retry-After": "30"})

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        json_broken = any(error.get("type") == "json_invalid" for error in exc.errors())
        if json_broken:
            return error_response(400, "invalid_json", "the body is not valid JSON")
        return error_response(422, "invalid_request", describe_validation(exc))
