"""Live catalog updates: upsert and delete items of the live Chroma collection without a rebuild.

An ingest builds a new collection and switches a pointer, so it is atomic for free. An update writes into the live
collection, and Chroma has no transactions, so the all-or-nothing promise is kept here: every row is validated
before anything is written (`parse_update`), the previous records of the touched ids are read first, and when a
Chroma write fails midway they are written back. Only new or changed texts are embedded (`store.ingest.embed_items`,
the same vectors an ingest would make). Every update bumps the catalog revision in the `concierge_meta` pointer
next to "active", which is how other processes (store/catalog_watch.py) learn that the catalog changed.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from store.catalog_files import RowError, item_from_row, load_catalog_file
from store.catalog_metadata import item_from_metadata, item_to_metadata
from store.catalog_profile import PROFILE_KEY, CatalogProfile
from store.chroma_client import (
    META_COLLECTION,
    REVISION_ID_KEY,
    REVISION_KEY,
    ChromaConfig,
    active_collection,
    make_client,
)
from store.embedder import Embedder
from store.ingest import embed_items, embedder_identity
from store.items import CatalogItem
from store.writer_lock import writer_lock

log = logging.getLogger(__name__)
NEXT_POSITION_KEY = "next_position"  # pointer metadata: the `position` the next new item gets


class CatalogUpdateError(ValueError):
    """An update that cannot be applied; the message says where (`upsert[3]: missing title for id 'x'`)."""


class CatalogNotLive(CatalogUpdateError):
    """There is no live catalog to update (nothing ingested yet)."""


class RollbackFailed(RuntimeError):
    """A Chroma write failed and restoring the touched records failed too (e.g. the server went away): the
    touched ids may be half-updated. The update is idempotent: send the same one again."""


@dataclass(frozen=True, slots=True)
class CatalogUpdate:
    """A validated batch: items to insert or replace, ids to delete."""

    upserts: tuple[CatalogItem, ...] = ()
    deletes: tuple[str, ...] = ()
    source: str = "api"


@dataclass(frozen=True, slots=True)
class UpdateSummary:
    """What an update did; `revision` is the catalog revision it produced."""

    upserted: int
    created: int  # of `upserted`, ids that were not in the catalog before
    deleted: int
    missing: list[str]  # ids asked to be deleted that were not in the catalog (a no-op, so a retry is safe)
    embedded: int  # texts embedded (new or changed); the others kept their vectors
    seconds: float
    revision: int
    collection: str
    source: str

    def __str__(self) -> str:
        """The one-line summary `concierge ingest --upsert` prints."""
        missing = f", {len(self.missing)} to delete were not there" if self.missing else ""
        return (
            f"{self.upserted} items upserted ({self.created} new, {self.embedded} embedded), {self.deleted} deleted"
            f"{missing} from {self.source} in {self.seconds:.2f} s: {self.collection} revision {self.revision}"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AppliedUpdate:
    """An update as written: the summary, the upserted items with their vectors (rows), the ids really deleted and
    the pointer's new version — what the writing process needs to patch its own snapshot without a reload."""

    summary: UpdateSummary
    upserts: tuple[CatalogItem, ...]
    vectors: np.ndarray
    deleted: tuple[str, ...]
    before: tuple[str, str | None]  # the version (live collection, revision id) the update was applied to
    version: tuple[str, str]  # the version it made


def _delete_id(value: Any, where: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise CatalogUpdateError(f"{where}: an id must be text or a whole number, not {type(value).__name__}")
    item_id = str(value).strip()
    if not item_id:
        raise CatalogUpdateError(f"{where}: missing id")
    return item_id


def parse_update(
    upsert_rows: Sequence[Mapping[str, Any]], delete_ids: Sequence[Any] = (), *, source: str = "api"
) -> CatalogUpdate:
    """Validate a whole batch (rows of the catalog file schema, ids to delete) before anything is written.

    Each row goes through the ingest's own validation (store.catalog_files.item_from_row); the first problem
    raises CatalogUpdateError naming the row: `upsert[3]: missing title for id 'x'`, `delete[0]: missing id`.
    """
    seen: dict[str, int] = {}
    items: list[CatalogItem] = []
    for index, row in enumerate(upsert_rows):
        where = f"upsert[{index}]"
        if not isinstance(row, Mapping):
            raise CatalogUpdateError(f"{where}: an item must be a JSON object, not {type(row).__name__}")
        try:
            item = item_from_row(row)
        except RowError as exc:
            raise CatalogUpdateError(f"{where}: {exc}") from None
        if item.item_id in seen:
            raise CatalogUpdateError(f"{where}: duplicate id {item.item_id!r} (also upsert[{seen[item.item_id]}])")
        seen[item.item_id] = index
        items.append(item)
    deletes: list[str] = []
    for index, value in enumerate(delete_ids):
        item_id = _delete_id(value, f"delete[{index}]")
        if item_id in seen:
            raise CatalogUpdateError(f"delete[{index}]: id {item_id!r} is also upserted (upsert[{seen[item_id]}])")
        if item_id not in deletes:
            deletes.append(item_id)
    if not items and not deletes:
        raise CatalogUpdateError("nothing to update: no items to upsert and no ids to delete")
    return CatalogUpdate(tuple(items), tuple(deletes), source)


def update_from_file(path: Path | None, delete_ids: Sequence[str] = ()) -> CatalogUpdate:
    """A batch from a catalog file (the formats of `concierge ingest --catalog`; errors name file:line) and ids to
    delete (`--delete ID`, errors name the id)."""
    upserts = load_catalog_file(path) if path is not None else []
    ids = {item.item_id for item in upserts}
    deletes: list[str] = []
    for value in delete_ids:
        item_id = _delete_id(value, f"--delete {value!r}")
        if item_id in ids:
            raise CatalogUpdateError(f"--delete {item_id!r}: the id is also in {path}")
        deletes.append(item_id)
    if not upserts and not deletes:
        raise CatalogUpdateError("nothing to update: give --upsert FILE and/or --delete ID")
    return CatalogUpdate(tuple(upserts), tuple(dict.fromkeys(deletes)), str(path) if path else "cli")


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _previous(collection: Any, ids: Sequence[str], page: int) -> dict[str, tuple[np.ndarray, dict[str, Any]]]:
    """id -> (vector, metadata) of the ids that are in the collection now."""
    records: dict[str, tuple[np.ndarray, dict[str, Any]]] = {}
    for part in _chunks(ids, page):
        got = collection.get(ids=list(part), include=["embeddings", "metadatas"])
        for item_id, vector, meta in zip(got["ids"], got["embeddings"], got["metadatas"], strict=True):
            records[item_id] = (np.asarray(vector, dtype=np.float32), dict(meta or {}))
    return records


def _replacing(meta: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, Any]:
    """`meta` as a whole replacement of `old`: Chroma's upsert merges metadata into an existing record, so the keys
    only the old record had (keywords, tags, a year no longer given) are removed with None."""
    return {**{key: None for key in old if key not in meta}, **meta}


def _restore(
    collection: Any,
    touched: Sequence[str],
    previous: Mapping[str, tuple[np.ndarray, dict[str, Any]]],
    attempted: Mapping[str, dict[str, Any]],
    page: int,
) -> None:
    """Put the touched ids back as they were: new ones deleted, the others written back whole (`attempted`: the
    metadata the failed write may have left, whose extra keys are removed again)."""
    created = [item_id for item_id in touched if item_id not in previous]
    for part in _chunks(created, page):
        collection.delete(ids=list(part))
    old = [item_id for item_id in touched if item_id in previous]
    for part in _chunks(old, page):
        collection.upsert(
            ids=list(part),
            embeddings=np.stack([previous[i][0] for i in part]),
            metadatas=[_replacing(previous[i][1], attempted.get(i, {})) for i in part],
        )


def searchable_fields(collection_metadata: Mapping[str, Any]) -> tuple[str, ...]:
    """The extra fields the live collection's vectors were made with (its stored profile's searchable fields;
    none for catalogs ingested before profiles existed, whose texts had none)."""
    stored = collection_metadata.get(PROFILE_KEY)
    return tuple(CatalogProfile.from_json(str(stored)).searchable) if stored else ()


def apply_update(chroma: ChromaConfig, embedder: Embedder, update: CatalogUpdate) -> AppliedUpdate:
    """Write a validated update into the live collection, all or nothing, and bump the catalog revision.

    Under the folder's writer lock (WriterBusy when another process writes it). Raises CatalogNotLive before the
    first ingest, RollbackFailed when a failed write could not be undone; other Chroma errors after restoring.
    """
    started = time.perf_counter()
    with writer_lock(chroma):
        client = make_client(chroma)
        name, pointer = active_collection(client)
        if name is None:
            raise CatalogNotLive("no catalog to update: ingest one first (`concierge ingest --catalog FILE`)")
        collection = client.get_collection(name, embedding_function=None)
        page = max(1, int(client.get_max_batch_size()))
        touched = [item.item_id for item in update.upserts] + list(update.deletes)
        previous = _previous(collection, touched, page)
        same_model = (collection.metadata or {}).get("embedder") == embedder_identity(embedder)
        fields = searchable_fields(collection.metadata or {})
        known = {}
        if same_model:
            for item_id, (vector, meta) in previous.items():
                known[item_from_metadata(item_id, meta).embedding_text(fields)] = vector
        vectors, _, reused = embed_items(embedder, update.upserts, known, fields, chroma.batch_size)
        next_position = int(pointer.get(NEXT_POSITION_KEY) or pointer.get("count") or collection.count())
        metadatas = []
        for item in update.upserts:
            if item.item_id in previous:
                position = int(previous[item.item_id][1].get("position") or 0)
            else:
                position, next_position = next_position, next_position + 1
            meta = {**item_to_metadata(item), "position": position}
            metadatas.append(_replacing(meta, previous[item.item_id][1]) if item.item_id in previous else meta)
        deleted = [item_id for item_id in update.deletes if item_id in previous]
        revision = int(pointer.get(REVISION_KEY) or 0) + 1
        revision_id = uuid.uuid4().hex
        try:
            for start in range(0, len(update.upserts), page):
                part = update.upserts[start : start + page]
                collection.upsert(
                    ids=[item.item_id for item in part],
                    embeddings=vectors[start : start + page],
                    metadatas=metadatas[start : start + page],
                )
            for start in range(0, len(deleted), page):
                collection.delete(ids=deleted[start : start + page])
            pointer_collection = client.get_collection(META_COLLECTION, embedding_function=None)
            pointer_collection.modify(
                metadata={
                    **pointer,
                    REVISION_KEY: revision,
                    REVISION_ID_KEY: revision_id,
                    NEXT_POSITION_KEY: next_position,
                    "count": collection.count(),
                    # the live content is no longer that of an ingested file: the next ingest must not skip
                    "hash": f"updated:{revision_id}",
                }
            )
        except BaseException as exc:
            try:
                attempted = {item.item_id: m for item, m in zip(update.upserts, metadatas, strict=True)}
                _restore(collection, touched, previous, attempted, page)
            except Exception as undo:
                raise RollbackFailed(
                    f"the catalog update failed ({type(exc).__name__}: {exc}) and restoring the {len(touched)} "
                    f"touched items failed too ({type(undo).__name__}); send the same update again"
                ) from exc
            log.warning("catalog update failed and was rolled back: %s: %s", type(exc).__name__, exc)
            raise
    created = sum(1 for item in update.upserts if item.item_id not in previous)
    summary = UpdateSummary(
        upserted=len(update.upserts),
        created=created,
        deleted=len(deleted),
        missing=[item_id for item_id in update.deletes if item_id not in previous],
        embedded=len(update.upserts) - reused,
        seconds=time.perf_counter() - started,
        revision=revision,
        collection=name,
        source=update.source,
    )
    log.info("catalog update: %s", summary)
    before = (name, None if pointer.get(REVISION_ID_KEY) is None else str(pointer[REVISION_ID_KEY]))
    return AppliedUpdate(summary, update.upserts, vectors, tuple(deleted), before, (name, revision_id))
