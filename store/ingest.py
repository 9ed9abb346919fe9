"""Ingest: embed items and write them to Chroma atomically (new collection, then switch the pointer).

Re-ingesting unchanged data is a no-op (content hash). One writer per persistent folder (a lock file).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from tqdm import tqdm

from store.catalog_metadata import fingerprint_fields, item_from_metadata, item_to_metadata
from store.catalog_profile import PROFILE_KEY, CatalogProfile, check_profile
from store.chroma_client import META_COLLECTION, ChromaConfig, active_collection, make_client
from store.embedder import Embedder
from store.items import CatalogItem
from store.profile_inference import infer_profile
from store.writer_lock import WriterBusy, writer_lock

log = logging.getLogger(__name__)
__all__ = ["IngestSummary", "WriterBusy", "content_hash", "ingest_items", "writer_lock"]
EMBED_CHUNK = 512


@dataclass(frozen=True, slots=True)
class IngestSummary:
    items: int
    seconds: float
    items_per_s: float
    skipped: bool
    collection: str
    source: str
    embed_seconds: float = 0.0  # of `seconds`, the time spent in embedder.embed (the rest is Chroma + hashing)
    reused: int = 0  # items whose vector was taken from the previous collection (same text, same embedder)

    def __str__(self) -> str:
        """The one-line summary printed at the end of an ingest."""
        if self.skipped:
            return f"{self.items} items from {self.source}: unchanged, nothing to do ({self.collection})"
        return (
            f"{self.items} items from {self.source} in {self.seconds:.1f} s "
            f"({self.items_per_s:.0f} items/s{f', {self.reused} vectors reused' if self.reused else ''}) "
            f"into {self.collection}"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def embedder_identity(embedder: Embedder) -> str:
    """Which model made the vectors: class, dimension, dtype and (for a model other than the shipped one) its
    folder's name, so a catalog embedded with one model is never searched with another."""
    identity = f"{type(embedder).__name__}:{embedder.dim}:{getattr(embedder, 'dtype', '')}"
    model = getattr(embedder, "model", "")
    return f"{identity}:{model}" if model else identity


def content_hash(items: Sequence[CatalogItem], embedder: Embedder, profile: CatalogProfile | None = None) -> str:
    """sha256 over the embedder identity, the profile and every item's id and content, in order."""
    digest = hashlib.sha256()
    digest.update(embedder_identity(embedder).encode())
    if profile is not None:
        digest.update(profile.to_json().encode())
    for item in items:
        digest.update(item.item_id.encode())
        digest.update(json.dumps(fingerprint_fields(item), sort_keys=True, ensure_ascii=False).encode())
    return digest.hexdigest()


def ingest_items(
    chroma: ChromaConfig,
    embedder: Embedder,
    items: Sequence[CatalogItem],
    *,
    source: str,
    show_progress: bool = True,
    force: bool = False,
    profile: CatalogProfile | None = None,
) -> IngestSummary:
    """Embed and store `items` as the live catalog, unless the same content is already live.

    `profile` (default: inferred from the items) is stored with the collection; its searchable fields are embedded.

    Atomic: the items go into a new collection; the `concierge_meta` pointer is switched only when all are
    written, then the old collection is deleted. On any failure the new collection is dropped and the old
    catalog stays live. Raises WriterBusy when another process is writing the same folder.
    """
    started = time.perf_counter()
    if not items:
        raise ValueError(f"{source}: no items to ingest")
    ids = [item.item_id for item in items]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{source}: duplicate item ids")
    profile = profile if profile is not None else infer_profile(items)
    check_profile(profile, items)
    fingerprint = content_hash(items, embedder, profile)
    with writer_lock(chroma):
        client = make_client(chroma)
        current, pointer = active_collection(client)
        existing = {c.name if hasattr(c, "name") else str(c) for c in client.list_collections()}
        if current in existing and pointer.get("hash") == fingerprint and not force:
            return IngestSummary(len(items), time.perf_counter() - started, 0.0, True, str(current), source)
        # a fresh name every time, so the live collection is never touched before the switch (even with force)
        name = f"{chroma.collection}-{fingerprint[:16]}-{int(time.time() * 1000) % 10**8:08d}"
        if not chroma.url:  # we hold the folder's writer lock: other catalog-* collections are leftovers
            for leftover in existing - {current, META_COLLECTION}:
                if leftover.startswith(f"{chroma.collection}-"):
                    client.delete_collection(leftover)
        collection = client.create_collection(
            name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={
                "source": source,
                "hash": fingerprint,
                "embedder": embedder_identity(embedder),
                PROFILE_KEY: profile.to_json(),
            },
            embedding_function=None,
        )
        try:
            fields = profile.searchable
            known = {} if force or current not in existing else _known_vectors(client, str(current), embedder, fields)
            embed_seconds, reused = _write(
                client, collection, embedder, items, chroma.batch_size, show_progress, known, fields
            )
        except BaseException:
            try:
                client.delete_collection(name)
            except Exception:  # the original error matters more; a leftover is replaced by the next ingest
                log.warning("could not drop the half-written collection %s", name)
            raise
        meta = client.get_or_create_collection(META_COLLECTION, embedding_function=None)
        meta.modify(metadata={"active": name, "hash": fingerprint, "source": source, "count": len(items)})
        if current and current != name and current in existing:
            client.delete_collection(current)
    seconds = time.perf_counter() - started
    rate = len(items) / seconds if seconds else 0.0
    summary = IngestSummary(len(items), seconds, rate, False, name, source, embed_seconds, reused)
    log.info("ingest done: %s", summary)
    return summary


def _known_vectors(client: Any, name: str, embedder: Embedder, fields: Sequence[str]) -> dict[str, np.ndarray]:
    """embedding_text -> vector of the live collection, when it was embedded by the same model (else empty)."""
    collection = client.get_collection(name, embedding_function=None)
    if (collection.metadata or {}).get("embedder") != embedder_identity(embedder):
        return {}
    known: dict[str, np.ndarray] = {}
    page = max(1, int(client.get_max_batch_size()))
    for offset in range(0, collection.count(), page):
        got = collection.get(include=["embeddings", "metadatas"], limit=page, offset=offset)
        for item_id, meta, vector in zip(got["ids"], got["metadatas"], got["embeddings"], strict=True):
            text = item_from_metadata(item_id, dict(meta)).embedding_text(fields)
            known[text] = np.asarray(vector, dtype=np.float32)
    return known


def embed_items(
    embedder: Embedder,
    items: Sequence[CatalogItem],
    known: dict[str, np.ndarray],
    fields: Sequence[str] = (),
    batch_size: int = 64,
) -> tuple[np.ndarray, float, int]:
    """The items' vectors (rows), the seconds spent embedding, and how many were reused from `known`.

    The one place an item's vector is made, for an ingest and for a live update (store/catalog_update.py), so an
    upserted item is embedded exactly like an ingested one: its embedding_text with the profile's searchable
    `fields`, the vector of an unchanged text reused (`known`: text -> vector, by the same embedder).
    """
    texts = [item.embedding_text(fields) for item in items]
    todo = list(dict.fromkeys(text for text in texts if text not in known))
    started = time.perf_counter()
    fresh = dict(zip(todo, embedder.embed(todo, batch_size=batch_size), strict=True)) if todo else {}
    seconds = time.perf_counter() - started
    if not texts:
        return np.zeros((0, embedder.dim), np.float32), seconds, 0
    vectors = np.stack([fresh[text] if text in fresh else known[text] for text in texts])
    return vectors, seconds, sum(1 for text in texts if text in known)


def _write(
    client: Any,
    collection: Any,
    embedder: Embedder,
    items: Sequence[CatalogItem],
    batch_size: int,
    show_progress: bool,
    known: dict[str, np.ndarray],
    fields: Sequence[str] = (),
) -> tuple[float, int]:
    """Embed and add the items chunk by chunk; returns (seconds spent embedding, vectors reused from `known`).

    Chroma's add of chunk n runs in a worker thread while chunk n+1 is embedded (both release the GIL),
    so the Chroma writes mostly hide behind the model. At most one add is in flight; its error is raised.
    """
    embed_seconds = 0.0
    reused = 0
    chunk = min(EMBED_CHUNK, max(1, int(client.get_max_batch_size())))
    pending: Future[None] | None = None
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="chroma-add") as pool,
        tqdm(total=len(items), unit="item", desc="ingest", disable=not show_progress) as bar,
    ):
        for start in range(0, len(items), chunk):
            part = items[start : start + chunk]
            vectors, seconds, part_reused = embed_items(embedder, part, known, fields, batch_size)
            embed_seconds += seconds
            reused += part_reused
            metadatas = [{**item_to_metadata(item), "position": start + n} for n, item in enumerate(part)]
            if pending is not None:
                pending.result()
                bar.update(chunk)
            pending = pool.submit(
                collection.add, ids=[item.item_id for item in part], embeddings=vectors, metadatas=metadatas
            )
        if pending is not None:
            pending.result()
            bar.update(len(items) - bar.n)
    return embed_seconds, reused
