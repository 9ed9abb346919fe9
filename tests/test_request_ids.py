"""X-Request-ID on every response (bot/http/request_ids.py) and in every log line of the request
(bot/ops/request_ids.py RequestIdFilter, bot/ops/logs.py text and JSON formats)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from bot.http.app import create_app
from bot.ops.logs import configure_logging
from bot.ops.request_ids import RequestIdFilter, accepted_id
from bot.testing import FakeBackend
from tests.fake_backend import bearer, make_settings

LOGGER = "tests.request_ids"
ALICE = bearer("alice")


class LoggingBackend(FakeBackend):
    """Logs one line per new session, from the worker thread the sync route runs in; `barrier` makes requests
    wait for each other there (both are inside their request at the same time)."""

    def __init__(self, barrier: threading.Barrier | None = None) -> None:
        super().__init__()
        self.barrier = barrier

    def create_session(self, user_id: str) -> str:
        logging.getLogger(LOGGER).info("creating a session")
        if self.barrier is not None:
            self.barrier.wait(timeout=10)
        logging.getLogger(LOGGER).info("session created")
        return super().create_session(user_id)


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []
        self.addFilter(RequestIdFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)


def test_every_response_has_an_id_and_a_valid_incoming_one_is_kept(tmp_path: Path) -> None:
    client = TestClient(create_app(make_settings(tmp_path), FakeBackend()))
    fresh = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    assert client.get("/healthz").headers["X-Request-ID"] != fresh
    kept = "lb-7f3a:01.2_x"
    assert client.get("/healthz", headers={"X-Request-ID": kept}).headers["X-Request-ID"] == kept
    for bad in ("x" * 65, "a b", "id\u00e9".encode(), "<script>", "", "ok\\nX-Evil: 1"):
        echoed = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", echoed), bad
    # refusals and unknown paths carry it too
    assert client.get("/api/v1/sessions/nope", headers=ALICE).headers["X-Request-ID"]
    assert client.get("/no/such/path").headers["X-Request-ID"]
    assert accepted_id(None) != accepted_id(None)


def test_a_log_line_written_while_serving_has_the_request_id(tmp_path: Path, records: Records) -> None:
    client = TestClient(create_app(make_settings(tmp_path), LoggingBackend()))
    response = client.post("/api/v1/sessions", headers={**ALICE, "X-Request-ID": "req-1"})
    assert response.status_code == 201 and response.headers["X-Request-ID"] == "req-1"
    assert [(r.getMessage(), r.request_id) for r in records.records] == [  # type: ignore[attr-defined]
        ("creating a session", "req-1"),
        ("session created", "req-1"),
    ]
    logging.getLogger(LOGGER).info("outside any request")
    assert records.records[-1].request_id == "-"  # type: ignore[attr-defined]


def test_two_concurrent_requests_keep_their_own_ids(tmp_path: Path, records: Records) -> None:
    backend = LoggingBackend(threading.Barrier(2))  # each waits until the other is inside its request too
    app = create_app(make_settings(tmp_path), backend)

    async def both() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return list(
                await asyncio.gather(
                    *(client.post("/api/v1/sessions", headers={**ALICE, "X-Request-ID": rid}) for rid in ("a1", "b2"))
                )
            )

    responses = asyncio.run(both())
    assert [r.headers["X-Request-ID"] for r in responses] == ["a1", "b2"]
    assert all(r.status_code == 201 for r in responses)
    by_id: dict[str, list[str]] = {}
    for record in records.records:
        by_id.setdefault(record.request_id, []).append(record.getMessage())  # type: ignore[attr-defined]
    assert by_id == {"a1": ["creating a session", "session created"], "b2": ["creating a session", "session created"]}
    # they really overlapped: both "creating" lines come before either "created" line
    assert [r.getMessage() for r in records.records][:2] == ["creating a session", "creating a session"]


def test_an_unhandled_error_is_a_json_500_with_the_id(tmp_path: Path, records: Records) -> None:
    class Broken(FakeBackend):
        def create_session(self, user_id: str) -> str:
            raise RuntimeError("boom")

    client = TestClient(create_app(make_settings(tmp_path), Broken()), raise_server_exceptions=False)
    response = client.post("/api/v1/sessions", headers={**ALICE, "X-Request-ID": "e-500"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "e-500"
    assert response.json() == {"error": {"code": "internal_error", "message": "internal error"}}


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_configured_log_lines_carry_the_request_id(tmp_path: Path, log_format: str) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    noisy = {name: logging.getLogger(name).level for name in ("httpx", "httpcore", "urllib3")}
    stream = io.StringIO()
    try:
        configure_logging("INFO", log_format)  # type: ignore[arg-type]
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
        client = TestClient(create_app(make_settings(tmp_path), LoggingBackend()))
        client.post("/api/v1/sessions", headers={**ALICE, "X-Request-ID": "fmt-9"})
        logging.getLogger(LOGGER).info("mail me at someone@example.com")
    finally:
        root.handlers[:], root.level = saved
        for name, level in noisy.items():
            logging.getLogger(name).setLevel(level)
    lines = [line for line in stream.getvalue().splitlines() if LOGGER in line]
    assert len(lines) == 3, stream.getvalue()
    if log_format == "text":
        assert "[fmt-9] tests.request_ids: creating a session" in lines[0]
        assert "[-] tests.request_ids: mail me at [email]" in lines[2]
    else:
        entries = [json.loads(line) for line in lines]
        assert [e["request_id"] for e in entries] == ["fmt-9", "fmt-9", "-"]
        assert entries[0]["message"] == "creating a session" and entries[0]["logger"] == LOGGER
        assert entries[2]["message"] == "mail me at [email]"  # redacted in JSON too
