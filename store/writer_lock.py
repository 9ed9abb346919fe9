"""One writer per persistent Chroma folder: a non-blocking lock file that writers (ingest) take.

Two processes writing one PersistentClient folder corrupt it. Readers take no lock. In server mode
(CONCIERGE_CHROMA_URL) the server serialises writes and nothing is locked locally.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout

if TYPE_CHECKING:
    from bot.config import Settings

LOCK_NAME = ".writer.lock"


class WriterBusy(RuntimeError):
    """Another process is writing this catalog folder."""


@contextmanager
def writer_lock(settings: Settings) -> Iterator[None]:
    """Hold the exclusive writer lock of settings.chroma_path; raise WriterBusy at once if another process has it."""
    if settings.chroma_url:
        yield
        return
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.chroma_path / LOCK_NAME), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise WriterBusy(
            f"catalog at {settings.chroma_path} is being written by another process; one writer per folder "
            "(two writers corrupt Chroma's files) — wait for it to finish, or use Chroma server mode "
            "(CONCIERGE_CHROMA_URL) for several processes"
        ) from exc
    try:
        yield
    finally:
        lock.release()
