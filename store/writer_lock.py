"""One writer per persistent Chroma folder: a non-blocking lock file that writers (ingest) take.

Two processes writing one PersistentClient folder corrupt it. Readers take no lock. In server mode
(CONCIERGE_CHROMA_URL) the server serialises writes and nothing is locked locally. The holder's pid is
written next to the lock so that a refused writer can say who holds it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from store.chroma_client import ChromaConfig

LOCK_NAME = ".writer.lock"
PID_NAME = ".writer.pid"


class WriterBusy(RuntimeError):
    """Another process is writing this catalog folder."""


def _holder(folder: Path) -> str:
    """The pid recorded by the lock's holder, or "pid unknown"."""
    try:
        pid = (folder / PID_NAME).read_text(encoding="ascii").strip()
    except OSError:
        return "pid unknown"
    return f"pid {pid}" if pid.isdigit() else "pid unknown"


@contextmanager
def writer_lock(chroma: ChromaConfig) -> Iterator[None]:
    """Hold the exclusive writer lock of chroma.path; raise WriterBusy at once if another process has it."""
    if chroma.url:
        yield
        return
    folder = chroma.path
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise WriterBusy(
            f"catalog at {folder} is being written by another process ({_holder(folder)}); one writer per folder "
            "(two writers corrupt Chroma's files) — wait for it to finish, or use Chroma server mode "
            "(CONCIERGE_CHROMA_URL) for several processes"
        ) from exc
    try:
        (folder / PID_NAME).write_text(str(os.getpid()), encoding="ascii")
        yield
    finally:
        (folder / PID_NAME).unlink(missing_ok=True)
        lock.release()
