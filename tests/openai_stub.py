"""A stub OpenAI-compatible /chat/completions server for tests (stdlib http.server in a thread).

Usage:
    with OpenAIStub(mode="text") as stub:
        model = OpenAICompatibleModel(stub.base_url, "stub-model")
        ...
    stub.requests  # the JSON bodies received, stub.headers the request headers

Modes:
    text         stream=true -> SSE text chunks; stream=false -> one JSON completion
    json         always answer one JSON completion (a server that ignores stream=true)
    tool_call    SSE with a tool call whose arguments arrive in several pieces
    bad_tool_json  SSE tool call whose arguments are not valid JSON
    stall        send headers, then sleep `stall_s` before any data
    error_then_ok  answer HTTP `error_status` for the first `fail_times` requests, then like "text"
    status       always answer HTTP `error_status` with an OpenAI error body
    garbage      200 with a text/event-stream body whose data is not JSON
    html         200 with an HTML page
    hang         read the request, then send nothing for `stall_s` (accepts, never answers)
    shape        SSE whose data is JSON of the wrong shape ({"choices": ["oops"]})
    cut          SSE that stops midway: the first text chunks, then the connection closes (no finish_reason,
                 no [DONE])
    tool_then_text  a tool call while the last message is not a tool result, then text (a 2-step agent)
`mode`, `words` and `tool_name` may be changed between requests (a served process keeps its base URL).
`closed_port_url()` gives a base URL where nothing listens (connection refused).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_WORDS = ["Heat ", "is ", "a ", "tense ", "crime ", "classic."]


class OpenAIStub:
    """A local OpenAI-compatible server; a context manager that starts and stops it."""

    def __init__(
        self,
        mode: str = "text",
        *,
        words: list[str] | None = None,
        tool_name: str = "search_catalog",
        tool_arguments: str = '{"query": "space", "k": 3}',
        stall_s: float = 5.0,
        error_status: int = 500,
        fail_times: int = 1,
    ) -> None:
        self.mode = mode
        self.words = words or list(DEFAULT_WORDS)
        self.tool_name = tool_name
        self.tool_arguments = tool_arguments
        self.stall_s = stall_s
        self.error_status = error_status
        self.fail_times = fail_times
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        port = int(self._server.server_address[1])
        return f"http://127.0.0.1:{port}/v1"

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _record(self, body: dict[str, Any], headers: dict[str, str]) -> int:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            return len(self.requests)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_POST(self) -> None:
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                count = stub._record(body, {k.lower(): v for k, v in self.headers.items()})
                mode = stub.mode
                if mode == "error_then_ok":
                    if count <= stub.fail_times:
                        self._json(stub.error_status, {"error": {"message": "temporarily overloaded"}})
                        return
                    mode = "text"
                if mode == "tool_then_text":
                    last = (body.get("messages") or [{}])[-1]
                    mode = "tool_call" if body.get("tools") and last.get("role") != "tool" else "text"
                if mode == "status":
                    self._json(stub.error_status, {"error": {"message": "model not found", "type": "invalid"}})
                elif mode == "json" or (mode == "text" and not body.get("stream")):
                    self._json(200, _completion("".join(stub.words)))
                elif mode == "text":
                    chunks = [_chunk({"role": "assistant"})] + [_chunk({"content": w}) for w in stub.words]
                    self._sse([*chunks, _chunk({}, "stop")])
                elif mode in ("tool_call", "bad_tool_json"):
                    args = stub.tool_arguments if mode == "tool_call" else '{"query": "spa'
                    pieces = [args[i : i + 7] for i in range(0, len(args), 7)]
                    first = {"index": 0, "id": "call_1", "type": "function", "function": {"name": stub.tool_name}}
                    chunks = [_chunk({"role": "assistant", "tool_calls": [first]})]
                    chunks += [_chunk({"tool_calls": [{"index": 0, "function": {"arguments": p}}]}) for p in pieces]
                    self._sse([*chunks, _chunk({}, "tool_calls")])
                elif mode == "stall":
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.end_headers()
                    self.wfile.flush()
                    time.sleep(stub.stall_s)
                    self._write_events([_chunk({"content": "late"}, "stop")])
                elif mode == "hang":
                    time.sleep(stub.stall_s)
                    self.close_connection = True
                elif mode == "cut":
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("connection", "close")
                    self.end_headers()
                    chunks = [_chunk({"role": "assistant"})] + [_chunk({"content": w}) for w in stub.words[:3]]
                    self.wfile.write(b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks))
                    self.wfile.flush()
                    self.close_connection = True
                elif mode == "garbage":
                    self._raw(200, "text/event-stream", b"data: <<<not json>>>\n\n")
                elif mode == "shape":
                    self._raw(200, "text/event-stream", b'data: {"choices": ["oops"]}\n\ndata: [DONE]\n\n')
                elif mode == "html":
                    self._raw(200, "text/html", b"<html><body>Bad Gateway</body></html>")
                else:
                    self._json(500, {"error": {"message": f"unknown stub mode {mode}"}})

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                self._raw(status, "application/json", json.dumps(payload).encode())

            def _raw(self, status: int, content_type: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _sse(self, chunks: list[dict[str, Any]]) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("connection", "close")
                self.end_headers()
                self._write_events(chunks)

            def _write_events(self, chunks: list[dict[str, Any]]) -> None:
                try:
                    self.wfile.write(b": keep-alive comment\n\n")
                    for chunk in chunks:
                        self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    return
                self.close_connection = True

        return Handler


def _chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    """One streamed chunk; the last one of a complete answer carries a finish_reason (as real servers send)."""
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return {"id": "chatcmpl-stub", "object": "chat.completion.chunk", "choices": [choice]}


def _completion(text: str) -> dict[str, Any]:
    message = {"role": "assistant", "content": text}
    return {"id": "chatcmpl-stub", "object": "chat.completion", "choices": [{"index": 0, "message": message}]}


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
