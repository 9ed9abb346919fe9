"""Who may write a local catalog folder while a service serves it: only the service itself.

A Chroma PersistentClient caches the folder's state in its process: measured with chromadb 1.5.9, a second process
that writes the folder (even under the writer lock) is not seen by a running reader — its pointer metadata stays
old — and the reader's next `get` can fail with "Error finding id". So the serving process claims its local
folder for its lifetime (a lock file with its pid), catalog updates go through its API, and a command-line update
(`concierge ingest --upsert`) refuses with a clear message while a service holds the claim. With a Chroma server
(CONCIERGE_CHROMA_URL) nothing is claimed: the server serialises writes and every process watches the revision.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from store.chroma_client import ChromaConfig
from store.writer_lock import WriterBusy

CLAIM_NAME = ".service.lock"
CLAIM_PID_NAME = ".service.pid"


class FolderServed(WriterBusy):
    """A running service serves this local catalog folder: updates must go through its API."""


def _served_message(folder: Path) -> str:
    try:
        pid = (folder / CLAIM_PID_NAME).read_text(encoding="ascii").strip()
    except OSError:
        pid = ""
    holder = f"pid {pid}" if pid.isdigit() else "pid unknown"
    return (
        f"the catalog at {folder} is served by a running service ({holder}), and a local Chroma folder has one "
        "writer: send the update to its API (PUT /api/v1/items/{id}, DELETE /api/v1/items/{id}, "
        "POST /api/v1/items/batch with an admin token), stop the service first, or use Chroma server mode "
        "(CONCIERGE_CHROMA_URL)"
    )


class FolderClaim:
    """The serving process's claim on its local catalog folder, held until release() or the process ends."""

    def __init__(self, chroma: ChromaConfig) -> None:
        self.folder = chroma.path
        self._lock = FileLock(str(chroma.path / CLAIM_NAME), timeout=0)
        self.held = False

    def try_claim(self) -> bool:
        """Claim the folder; False (and nothing held) when another process serves it already."""
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            return False
        (self.folder / CLAIM_PID_NAME).write_text(str(os.getpid()), encoding="ascii")
        self.held = True
        return True

    def release(self) -> None:
        if self.held:
            (self.folder / CLAIM_PID_NAME).unlink(missing_ok=True)
            self._lock.release()
            self.held = False


@contextmanager
def unserved(chroma: ChromaConfig, claim: FolderClaim | None = None) -> Iterator[None]:
    """Around a catalog update: go on in server mode, in the serving process (its `claim` is held, or is taken now
    when the service could not claim the folder at start), or when no service serves it (a claim is then held for
    the duration, so no service starts reading half a write); raise FolderServed when another process serves it."""
    if chroma.url:
        yield
        return
    if claim is not None:
        if not (claim.held or claim.try_claim()):
            raise FolderServed(_served_message(chroma.path))
        yield
        return
    passing = FolderClaim(chroma)
    if not passing.try_claim():
        raise FolderServed(_served_message(chroma.path))
    try:
        yield
    finally:
        passing.release()
