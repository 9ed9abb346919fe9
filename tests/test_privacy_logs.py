"""Logs under the configuration `concierge serve` really installs (bot/cli/main.py main -> bot/ops/logs.py
configure_logging, then uvicorn.run from bot/cli/service.py cmd_serve): at INFO no chat text, token, secret or
e-mail address; at DEBUG every e-mail address and phone number that chat text carries into a record is redacted
in what the handler writes, including exception tracebacks and uvicorn's own loggers.

Protections: bot/ops/logs.py configure_logging + RedactingFilter.filter (message, exc_text, stack_info); the
product's log calls (bot/agent/replies.py logs the LLM error type only; bot/http/auth.py and deps.py log nothing);
bot/cli/service.py cmd_serve (uvicorn.run with log_config=None, so uvicorn records reach the same handler).
"""

from __future__ import annotations

import argparse
import io
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.cli import service as cli_service
from bot.config import Settings
from bot.http.app import create_app
from bot.http.auth import issue_token
from bot.ops.logs import configure_logging
from bot.testing.scripted_model import ScriptedModel
from tests.app_fixtures import small_backend
from tools.chat_model import LLMError

SECRET = "log-test-secret-0123456789-abcdefghijkl"
EMAIL, PHONE = "jane.doe@example.com", "+44 20 7946 0958"
TEXTS = [
    f"I loved Heat and Ronin, mail me at {EMAIL} or call {PHONE}",
    "something like Alien but funnier please, zebra-walrus-77",
    f"a 90s crime film, my number is {PHONE}",
]
LOGGERS = (
    "",
    "uvicorn",
    "uvicorn.error",
    "uvicorn.access",
    "uvicorn.asgi",
    "httpx",
    "httpcore",
    "chromadb",
    "urllib3",
    "sentence_transformers",
    "transformers",
)


@dataclass
class Captured:
    """Every record that reached the root logger (raw) and what the installed handler wrote."""

    records: list[logging.LogRecord] = field(default_factory=list)
    stream: io.StringIO = field(default_factory=io.StringIO)

    def raw(self) -> list[str]:
        out = []
        for r in self.records:
            exc = logging.Formatter().formatException(r.exc_info) if r.exc_info else ""
            out.append(f"{r.name} {r.getMessage()} {exc} {r.stack_info or ''}")
        return out


class _Keep(logging.Handler):
    def __init__(self, sink: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record)


@pytest.fixture
def installed() -> Iterator[Callable[[str], Captured]]:
    """installed(level) -> Captured: configure_logging(level) as the CLI does; everything restored afterwards."""
    saved = {
        n: (list(logging.getLogger(n).handlers), logging.getLogger(n).level, logging.getLogger(n).propagate)
        for n in LOGGERS
    }

    def install(level: str) -> Captured:
        captured = Captured()
        configure_logging(level)
        root = logging.getLogger()
        assert len(root.handlers) == 1, "configure_logging installs one handler"
        root.handlers[0].setStream(captured.stream)  # type: ignore[attr-defined]
        root.addHandler(_Keep(captured.records))  # unfiltered copy: every record, before redaction
        return captured

    yield install
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, user)}"}


def api_session(tmp_path: Path) -> list[str]:
    """Turns (JSON, SSE, OpenAI), feedback, profile, a failed auth and forget-me; returns the tokens used."""
    model = ScriptedModel(
        [LLMError(f"upstream rejected the prompt: {TEXTS[0]}"), "Heat is a tense crime classic you will enjoy."],
        repeat_last=True,
    )
    backend = small_backend(tmp_path, llm=model, auth="jwt", jwt_secret=SECRET, allow_anonymous=False)
    client = TestClient(create_app(backend.settings, backend))
    alice = bearer("alice@example.org")
    session = client.post("/api/v1/sessions", headers=alice).json()["session_id"]
    url = f"/api/v1/sessions/{session}/messages"
    assert client.post(url, json={"text": TEXTS[0], "reply_mode": "llm"}, headers=alice).status_code == 200
    sse = client.post(url, json={"text": TEXTS[1]}, headers={**alice, "Accept": "text/event-stream"})
    assert sse.status_code == 200 and "event: done" in sse.text
    chat = {"messages": [{"role": "user", "content": TEXTS[2]}], "stream": True}
    assert client.post("/v1/chat/completions", json=chat, headers=alice).status_code == 200
    assert client.post("/api/v1/feedback", json={"item_id": "6", "signal": "like"}, headers=alice).status_code == 200
    assert client.get("/api/v1/me/profile", headers=alice).status_code == 200
    forged = issue_token("not-the-secret-0123456789-abcdefghijkl", "mallory")
    assert client.get("/api/v1/me/profile", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert client.get("/api/v1/me/profile", headers={"Authorization": f"Bearer {SECRET}"}).status_code == 401
    assert client.delete("/api/v1/me", headers=alice).status_code == 200
    return [alice["Authorization"].split()[1], forged]


def test_info_logs_carry_no_chat_text_token_secret_or_email(installed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    captured = installed("INFO")
    tokens = api_session(tmp_path)
    assert any("llm reply failed" in r.getMessage() for r in captured.records), "the capture sees product records"
    written = captured.stream.getvalue()
    forbidden = [*TEXTS, "zebra-walrus-77", "Heat and Ronin", EMAIL, PHONE, "alice@example.org", SECRET, *tokens]
    for text in [*captured.raw(), written]:
        for secret in forbidden:
            assert secret not in text, f"{secret!r} logged: {text[:200]!r}"
        assert not re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", text), "a JWT was logged"
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text), "an e-mail address was logged"
    names = sorted({r.name for r in captured.records})
    print(f"[logs] INFO: {len(captured.records)} records checked, from {names}")


def test_debug_logs_redact_emails_and_phones_wherever_chat_text_is_logged(installed, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    captured = installed("DEBUG")
    api_session(tmp_path)
    from_service = len(captured.records)
    carrying = [r for r in captured.raw() if EMAIL in r or "7946 0958" in r]
    logging.getLogger("bot.agent.loop").debug("turn text: %s", TEXTS[0])  # chat text in a message and in a traceback
    try:
        raise ValueError(TEXTS[2])
    except ValueError:
        logging.getLogger("bot.concierge").exception("turn failed")
    written = captured.stream.getvalue()
    assert "turn text:" in written and "turn failed" in written and "ValueError" in written
    assert EMAIL not in written and "7946 0958" not in written
    assert written.count("[email]") >= 1 + len(carrying) and written.count("[phone]") >= 2
    names = sorted({r.name for r in captured.records[:from_service]})
    print(f"[logs] DEBUG: {from_service} records from the API session ({names}), {len(carrying)} with chat PII")


def test_serve_sends_uvicorn_records_through_the_redacting_handler(  # type: ignore[no-untyped-def]
    installed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    captured = installed("DEBUG")
    calls: list[dict[str, object]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(cli_service, "build_server_app", lambda settings: FastAPI())
    args = argparse.Namespace(host=None, port=None, workers=None)
    assert cli_service.cmd_serve(args, Settings(home=tmp_path / "home")) == 0
    uvicorn.Config(FastAPI(), **calls[0])  # type: ignore[arg-type]  # applies the logging uvicorn.run would
    try:
        raise RuntimeError(f"handler crashed on {TEXTS[0]}")
    except RuntimeError:
        logging.getLogger("uvicorn.error").error("Exception in ASGI application", exc_info=True)
    out = captured.stream.getvalue() + capfd.readouterr().err
    assert "Exception in ASGI application" in captured.stream.getvalue(), "uvicorn records reach the handler"
    assert EMAIL not in out and "7946 0958" not in out
