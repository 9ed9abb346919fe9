"""Ingest details: Chroma layout (cosine, no default embedding function), metadata round trip (new and first
layout), atomic --force, leftovers cleaned, the writer lock's message, and the summary's timing split."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from store.catalog import CatalogStore
from store.catalog_metadata import item_from_metadata, item_to_metadata
from store.chroma_client import META_COLLECTION, active_collection, make_client
from store.embedder import HashingEmbedder
from store.ingest import content_hash, ingest_items
from store.items import CatalogItem
from store.writer_lock import WriterBusy, writer_lock
from tests.catalog_fixtures import popular_items, tmp_settings

ODD = CatalogItem(item_id="x1", title="No Year, No Genres")
FULL = CatalogItem(
    item_id="x2",
    title="Full",
    year=1999,
    genres=("Crime", "Drama"),
    overview="An overview, with commas | and a pipe.",
    keywords=("heist", "twist"),
    tagline="Tag.",
    tags=("great",),
    rating_count=12,
    rating_mean=4.25,
    extra={"brand": "Acme", "nested": {"a": [1, 2]}},
)


@pytest.mark.parametrize("item", [ODD, FULL])
def test_metadata_round_trip(item: CatalogItem) -> None:
    meta = item_to_metadata(item)
    assert all(v != [] for v in meta.values()), "Chroma rejects empty lists"
    back = item_from_metadata(item.item_id, meta)
    assert back == item and back.extra == item.extra


def test_first_metadata_layout_still_opens() -> None:
    legacy = {
        "title": "Full",
        "year": 1999,
        "genres": "Crime|Drama",
        "rating_count": 12,
        "rating_mean": 4.25,
        "item_json": json.dumps(
            {
                "overview": FULL.overview,
                "keywords": ["heist", "twist"],
                "tagline": "Tag.",
                "tags": ["great"],
                "extra": FULL.extra,
            }
        ),
        "position": 3,
    }
    back = item_from_metadata("x2", legacy)
    assert back == FULL and back.extra == FULL.extra


def test_collection_is_cosine_without_a_chroma_embedding_function(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    summary = ingest_items(settings.chroma, HashingEmbedder(), [FULL, ODD], source="t", show_progress=False)
    client = make_client(settings.chroma)
    collection = client.get_collection(summary.collection, embedding_function=None)
    assert collection.configuration["hnsw"]["space"] == "cosine"
    assert collection.configuration["embedding_function"] is None
    assert collection.metadata["embedder"].startswith("HashingEmbedder:384")
    record = collection.get(ids=["x2"], include=["metadatas"])["metadatas"][0]
    assert record["genres"] == ["Crime", "Drama"] and record["year"] == 1999
    assert 0 < summary.embed_seconds <= summary.seconds
    # Chroma's own `where` works on the metadata (e.g. for people using Chroma tools directly)
    hits = collection.get(where={"genres": {"$contains": "Crime"}})["ids"]
    assert hits == ["x2"]


def test_force_rebuilds_atomically_and_leftovers_are_dropped(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    items = popular_items(40)
    first = ingest_items(settings.chroma, HashingEmbedder(), items, source="v1", show_progress=False)
    client = make_client(settings.chroma)
    client.create_collection(f"{settings.collection}-leftover", embedding_function=None)  # an interrupted run

    class Exploding(HashingEmbedder):
        def embed(self, texts, *, batch_size=64, show_progress=False):  # type: ignore[no-untyped-def]
            raise RuntimeError("killed mid-way")

    with pytest.raises(RuntimeError, match="mid-way"):  # same content, forced: the live collection must survive
        ingest_items(settings.chroma, Exploding(), items, source="v1", show_progress=False, force=True)
    assert CatalogStore.open(settings.chroma, HashingEmbedder()).count() == 40
    forced = ingest_items(settings.chroma, HashingEmbedder(), items, source="v1", show_progress=False, force=True)
    assert not forced.skipped and forced.collection != first.collection
    names = {c.name for c in make_client(settings.chroma).list_collections()}
    assert names == {META_COLLECTION, forced.collection}
    assert active_collection(make_client(settings.chroma))[0] == forced.collection


def test_content_hash_changes_with_content_order_and_embedder() -> None:
    items = popular_items(5)
    base = content_hash(items, HashingEmbedder())
    assert base == content_hash(list(items), HashingEmbedder())
    assert base != content_hash(items[::-1], HashingEmbedder())
    assert base != content_hash(items, HashingEmbedder(dim=128))
    changed = [replace(items[0], tagline="a new tagline"), *items[1:]]
    assert content_hash(changed, HashingEmbedder()) != base


def test_writer_lock_is_exclusive_within_a_process_too(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    with writer_lock(settings.chroma), pytest.raises(WriterBusy, match=r"one writer per folder.*CONCIERGE_CHROMA_URL"):
        ingest_items(settings.chroma, HashingEmbedder(), [FULL], source="t", show_progress=False)
    assert not ingest_items(settings.chroma, HashingEmbedder(), [FULL], source="t", show_progress=False).skipped


def test_duplicate_ids_and_empty_input_are_refused(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    with pytest.raises(ValueError, match="duplicate"):
        ingest_items(settings.chroma, HashingEmbedder(), [FULL, FULL], source="t", show_progress=False)
    with pytest.raises(ValueError, match="no items"):
        ingest_items(settings.chroma, HashingEmbedder(), [], source="t", show_progress=False)


class Counting(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def embed(self, texts, *, batch_size=64, show_progress=False):  # type: ignore[no-untyped-def]
        self.texts.extend(texts)
        return super().embed(texts)


def test_changed_catalog_embeds_only_new_or_changed_items(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    items = popular_items(41)
    ingest_items(settings.chroma, Counting(), items[:40], source="v1", show_progress=False)
    changed = [replace(items[0], tagline="A brand new tagline."), *items[1:]]
    counting = Counting()
    summary = ingest_items(settings.chroma, counting, changed, source="v2", show_progress=False)
    assert sorted(counting.texts) == sorted([changed[0].embedding_text(), items[40].embedding_text()])
    assert summary.reused == 39 and "39 vectors reused" in str(summary)
    store = CatalogStore.open(settings.chroma, HashingEmbedder())
    assert store.get(items[0].item_id).tagline == "A brand new tagline."  # type: ignore[union-attr]
    fields = store.profile.searchable  # inferred: the demo's original titles are embedded too
    expected = HashingEmbedder().embed([item.embedding_text(fields) for item in changed])
    assert np.allclose(store.matrix, expected, atol=1e-6)
    forced = Counting()
    ingest_items(settings.chroma, forced, changed, source="v2", show_progress=False, force=True)
    assert len(forced.texts) == 41, "--force re-embeds everything"
    other_model = Counting()
    other_model.dim = 128
    ingest_items(settings.chroma, other_model, changed, source="v3", show_progress=False)
    assert len(other_model.texts) == 41, "vectors of another model are never reused"
