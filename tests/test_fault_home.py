"""A read-only, full or wrong CONCIERGE_HOME: `concierge serve` exits at once with a clear one-line error (exit 2);
a disk that fills up while serving gives 507 JSON errors (no hang, no crash) and the service recovers.

The homes are tmpfs mounts (tests run as root, so chmod would not make a folder read-only); without the right
to mount, those cases are skipped. check_home's own unit tests are in tests/test_logs_startup.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bot.config import REPO_ROOT
from tests.demo_home import CONCIERGE, demo_settings
from tests.fake_backend import free_port
from tests.served_demo import ServedConcierge, served_env

EXIT_WITHIN_S = 10.0
DEMO_USER = {"X-Demo-User": "1"}


@contextmanager
def tmpfs(target: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A tmpfs of `size` mounted at target (skips the test when mounting is not permitted)."""
    target.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=False)


def fill(folder: Path) -> Path:
    """Write a file until the disk is full; returns it."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle:  # unbuffered: closing has nothing left to write (and fail on)
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError:
            pass
    return filler


def serve_once(home: Path) -> tuple[int, str, float]:
    """`concierge serve` on home: (exit code, stderr + stdout, seconds to exit)."""
    started = time.monotonic()
    done = subprocess.run(
        [str(CONCIERGE), "serve", "--host", "127.0.0.1", "--port", str(free_port())],
        env=served_env(home),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stderr + done.stdout, time.monotonic() - started


def assert_clear_exit(home: Path, problem: str) -> None:
    code, output, seconds = serve_once(home)
    lines = [line for line in output.splitlines() if line.strip()]
    print(f"\n{problem}: exit {code} in {seconds:.1f} s: {output.strip()}")
    assert code == 2, output
    assert seconds < EXIT_WITHIN_S
    assert "Traceback" not in output
    assert len(lines) == 1 and lines[0].startswith("concierge: "), output
    assert str(home) in lines[0] and problem in lines[0], lines[0]


def test_read_only_home_exits_with_a_clear_error(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "1m", read_only=True) as home:
        assert_clear_exit(home, "read-only")


def test_full_home_exits_with_a_clear_error(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "full", "64k") as home:
        fill(home)
        assert_clear_exit(home, "disk full")


def test_home_that_is_a_file_exits_with_a_clear_error(tmp_path: Path) -> None:
    home = tmp_path / "home-file"
    home.write_text("not a folder")
    assert_clear_exit(home, "is a file")


# ---- the disk fills up while serving ------------------------------------------------------------------------


def small_demo_home(target: Path) -> Path:
    """The demo's writable parts copied into target; the big read-only model files linked."""
    source = demo_settings().home
    shutil.copytree(source / "chroma", target / "chroma")
    shutil.copy2(source / "history.sqlite3", target / "history.sqlite3")
    (target / "models").mkdir()
    for name in ("ease_meta.json", "ease_weights.npy", "smollm2-135m"):
        (target / "models" / name).symlink_to(source / "models" / name)
    return target


def call(url: str, body: dict[str, Any], accept: str = "application/json") -> tuple[int, str, float]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json", "Accept": accept, **DEMO_USER}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status), response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode(), time.monotonic() - started


def assert_storage_full(status: int, text: str, seconds: float) -> None:
    assert status == 507, (status, text)
    error = json.loads(text)["error"]
    assert error["code"] == "insufficient_storage" and "full" in error["message"]
    assert seconds < EXIT_WITHIN_S


def test_disk_full_while_serving_gives_507_then_recovers(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "100m") as mount:
        server = ServedConcierge(small_demo_home(mount), reply_mode="template")
        server.log_path = tmp_path / "serve.log"  # the log must not need the full disk
        try:
            server.start()
            api = server.url + "/api/v1"
            status, text, _ = call(api + "/sessions", {})
            session = json.loads(text)["session_id"]
            turn = f"{api}/sessions/{session}/messages"
            assert call(turn, {"text": "a 90s heist film"})[0] == 200

            filler = fill(mount)
            assert shutil.disk_usage(mount).free < 65536
            assert_storage_full(*call(turn, {"text": "something funnier"}))
            assert_storage_full(*call(api + "/feedback", {"item_id": "6", "signal": "like"}))
            assert_storage_full(*call(api + "/sessions", {}))
            chat = {"messages": [{"role": "user", "content": "hi"}]}
            assert_storage_full(*call(server.url + "/v1/chat/completions", chat))
            status, stream, _ = call(turn, {"text": "a space adventure"}, accept="text/event-stream")
            assert status == 200 and "event: error" in stream and "insufficient_storage" in stream
            assert "event: done" not in stream
            assert server.proc is not None and server.proc.poll() is None, "the service crashed"
            assert server.healthz() == 200

            filler.unlink()
            status, text, _ = call(turn, {"text": "something funnier"})
            assert status == 200 and json.loads(text)["items"]
            assert call(api + "/feedback", {"item_id": "6", "signal": "like"})[0] == 200
            request = urllib.request.Request(f"{api}/sessions/{session}", headers=DEMO_USER)
            with urllib.request.urlopen(request, timeout=30) as response:
                messages = json.loads(response.read())["messages"]
            assert [m["content"] for m in messages if m["role"] == "user"] == ["a 90s heist film", "something funnier"]
            assert [m["role"] for m in messages] == ["user", "assistant"] * 2, "a half-written turn"
            assert "storage full" in server.log_path.read_text(encoding="utf-8", errors="replace")
        finally:
            server.stop()
