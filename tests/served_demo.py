"""`concierge serve` in a subprocess over a private copy of the demo home, for load and fault tests.

The copy keeps the built demo (var/) read-only for everyone else: the served process writes its own
history and sessions. The embedded model cache (hundreds of MB) is linked, not copied: it is only read.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.config import REPO_ROOT
from tests.demo_home import CONCIERGE, demo_settings
from tests.fake_backend import free_port

COPIED = ("chroma", "history.sqlite3", "models/ease_meta.json", "models/ease_weights.npy")
LINKED = ("models/smollm2-135m",)


def demo_home_copy(target: Path) -> Path:
    """A writable copy of the built demo home at target (built first if missing)."""
    source = demo_settings().home
    target.mkdir(parents=True, exist_ok=True)
    (target / "models").mkdir(exist_ok=True)
    for name in COPIED:
        src = source / name
        if src.is_dir():
            shutil.copytree(src, target / name)
        elif src.is_file():
            shutil.copy2(src, target / name)
    for name in LINKED:
        if (source / name).is_dir():
            (target / name).symlink_to(source / name, target_is_directory=True)
    return target


def served_env(home: Path, **settings: str) -> dict[str, str]:
    """The environment of a served process: offline, home, and CONCIERGE_* settings given as keyword names."""
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ANONYMIZED_TELEMETRY": "False",
        "CONCIERGE_HOME": str(home),
        "CONCIERGE_DATA_DIR": str(REPO_ROOT / "data"),
    }
    env.update({f"CONCIERGE_{key.upper()}": value for key, value in settings.items()})
    return env


class ServedConcierge:
    """One `concierge serve` process; start(), kill() (SIGKILL) and start() again on the same home and port."""

    def __init__(
        self, home: Path, port: int | None = None, *, serve_args: tuple[str, ...] = (), **settings: str
    ) -> None:
        self.home = home
        self.serve_args = serve_args  # more `concierge serve` options, e.g. ("--workers", "2")
        self.port = port or free_port()
        self.env = served_env(home, **settings)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = home / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, ready_timeout_s: float = 240.0, wait_ready: bool = True) -> ServedConcierge:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(CONCIERGE), "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.serve_args],
            env=self.env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        if wait_ready:
            self.wait_ready(ready_timeout_s)
        return self

    def healthz(self) -> int | None:
        """The /healthz status code, or None when nothing answers."""
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except OSError:
            return None

    def wait_ready(self, timeout_s: float = 240.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"concierge serve exited with {self.proc.returncode}:\n{self.log_tail()}")
            if self.healthz() == 200:
                return
            time.sleep(0.25)
        raise RuntimeError(f"concierge serve was not ready in {timeout_s:.0f} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks run, as in a crash or an OOM kill."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.is_file():
            return ""
        return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


@contextmanager
def served_demo(tmp_path: Path, **settings: str) -> Iterator[ServedConcierge]:
    """A served copy of the demo, ready; stopped afterwards."""
    server = ServedConcierge(demo_home_copy(tmp_path / "home"), None, serve_args=(), **settings)
    try:
        yield server.start()
    finally:
        server.stop()
