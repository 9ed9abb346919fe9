"""Server mode: is the Chroma server reachable, and which catalog collection is live?

The service answers searches from an in-memory snapshot of the catalog (store/catalog.py). With a Chroma
server (CONCIERGE_CHROMA_URL), the store of record can go away or be re-ingested by another process, so the
service asks Chroma at most once per `interval_s`: one small request (~2 ms here). While Chroma is down,
turns get a 503 with the reason instead of answers from a catalog nobody can vouch for; when it is back, the
next check succeeds and, if an ingest switched the live collection meanwhile, the snapshot is reloaded.

The catalog's version is the pair (live collection, revision id): an ingest changes the first, a live update
(store/catalog_update.py) the second, so either is seen within one interval by every process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from store.chroma_client import (
    REVISION_ID_KEY,
    CatalogUnavailable,
    ChromaConfig,
    active_collection,
    make_client,
    unreachable,
    unreachable_errors,
)


class CatalogWatch:
    """Throttled reachability check of the Chroma server; `live_collection()` raises CatalogUnavailable."""

    def __init__(
        self,
        chroma: ChromaConfig,
        interval_s: float,
        *,
        connect: Callable[[ChromaConfig], Any] = make_client,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.chroma = chroma
        self.interval_s = interval_s
        self._connect = connect
        self._clock = clock
        self._lock = threading.Lock()
        self._client: Any = None
        self._checked_at: float | None = None
        self._live: str | None = None
        self._revision: str | None = None
        self._error: CatalogUnavailable | None = None

    def live_collection(self) -> str | None:
        """The live collection's name (None before the first ingest); a cached answer within interval_s."""
        return self.live_version()[0]

    def live_version(self) -> tuple[str | None, str | None]:
        """(live collection, revision id of its last live update or None); a cached answer within interval_s."""
        with self._lock:
            now = self._clock()
            if self._checked_at is None or now - self._checked_at >= self.interval_s:
                self._checked_at = now
                self._refresh()
            if self._error is not None:
                raise self._error
            return self._live, self._revision

    def expire(self) -> None:
        """Ask Chroma again on the next call (this process has just written the catalog itself)."""
        with self._lock:
            self._checked_at = None

    @property
    def error(self) -> str | None:
        """The reason of the last failed check, or None."""
        return None if self._error is None else str(self._error)

    def _refresh(self) -> None:
        try:
            if self._client is None:
                self._client = self._connect(self.chroma)
            self._live, pointer = active_collection(self._client)
            revision = pointer.get(REVISION_ID_KEY)
            self._revision = None if revision is None else str(revision)
            self._error = None
        except CatalogUnavailable as exc:
            self._client = None
            self._error = exc
        except unreachable_errors() as exc:
            self._client = None
            self._error = unreachable(self.chroma, exc)
