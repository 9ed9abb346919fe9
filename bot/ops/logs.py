"""Logging set-up: no chat text or secrets at INFO; e-mail addresses and phone numbers redacted everywhere.

Every line carries the id of the HTTP request it was written for ("-" outside one: bot/ops/request_ids.py), as
text (`... [request_id] logger: message`) or as one JSON object per line (CONCIERGE_LOG_FORMAT=json).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Literal

from bot.ops.request_ids import NO_REQUEST, RequestIdFilter

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w])(?:\+?\d[\d ().-]{7,}\d)(?![\w])")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    """Replace e-mail addresses, phone numbers, bearer tokens and JWTs by placeholders."""
    text = _JWT.sub("[token]", text)
    text = _BEARER.sub(r"\1[token]", text)
    text = _EMAIL.sub("[email]", text)
    return _PHONE.sub("[phone]", text)


class RedactingFilter(logging.Filter):
    """Redacts the formatted message, traceback and stack of every record that passes through the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        if record.exc_info and not record.exc_text:  # the formatter then uses the redacted traceback
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, request_id, message (redacted by then), exc (traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", NO_REQUEST),
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, log_format: LogFormat = "text") -> None:
    """One handler on the root logger: redacted, with request ids, as text or JSON lines."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RedactingFilter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("httpx", "httpcore", "openai", "chromadb", "urllib3", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def route_uvicorn_logs() -> None:
    """Send uvicorn's records to the root (redacting) handler: drop handlers an earlier uvicorn config installed."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
