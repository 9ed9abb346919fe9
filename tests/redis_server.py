"""A private redis-server for tests: a free loopback port, a temp dir, no persistence, stopped afterwards
(`make redis` installs Debian's redis-server; none runs as a service)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.fake_backend import free_port

REDIS_SERVER = shutil.which("redis-server")
START_TIMEOUT_S = 20.0


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A running redis-server's URL ("redis://127.0.0.1:PORT/0"); RuntimeError with its log when it cannot start."""
    if REDIS_SERVER is None:
        raise RuntimeError("redis-server is not installed (make redis)")
    port = free_port()
    args = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""]
    args += ["--appendonly", "no", "--daemonize", "no", "--logfile", str(folder / "redis.log")]
    proc = subprocess.Popen(args, cwd=folder)
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"redis-server did not start: {(folder / 'redis.log').read_text()}") from None
            time.sleep(0.05)  # polling a starting server, with a deadline: not a synchronisation by sleep
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
