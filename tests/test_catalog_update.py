"""Live catalog updates in the store: validation naming the batch index, writes into the live collection that
embed only new or changed texts, the revision, all-or-nothing when Chroma fails midway, the in-memory patch equal
to a reload, and the local folder served by one process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import store.catalog_update as catalog_update
from store.catalog import CatalogStore
from store.catalog_update import CatalogUpdateError, apply_update, parse_update, update_from_file
from store.chroma_client import REVISION_KEY, ChromaConfig, active_collection, make_client
from store.embedder import HashingEmbedder
from store.folder_claim import FolderClaim, FolderServed, unserved
from store.ingest import ingest_items
from tests.catalog_fixtures import popular_items, tmp_settings

EMBEDDER = HashingEmbedder(dim=64)
NEW = {"id": "new-1", "title": "Blue Mug", "description": "Stoneware mug", "categories": ["Kitchen"], "year": 2020}


def counting(embedder: HashingEmbedder, monkeypatch: Any) -> list[str]:
    """The texts `embedder` embeds from now on (the same embedder identity, so stored vectors may be reused)."""
    texts: list[str] = []
    real = embedder.embed

    def embed(batch: Any, *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        texts.extend(batch)
        return real(batch, batch_size=batch_size)

    monkeypatch.setattr(embedder, "embed", embed)
    return texts


@pytest.fixture
def chroma(tmp_path: Path) -> ChromaConfig:
    config = tmp_settings(tmp_path).chroma
    ingest_items(config, EMBEDDER, popular_items(40), source="test", show_progress=False)
    return config


def row_of(item: Any, **changes: Any) -> dict[str, Any]:
    row = {"id": item.item_id, "title": item.title, "year": item.year, "categories": list(item.genres)}
    row["description"] = item.overview
    return {**row, **changes}


@pytest.mark.parametrize(
    ("rows", "deletes", "message"),
    [
        ([NEW, {"id": "x"}], [], "upsert[1]: missing title for id 'x'"),
        ([{**NEW, "year": "soon"}], [], "upsert[0]: year must be a whole number, not 'soon'"),
        ([NEW, NEW], [], "upsert[1]: duplicate id 'new-1' (also upsert[0])"),
        ([NEW], ["new-1"], "delete[0]: id 'new-1' is also upserted (upsert[0])"),
        ([], [" "], "delete[0]: missing id"),
        ([], [True], "delete[0]: an id must be text or a whole number, not bool"),
        (["not an object"], [], "upsert[0]: an item must be a JSON object, not str"),
        ([], [], "nothing to update"),
    ],
)
def test_bad_rows_name_their_index(rows: list[Any], deletes: list[Any], message: str) -> None:
    with pytest.raises(CatalogUpdateError) as error:
        parse_update(rows, deletes)
    assert str(error.value).startswith(message)


def test_a_bad_file_row_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("id,title\na1,Mug\na2,\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"items\.csv:3: missing title for id 'a2'"):
        update_from_file(path)


def test_upsert_and_delete_go_live_and_only_changed_texts_are_embedded(chroma: ChromaConfig, monkeypatch: Any) -> None:
    items = CatalogStore.open(chroma, EMBEDDER).items()
    first, second, third, gone = items[:4]
    apply_update(chroma, EMBEDDER, parse_update([row_of(first), row_of(second)]))  # as rows of a file
    before = CatalogStore.open(chroma, EMBEDDER)
    embedded = counting(EMBEDDER, monkeypatch)
    rows = [row_of(first), row_of(second, title=second.title + " Redux"), NEW]  # unchanged, changed, new
    applied = apply_update(chroma, EMBEDDER, parse_update(rows, [gone.item_id, "no-such-id"]))

    summary = applied.summary
    assert (summary.upserted, summary.created, summary.deleted, summary.missing) == (3, 1, 1, ["no-such-id"])
    assert summary.embedded == 2 and len(embedded) == 2  # the unchanged item kept its vector
    assert summary.revision == 2
    after = CatalogStore.open(chroma, EMBEDDER)
    assert after.count() == before.count()  # one new, one deleted
    assert after.get(gone.item_id) is None
    assert after.get(second.item_id).title == second.title + " Redux"  # type: ignore[union-attr]
    assert after.items()[-1].item_id == "new-1"  # a new item comes last, as in items()
    assert after.get(third.item_id) == third
    client = make_client(chroma)
    name, pointer = active_collection(client)
    assert pointer[REVISION_KEY] == 2 and (name, pointer["revision_id"]) == applied.version
    # the patch a writing process applies to its own snapshot is what a reload gives
    patched = before.with_changes(applied.upserts, applied.vectors, applied.deleted)
    assert [i.item_id for i in patched.items()] == [i.item_id for i in after.items()]
    np.testing.assert_allclose(patched.matrix, after.matrix, atol=1e-6)

    again = apply_update(chroma, EMBEDDER, parse_update([], [second.item_id]))
    assert again.summary.revision == 3 and again.before == applied.version


def test_an_ingest_after_an_update_is_not_skipped(chroma: ChromaConfig) -> None:
    items = popular_items(40)
    apply_update(chroma, EMBEDDER, parse_update([], [items[0].item_id]))
    summary = ingest_items(chroma, EMBEDDER, items, source="test", show_progress=False)
    assert not summary.skipped  # the live content is no longer the file's: the same file must rebuild it
    assert CatalogStore.open(chroma, EMBEDDER).get(items[0].item_id) is not None


class FailingCollection:
    """The live collection, except that its first delete() fails (after the upserts went through)."""

    failed = False

    def __init__(self, collection: Any) -> None:
        self._collection = collection

    def __getattr__(self, name: str) -> Any:
        return getattr(self._collection, name)

    def delete(self, **kwargs: Any) -> None:
        if not FailingCollection.failed:
            FailingCollection.failed = True
            raise OSError("disk went away")
        self._collection.delete(**kwargs)


def test_a_write_failing_midway_restores_the_touched_items(chroma: ChromaConfig, monkeypatch: Any) -> None:
    before = CatalogStore.open(chroma, EMBEDDER)
    first, gone = before.items()[0], before.items()[1]
    real_client = make_client(chroma)

    class Client:
        def __getattr__(self, name: str) -> Any:
            return getattr(real_client, name)

        def get_collection(self, name: str, **kwargs: Any) -> Any:
            collection = real_client.get_collection(name, **kwargs)
            return FailingCollection(collection) if name.startswith("catalog-") else collection

    monkeypatch.setattr(catalog_update, "make_client", lambda config: Client())
    update = parse_update([row_of(first, title="Changed"), NEW], [gone.item_id])
    with pytest.raises(OSError, match="disk went away"):
        apply_update(chroma, EMBEDDER, update)
    monkeypatch.undo()
    after = CatalogStore.open(chroma, EMBEDDER)
    assert [i.item_id for i in after.items()] == [i.item_id for i in before.items()]
    assert after.get(first.item_id) == first and after.get("new-1") is None
    np.testing.assert_allclose(after.matrix, before.matrix, atol=1e-6)
    assert REVISION_KEY not in active_collection(make_client(chroma))[1]  # no revision: nothing happened


def test_a_served_local_folder_refuses_other_writers(chroma: ChromaConfig) -> None:
    service = FolderClaim(chroma)
    assert service.try_claim()
    try:
        served = r"served by a running service \(pid \d+\).*PUT /api/v1/items"
        with pytest.raises(FolderServed, match=served), unserved(chroma):
            pass
        with unserved(chroma, service):  # the serving process itself writes
            pass
    finally:
        service.release()
    with unserved(chroma):  # nobody serves it: a command-line update may write
        pass
