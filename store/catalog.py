"""The catalog: Chroma is the store of record; an in-memory index answers filtered searches.

Chroma's own `where` filtering measured ~28 ms p50 here, so filters are a numpy mask over arrays loaded
once at open, and similarity is one matrix-vector product (vectors are L2-normalised: dot = cosine).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from threadpoolctl import ThreadpoolController

from store.catalog_metadata import item_from_metadata
from store.catalog_profile import PROFILE_KEY, CatalogProfile, ProfileError
from store.chroma_client import ChromaConfig, active_collection, make_client, unreachable, unreachable_errors
from store.embedder import Embedder
from store.facet_index import FacetIndex, Ranges
from store.items import CatalogItem
from store.profile_inference import infer_profile

log = logging.getLogger(__name__)
PAGE = 2000
# Search score = cosine + LEXICAL_WEIGHT * (share of query words found in the item's keywords, tags, genres)
#              + POPULARITY_WEIGHT * log-popularity (0..1). Measured on the demo catalog (docs/benchmarks.md).
LEXICAL_WEIGHT = 0.08
POPULARITY_WEIGHT = 0.1
STOP_WORDS_FILE = Path(__file__).resolve().parent / "data" / "search_stop_words.yaml"
_WORD = re.compile(r"[a-z0-9]+")


class CatalogNotBuilt(RuntimeError):
    """No catalog has been ingested yet at this location."""


class CatalogStore:
    """Items, their vectors and fast filtered similarity search."""

    def __init__(
        self,
        items: Sequence[CatalogItem],
        matrix: np.ndarray,
        embedder: Embedder,
        profile: CatalogProfile | None = None,
    ) -> None:
        if len(items) != matrix.shape[0]:
            raise ValueError("items and vectors differ in length")
        self.embedder = embedder
        self._items = list(items)
        self.profile = profile if profile is not None else infer_profile(self._items)
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        # one BLAS thread per query: with the CPU shared, a 2-thread gemv measured 4-7x slower (bench/search.py)
        self._blas = ThreadpoolController()
        # the BLAS limit is process-wide: a lock keeps limit/restore pairs of concurrent searches from interleaving
        # (else the process could be left at one BLAS thread for everything else)
        self._blas_lock = threading.Lock()
        self._stop_words = frozenset(yaml.safe_load(STOP_WORDS_FILE.read_text(encoding="utf-8"))["stop_words"])
        self._index = {item.item_id: i for i, item in enumerate(self._items)}
        self.genres = sorted({g for item in self._items for g in item.genres})
        genre_bit = {g: 1 << n for n, g in enumerate(self.genres)}
        self._genre_bit = genre_bit
        self._genre_bits = np.array(
            [sum(genre_bit[g] for g in set(item.genres)) for item in self._items], dtype=np.int64
        )
        self._years = np.array([item.year if item.year else -1 for item in self._items], dtype=np.int32)
        self._ratings = np.array(
            [item.rating_mean if item.rating_mean is not None else -1.0 for item in self._items], dtype=np.float32
        )
        counts = np.log1p(np.array([item.rating_count for item in self._items], dtype=np.float32))
        self._popularity = counts / counts.max() if len(counts) and counts.max() > 0 else counts
        self._by_word: dict[str, list[int]] = {}
        for i, item in enumerate(self._items):
            words = set()
            for phrase in (*item.keywords, *item.tags, *item.genres):
                words.update(_WORD.findall(phrase.lower()))
            for word in words - self._stop_words:
                self._by_word.setdefault(word, []).append(i)
        self.facets = FacetIndex(self._items, self.profile)
        self._by_title: dict[str, list[int]] = {}
        for i, item in enumerate(self._items):
            for key in {item.title.lower(), item.label.lower()}:
                self._by_title.setdefault(key, []).append(i)

    # ---- construction ------------------------------------------------------------------------
    @classmethod
    def from_items(
        cls,
        items: Sequence[CatalogItem],
        embedder: Embedder,
        batch_size: int = 64,
        profile: CatalogProfile | None = None,
    ) -> CatalogStore:
        """An in-memory catalog (no Chroma), for tests and small tools."""
        profile = profile if profile is not None else infer_profile(items)
        texts = [item.embedding_text(profile.searchable) for item in items]
        return cls(items, embedder.embed(texts, batch_size=batch_size), embedder, profile)

    def with_changes(self, upserts: Sequence[CatalogItem], vectors: np.ndarray, deletes: Iterable[str]) -> CatalogStore:
        """A new snapshot with a live update applied (store/catalog_update.py): replaced items keep their row, new
        ones are appended (as their Chroma `position` says), deleted ones are gone. The process that wrote the update
        swaps this in instead of reloading the whole collection; this snapshot is never changed in place, so
        searches running on it finish on a consistent catalog."""
        gone = set(deletes)
        rows = {item.item_id: n for n, item in enumerate(upserts)}
        items: list[CatalogItem] = []
        kept: list[np.ndarray] = []
        for i, item in enumerate(self._items):
            if item.item_id in gone:
                continue
            row = rows.pop(item.item_id, None)
            items.append(item if row is None else upserts[row])
            kept.append(self.matrix[i] if row is None else vectors[row])
        for row in rows.values():  # new ids, in the order of the update
            items.append(upserts[row])
            kept.append(vectors[row])
        matrix = np.stack(kept) if kept else np.zeros((0, self.matrix.shape[1]), np.float32)
        return type(self)(items, matrix, self.embedder, self.profile)

    @classmethod
    def open(cls, chroma: ChromaConfig, embedder: Embedder, *, writer: bool = False) -> CatalogStore:
        """Load the live catalog collection into memory. Readers take no lock.

        Raises CatalogNotBuilt before the first ingest, CatalogUnavailable when a Chroma server cannot be reached.
        """
        if not chroma.url:
            return cls._load(chroma, embedder)
        try:
            return cls._load(chroma, embedder)
        except unreachable_errors() as exc:
            raise unreachable(chroma, exc) from exc

    @classmethod
    def _load(cls, chroma: ChromaConfig, embedder: Embedder) -> CatalogStore:
        client = make_client(chroma)
        name, _ = active_collection(client)
        if name is None:
            where = chroma.url or chroma.path
            raise CatalogNotBuilt(
                f"no catalog in {where}: run `concierge build-demo` (demo data) or `concierge ingest --catalog FILE`"
            )
        collection = client.get_collection(name, embedding_function=None)
        built_with = str((collection.metadata or {}).get("embedder") or "")
        model = f"{type(embedder).__name__}:{embedder.dim}"
        if built_with and not built_with.startswith(model + ":"):
            log.warning(
                "catalog %s was embedded with %s but is searched with %s: re-run `concierge ingest`",
                name,
                built_with,
                model,
            )
        ids: list[str] = []
        metas: list[dict[str, Any]] = []
        vectors: list[np.ndarray] = []
        total = collection.count()
        for offset in range(0, total, PAGE):
            page = collection.get(include=["embeddings", "metadatas"], limit=PAGE, offset=offset)
            ids.extend(page["ids"])
            metas.extend(page["metadatas"])
            vectors.append(np.asarray(page["embeddings"], dtype=np.float32))
        order = sorted(range(len(ids)), key=lambda i: int(metas[i].get("position") or 0))
        items = [item_from_metadata(ids[i], metas[i]) for i in order]
        matrix = np.concatenate(vectors)[order] if vectors else np.zeros((0, embedder.dim), np.float32)
        return cls(items, matrix, embedder, _stored_profile(collection.metadata or {}, items))

    # ---- lookups -----------------------------------------------------------------------------
    def count(self) -> int:
        return len(self._items)

    def items(self) -> list[CatalogItem]:
        return self._items

    def get(self, item_id: str) -> CatalogItem | None:
        index = self._index.get(str(item_id))
        return None if index is None else self._items[index]

    def index_of(self, item_id: str) -> int:
        return self._index[str(item_id)]

    def position(self, item_id: str) -> int | None:
        """The row of an item in items() and matrix, or None."""
        return self._index.get(str(item_id))

    def vectors(self, item_ids: Iterable[str]) -> np.ndarray:
        rows = [self._index[str(i)] for i in item_ids]
        return self.matrix[rows] if rows else np.zeros((0, self.matrix.shape[1]), np.float32)

    # ---- search ------------------------------------------------------------------------------
    def unknown_genres(self, genres: Iterable[str]) -> list[str]:
        return [g for g in genres if g not in self._genre_bit]

    def mask(
        self,
        *,
        genres: Sequence[str] | None = None,
        exclude_genres: Sequence[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        min_rating: float | None = None,
        exclude_ids: Iterable[str] | None = None,
        facets: Mapping[str, Sequence[str]] | None = None,
        ranges: Ranges | None = None,
    ) -> np.ndarray:
        """Boolean mask over items(): any of `genres`, none of `exclude_genres`, year range, rating floor, and the
        profile's facets (exact values by field, numeric ranges by field; ValueError for a field that is none)."""
        keep = self.facets.mask(facets, ranges) if facets or ranges else np.ones(len(self._items), dtype=bool)
        if genres:
            bits = sum(self._genre_bit.get(g, 0) for g in set(genres))
            keep &= (self._genre_bits & bits) != 0
        if exclude_genres:
            bits = sum(self._genre_bit.get(g, 0) for g in set(exclude_genres))
            keep &= (self._genre_bits & bits) == 0
        if year_from is not None:
            keep &= self._years >= year_from
        if year_to is not None:
            keep &= (self._years <= year_to) & (self._years >= 0)
        if min_rating is not None:
            keep &= self._ratings >= min_rating
        for item_id in exclude_ids or ():
            index = self._index.get(str(item_id))
            if index is not None:
                keep[index] = False
        return keep

    def scores(self, query: str | np.ndarray) -> np.ndarray:
        """Cosine similarity of every item to the query; an exact title query scores its items above all."""
        vector = self.embedder.embed([query])[0] if isinstance(query, str) else np.asarray(query, np.float32)
        with self._blas_lock, self._blas.limit(limits=1, user_api="blas"):
            scores = self.matrix @ vector
        scores += POPULARITY_WEIGHT * self._popularity
        if isinstance(query, str):
            words = set(_WORD.findall(query.lower())) - self._stop_words
            for word in words:
                hits = self._by_word.get(word)
                if hits:
                    scores[hits] += LEXICAL_WEIGHT / len(words)
            for index in self._by_title.get(query.strip().lower(), ()):
                scores[index] = 2.0
        return scores

    def search(
        self,
        query: str | np.ndarray,
        *,
        genres: Sequence[str] | None = None,
        exclude_genres: Sequence[str] | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        min_rating: float | None = None,
        exclude_ids: Iterable[str] | None = None,
        k: int = 10,
        facets: Mapping[str, Sequence[str]] | None = None,
        ranges: Ranges | None = None,
    ) -> list[tuple[CatalogItem, float]]:
        """The k most similar items that pass the filters, best first."""
        keep = self.mask(
            genres=genres,
            exclude_genres=exclude_genres,
            year_from=year_from,
            year_to=year_to,
            min_rating=min_rating,
            exclude_ids=exclude_ids,
            facets=facets,
            ranges=ranges,
        )
        candidates = np.flatnonzero(keep)
        if candidates.size == 0 or k <= 0:
            return []
        scores = self.scores(query)[candidates]
        top = min(k, candidates.size)
        best = np.argpartition(-scores, top - 1)[:top]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self._items[candidates[i]], float(min(scores[i], 1.0))) for i in best]


def _stored_profile(metadata: Mapping[str, Any], items: Sequence[CatalogItem]) -> CatalogProfile:
    """The profile stored with the collection at ingest; inferred for catalogs ingested before profiles existed."""
    stored = metadata.get(PROFILE_KEY)
    if not stored:
        return infer_profile(items)
    try:
        return CatalogProfile.from_json(str(stored))
    except (ProfileError, ValueError) as exc:
        log.warning("the stored catalog profile is unreadable (%s): inferred from the items instead", exc)
        return infer_profile(items)
