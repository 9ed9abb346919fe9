"""A real PostgreSQL server for the tests: Debian's initdb + pg_ctl in a temporary folder on a free loopback port,
started once per test session (tests/conftest.py `postgres_server`), one fresh database per test (`database`).

As root the server runs as the OS user postgres (PostgreSQL refuses to run as root); `make test` installs
Debian's postgresql where initdb is missing. Without an initdb the fixture skips and says so.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

SERVER_USER = "postgres"
START_TIMEOUT_S = 60


def find_bin_dir() -> Path | None:
    """The folder with initdb and pg_ctl: Debian's newest /usr/lib/postgresql/N/bin, else initdb on PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """One throw-away cluster: `start()`, then `create_database()` per test, `stop()` removes everything."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.as_root = os.geteuid() == 0
        self.user = SERVER_USER if self.as_root else pwd.getpwuid(os.geteuid()).pw_name
        self.folder = Path(tempfile.mkdtemp(prefix="concierge-pg-"))
        self.data = self.folder / "data"
        self.port = 0
        self._names = itertools.count(1)

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", SERVER_USER, "--"] if self.as_root else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=START_TIMEOUT_S)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stdout}{done.stderr}")

    def start(self) -> PostgresServer:
        if self.as_root:
            shutil.chown(self.folder, SERVER_USER, SERVER_USER)
        self._run(
            str(self.bin_dir / "initdb"),
            f"--pgdata={self.data}",
            f"--username={self.user}",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        self.port = free_port()
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"  # a test server: speed over crash safety
        )
        self._run(
            str(self.bin_dir / "pg_ctl"), f"--pgdata={self.data}", f"--log={self.folder / 'server.log'}", "-w",
            f"--timeout={START_TIMEOUT_S}", "-o", options, "start",
        )  # fmt: skip
        return self

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = f"concierge_test_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            if self.data.exists():
                self._run(str(self.bin_dir / "pg_ctl"), f"--pgdata={self.data}", "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
