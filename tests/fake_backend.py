"""Helpers for service tests (API, UI, widget): settings, tokens, a live server, chromium.

The fake ChatBackend itself is the library's bot.testing.FakeBackend (re-exported here with its CATALOG).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.http.auth import issue_token
from bot.testing.fake_backend import CATALOG, FakeBackend

__all__ = [
    "ARTIFACTS",
    "CATALOG",
    "CHROMIUM",
    "SECRET",
    "FakeBackend",
    "bearer",
    "free_port",
    "launch_chromium",
    "live_server",
    "make_settings",
    "screenshot",
]

SECRET = "test-secret-for-service-tests-0123456789"


def make_settings(home: Path, **overrides: Any) -> Settings:
    """Settings for service tests: a private home, a fixed secret, generous limits unless overridden."""
    values: dict[str, Any] = {
        "home": home,
        "jwt_secret": SECRET,
        "auth": "jwt",
        "allow_anonymous": True,
        "allowed_origins": ["http://127.0.0.1:1"],
        "rate_per_minute": 1000,
    }
    values.update(overrides)
    return Settings(**values)


def bearer(user_id: str, role: str = "user", ttl_s: int = 3600, secret: str = SECRET) -> dict[str, str]:
    """An Authorization header for user_id."""
    return {"Authorization": f"Bearer {issue_token(secret, user_id, role=role, ttl_s=ttl_s)}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 in a thread; yields its base URL; stops it afterwards."""
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def launch_chromium(playwright: Any) -> Any:
    """Debian's chromium driven by playwright (never `playwright install`)."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
