"""Chroma in server mode goes away during a run: turns get a 503 with the reason; when it is back, the same
service process answers again (no restart). Also: a service started while Chroma is down comes up by itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.demo_home import demo_settings
from tests.fake_backend import free_port
from tests.served_demo import ServedConcierge, demo_home_copy

CHROMA = Path(sys.executable).parent / "chroma"
USER = {"X-Demo-User": "1"}


class ChromaServer:
    """`chroma run` on a folder and port; stop() and start() again on the same ones."""

    def __init__(self, path: Path, port: int) -> None:
        self.path, self.port = path, port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        log = (self.path.parent / "chroma.log").open("ab")
        command = [str(CHROMA), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        wait_for(self.up, 30, "chroma server to start")

    def up(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


@contextmanager
def running_chroma(root: Path) -> Iterator[ChromaServer]:
    """A started Chroma server on a free port over a new root/chroma, stopped and that folder removed afterwards;
    skips the test where the chroma command is not installed."""
    if not CHROMA.is_file():
        pytest.skip("the chroma command is not installed")
    server = ChromaServer(root / "chroma", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root / "chroma", ignore_errors=True)


def wait_for(condition: Callable[[], bool], timeout_s: float, what: str, poll_s: float = 0.2) -> float:
    """Seconds until condition() held, polled every poll_s; fails the test after timeout_s."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout_s:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(poll_s)
    return time.monotonic() - start


@pytest.fixture(scope="module")
def chroma_and_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ChromaServer, Path]]:
    root = tmp_path_factory.mktemp("chroma-fault")
    shutil.copytree(demo_settings().chroma_path, root / "chroma")  # the demo catalog, served by a Chroma server
    server = ChromaServer(root / "chroma", free_port())
    server.start()
    try:
        yield server, demo_home_copy(root / "home")
    finally:
        server.stop()


def turn(client: httpx.Client, session_id: str, text: str) -> httpx.Response:
    body = {"text": text, "reply_mode": "template"}
    return client.post(f"/api/v1/sessions/{session_id}/messages", json=body, headers=USER)


def test_chroma_outage_is_503_with_reason_and_recovers(chroma_and_home: tuple[ChromaServer, Path]) -> None:
    chroma, home = chroma_and_home
    service = ServedConcierge(home, chroma_url=f"http://127.0.0.1:{chroma.port}", catalog_check_s="0.5")
    service.start()
    try:
        with httpx.Client(base_url=service.url, timeout=60) as client:
            session = client.post("/api/v1/sessions", headers=USER).json()["session_id"]
            first = turn(client, session, "a mafia family saga")
            assert first.status_code == 200, first.text
            assert first.json()["items"]

            chroma.stop()
            time.sleep(0.6)  # one check interval
            down = turn(client, session, "something funnier")
            assert down.status_code == 503, down.text
            error: dict[str, Any] = down.json()["error"]
            assert error["code"] == "catalog_unavailable"
            assert "Chroma" in error["message"] and "unreachable" in error["message"]
            assert down.headers["Retry-After"] == "5"
            health = client.get("/healthz")
            assert health.status_code == 503 and "unreachable" in health.json()["reason"]
            feedback = client.post("/api/v1/feedback", json={"item_id": "858", "signal": "like"}, headers=USER)
            assert feedback.status_code == 503

            chroma.start()
            waited = wait_for(lambda: client.get("/healthz").status_code == 200, 30, "recovery")
            again = turn(client, session, "something funnier")
            assert again.status_code == 200, again.text
            assert again.json()["items"]
            assert service.proc is not None and service.proc.poll() is None  # the same process, never restarted
            assert waited < 10
            print(f"chroma outage: recovered {waited:.1f} s after the server came back")
            messages = client.get(f"/api/v1/sessions/{session}", headers=USER).json()["messages"]
            assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant"]  # the 503 left nothing
    finally:
        service.stop()


def test_service_started_while_chroma_is_down_comes_up_by_itself(chroma_and_home: tuple[ChromaServer, Path]) -> None:
    chroma, home = chroma_and_home
    chroma.stop()
    service = ServedConcierge(home, chroma_url=f"http://127.0.0.1:{chroma.port}", catalog_check_s="0.5")
    service.start(wait_ready=False)
    try:
        wait_for(lambda: service.healthz() == 503, 120, "the service to answer")
        with httpx.Client(base_url=service.url, timeout=60) as client:
            wait_for(lambda: "unreachable" in str(client.get("/healthz").json().get("reason")), 120, "a reason")
            assert client.get("/healthz").json()["status"] == "unavailable"
            refused = client.post("/api/v1/sessions", headers=USER)
            assert refused.status_code == 503 and "unreachable" in refused.json()["error"]["message"]
            chroma.start()
            wait_for(lambda: client.get("/healthz").status_code == 200, 120, "the service to load")
            session = client.post("/api/v1/sessions", headers=USER).json()["session_id"]
            assert turn(client, session, "a space adventure").status_code == 200
    finally:
        service.stop()
        if not chroma.up():
            chroma.start()
