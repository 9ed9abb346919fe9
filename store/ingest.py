"""Ingest: embed items and write them to Chroma atomically (new collection, then switch the pointer).

Re-ingesting unchanged data is a no-op (content hash). One writer per persistent folder (a lock file).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from filelock import FileLock, Timeout
from tqdm import tqdm

from store.catalog import META_COLLECTION, active_collection, item_to_metadata, make_client
from store.embedder import Embedder
from store.items import CatalogItem

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)
EMBED_CHUNK = 512


class WriterBusy(RuntimeError):
    """Another process is writing this catalog folder."""


@dataclass(frozen=True, slots=True)
class IngestSummary:
    items: int
    seconds: float
    items_per_s: float
    skipped: bool
    collection: str
    source: str

    def __str__(self) -> str:
        if self.skipped:
            return f"{self.items} items from {self.source}: unchanged, nothing to do ({self.collection})"
        return (
            f"{self.items} items from {self.source} in {self.seconds:.1f} s "
            f"({self.items_per_s:.0f} items/s) into {self.collection}"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@contextmanager
def writer_lock(settings: Settings) -> Iterator[None]:
    """Exclusive writer lock on the persistent Chroma folder (server mode: the server serialises writes)."""
    if settings.chroma_url:
        yield
        return
    settings.chroma_path.mkdir(parents=True, exist_ok=True)
    path = settings.chroma_path / ".writer.lock"
    lock = FileLock(str(path), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise WriterBusy(
            f"the catalog at {settings.chroma_path} is being written by another process; one writer per folder "
            "(two writers corrupt Chroma's index) — wait for it, or use Chroma server mode (CONCIERGE_CHROMA_URL) "
            "for several processes"
        ) from exc
    try:
        yield
    finally:
        lock.release()


def content_hash(items: Sequence[CatalogItem], embedder: Embedder) -> str:
    digest = hashlib.sha256()
    digest.update(f"{type(embedder).__name__}:{embedder.dim}:{getattr(embedder, 'dtype', '')}".encode())
    for item in items:
        digest.update(item.item_id.encode())
        digest.update(json.dumps(item_to_metadata(item), sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def ingest_items(
    settings: Settings,
    embedder: Embedder,
    items: Sequence[CatalogItem],
    *,
    source: str,
    show_progress: bool = True,
    force: bool = False,
) -> IngestSummary:
    """Embed and store `items` as the live catalog, unless the same content is already live."""
    started = time.perf_counter()
    if not items:
        raise ValueError(f"{source}: no items to ingest")
    ids = [item.item_id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{source}: duplicate item ids")
    fingerprint = content_hash(items, embedder)
    name = f"{settings.collection}-{fingerprint[:16]}"
    with writer_lock(settings):
        client = make_client(settings)
        current, _ = active_collection(client)
        if current == name and not force:
            return IngestSummary(len(items), time.perf_counter() - started, 0.0, True, name, source)
        existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
        if name in existing:
            client.delete_collection(name)  # a leftover of an interrupted run, or --force
        collection = client.create_collection(
            name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"source": source, "hash": fingerprint},
            embedding_function=None,
        )
        try:
            _write(client, collection, embedder, items, settings.embed_batch_size, show_progress)
        except BaseException:
            client.delete_collection(name)
            raise
        meta = client.get_or_create_collection(META_COLLECTION, embedding_function=None)
        meta.modify(metadata={"active": name, "hash": fingerprint, "source": source, "count": len(items)})
        if current and current != name and current in existing:
            client.delete_collection(current)
    seconds = time.perf_counter() - started
    summary = IngestSummary(len(items), seconds, len(items) / seconds if seconds else 0.0, False, name, source)
    log.info("ingest done: %s", summary)
    return summary


def _write(
    client: Any,
    collection: Any,
    embedder: Embedder,
    items: Sequence[CatalogItem],
    batch_size: int,
    show_progress: bool,
) -> None:
    max_batch = max(1, int(client.get_max_batch_size()))
    chunk = min(EMBED_CHUNK, max_batch)
    with tqdm(total=len(items), unit="item", desc="ingest", disable=not show_progress) as bar:
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            vectors = embedder.embed([item.embedding_text() for item in part], batch_size=batch_size)
            metadatas = []
            for offset, item in enumerate(part):
                meta = item_to_metadata(item)
                meta["position"] = start + offset
                metadatas.append(meta)
            collection.add(ids=[item.item_id for item in part], embeddings=vectors.tolist(), metadatas=metadatas)
            bar.update(len(part))
