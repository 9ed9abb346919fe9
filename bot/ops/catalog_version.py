"""The live catalog's version for GET /metrics: the collection the last ingest made and its live-update revision."""

from __future__ import annotations

import logging

from store.chroma_client import REVISION_KEY, ChromaConfig, active_collection, make_client

log = logging.getLogger(__name__)


def live_catalog_version(chroma: ChromaConfig) -> tuple[str, int] | None:
    """(live collection, revision) from the catalog pointer; None before the first ingest or when Chroma cannot
    be read (a scrape must not fail for it: the turns' 503 says so)."""
    try:
        name, pointer = active_collection(make_client(chroma))
    except Exception as exc:  # any Chroma failure only leaves the version out
        log.debug("catalog version unknown: %s", type(exc).__name__)
        return None
    if name is None:
        return None
    return str(name), int(pointer.get(REVISION_KEY) or 0)
