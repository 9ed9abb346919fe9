"""The Chroma client of the catalog: local PersistentClient or a Chroma server, and what "unreachable" means."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

log = logging.getLogger(__name__)
META_COLLECTION = "concierge_meta"
# Keys of the pointer (META_COLLECTION's metadata) besides "active": written by live updates (store/catalog_update.py)
REVISION_KEY = "revision"  # how many live updates the live collection has had
REVISION_ID_KEY = "revision_id"  # unique per update: two writers of one server cannot end on the same value


@dataclass(frozen=True, slots=True)
class ChromaConfig:
    """Where the catalog lives: a Chroma server (url), else a local PersistentClient folder (path)."""

    path: Path
    url: str | None = None
    collection: str = "catalog"
    batch_size: int = 64


class CatalogUnavailable(RuntimeError):
    """The Chroma server cannot be reached."""


def unreachable_errors() -> tuple[type[BaseException], ...]:
    """What calls of a Chroma HttpClient raise when its server is down, stalls or answers garbage: httpx transport
    errors, OSError, ChromaError for bad replies. (Connecting raises ValueError; make_client handles that.)"""
    import httpx
    from chromadb.errors import ChromaError

    return (httpx.HTTPError, OSError, ChromaError)


def unreachable(chroma: ChromaConfig, exc: BaseException) -> CatalogUnavailable:
    """The error for an unreachable server. Its text reaches API clients, so it names no host (logs do)."""
    log.warning("Chroma server at %s is unreachable: %s: %s", chroma.url, type(exc).__name__, exc)
    return CatalogUnavailable(f"the catalog store (Chroma server) is unreachable: {type(exc).__name__}")


def make_client(chroma: ChromaConfig) -> Any:
    """A Chroma client: HttpClient when CONCIERGE_CHROMA_URL is set, else a PersistentClient under home."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma.url:
        url = urlparse(chroma.url)
        if not url.hostname:
            raise ValueError(f"CONCIERGE_CHROMA_URL is not a URL: {chroma.url!r}")
        # connecting raises ValueError("Could not connect to a Chroma server")
        errors: tuple[type[BaseException], ...] = (ValueError, *unreachable_errors())
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except errors as exc:
            raise unreachable(chroma, exc) from exc
    chroma.path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(chroma.path), settings=chroma_settings)


def active_collection(client: Any) -> tuple[str | None, dict[str, Any]]:
    """The name of the live catalog collection (the pointer switched at the end of an ingest), and the pointer's
    metadata; (None, {}) before the first ingest. Reads only: readers never create anything."""
    from chromadb.errors import NotFoundError

    try:
        meta = client.get_collection(META_COLLECTION, embedding_function=None).metadata or {}
    except NotFoundError:
        return None, {}
    return meta.get("active"), dict(meta)
