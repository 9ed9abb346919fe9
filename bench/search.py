"""Catalog search latency: our in-memory index (numpy mask + matrix-vector product) vs Chroma's own query.

Catalogs of 10k and 100k items are made from the real demo items: the 9,742 MovieLens/TMDB items are repeated
with jittered years and ratings, and their vectors perturbed (noise, renormalised) so that copies differ.
Item vectors come from --vectors (an .npz with ids + vectors, e.g. real MiniLM vectors) or, by default, from the
fast HashingEmbedder; latency does not depend on which. Query vectors are computed once with the same embedder
(the model's forward pass for a query is timed separately with --model), so the table times what CatalogStore
itself does per query: filter mask, lexical boost, scores, top-k.

Filtered query = genres ["Crime", "Thriller"] + year 1990-2010 + min_rating 3.0 + 20 excluded ids, k=10.
Chroma reference: a cosine HNSW collection with the same vectors; `query(query_embeddings=..., where=...)`
using list metadata ($contains on genres), measured at sizes up to --chroma-max.

Run: .venv/bin/python bench/search.py [--sizes 10000 100000] [--queries 200] [--vectors F.npz] [--model]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from store.catalog import CatalogStore
from store.embedder import Embedder, HashingEmbedder
from store.items import CatalogItem
from store.movielens import load_demo_items

QUERIES = [
    "heist movie with a twist",
    "mafia family saga",
    "space adventure with robots",
    "romantic comedy in new york",
    "dark psychological thriller",
    "animated film for kids about toys",
    "war drama based on a true story",
    "time travel",
    "haunted house horror",
    "buddy cop action comedy",
    "coming of age story",
    "serial killer detective",
]
FILTERS: dict[str, object] = {"genres": ["Crime", "Thriller"], "year_from": 1990, "year_to": 2010, "min_rating": 3.0}


class CachedEmbedder:
    """Returns precomputed query vectors so that timings exclude the model's forward pass."""

    def __init__(self, base: Embedder, texts: Sequence[str]) -> None:
        self.dim = base.dim
        self._cache = dict(zip(texts, base.embed(list(texts)), strict=True))

    def embed(self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        return np.stack([self._cache[t] for t in texts])


def base_vectors(items: list[CatalogItem], path: Path | None, embedder: Embedder) -> np.ndarray:
    if path is None:
        return embedder.embed([item.embedding_text() for item in items])
    data = np.load(path, allow_pickle=True)
    row = {str(i): n for n, i in enumerate(data["ids"])}
    return np.ascontiguousarray(data["vectors"][[row[item.item_id] for item in items]], dtype=np.float32)


def synthetic(items: list[CatalogItem], vectors: np.ndarray, size: int, seed: int = 0) -> tuple[list, np.ndarray]:
    """`size` items: the real ones first, then jittered copies (new ids, years ±5, ratings ±0.5, noisy vectors)."""
    rng = np.random.default_rng(seed)
    out: list[CatalogItem] = []
    rows: list[np.ndarray] = []
    copy = 0
    while len(out) < size:
        take = min(len(items), size - len(out))
        part = items[:take]
        block = vectors[:take].copy()
        if copy:
            block += rng.normal(0, 0.02, block.shape).astype(np.float32)
            block /= np.linalg.norm(block, axis=1, keepdims=True)
            years = rng.integers(-5, 6, take)
            jitter = rng.uniform(-0.5, 0.5, take)
            part = [
                replace(
                    item,
                    item_id=f"{item.item_id}-{copy}",
                    year=item.year + int(dy) if item.year else None,
                    rating_mean=float(np.clip(item.rating_mean + dr, 0.5, 5.0)) if item.rating_mean else None,
                )
                for item, dy, dr in zip(part, years, jitter, strict=True)
            ]
        out.extend(part)
        rows.append(block)
        copy += 1
    return out, np.concatenate(rows)


def percentiles(fn: Callable[[int], object], n: int) -> tuple[float, float]:
    for i in range(min(5, n)):  # warm-up
        fn(i)
    times = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def store_rows(store: CatalogStore, excluded: list[list[str]], n: int) -> list[tuple[str, float, float]]:
    filters: dict[str, Any] = FILTERS

    def plain(i: int) -> object:
        return store.search(QUERIES[i % len(QUERIES)], k=10)

    def filtered(i: int) -> object:
        return store.search(QUERIES[i % len(QUERIES)], exclude_ids=excluded[i % len(QUERIES)], k=10, **filters)

    return [
        ("CatalogStore.search", *percentiles(plain, n)),
        ("CatalogStore.search + filters", *percentiles(filtered, n)),
        ("CatalogStore.mask (filters only)", *percentiles(lambda i: store.mask(**filters), n)),
    ]


def chroma_rows(
    items: list[CatalogItem], matrix: np.ndarray, qvecs: np.ndarray, n: int
) -> list[tuple[str, float, float]]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    with tempfile.TemporaryDirectory(prefix="bench-search-") as folder:
        client = chromadb.PersistentClient(folder, settings=ChromaSettings(anonymized_telemetry=False))
        col = client.create_collection("bench", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
        batch = client.get_max_batch_size()
        started = time.perf_counter()
        for start in range(0, len(items), batch):
            part = items[start : start + batch]
            metas = []
            for item in part:
                meta: dict[str, object] = {"year": item.year or -1, "rating_mean": item.rating_mean or -1.0}
                if item.genres:
                    meta["genres"] = list(item.genres)
                metas.append(meta)
            col.add(ids=[i.item_id for i in part], embeddings=matrix[start : start + batch], metadatas=metas)  # type: ignore[arg-type]
        load_s = time.perf_counter() - started
        where = {
            "$and": [
                {"$or": [{"genres": {"$contains": "Crime"}}, {"genres": {"$contains": "Thriller"}}]},
                {"year": {"$gte": 1990}},
                {"year": {"$lte": 2010}},
                {"rating_mean": {"$gte": 3.0}},
            ]
        }

        def one(i: int, where_: Any = None) -> object:
            return col.query(query_embeddings=qvecs[i % len(qvecs)][None, :], n_results=10, where=where_)

        plain = percentiles(one, n)
        filtered = percentiles(lambda i: one(i, where), n)
        print(f"  (chroma: {len(items)} items added in {load_s:.1f} s)", file=sys.stderr)
    return [("Chroma query (HNSW)", *plain), ("Chroma query + where", *filtered)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200, help="timed queries per row")
    parser.add_argument("--vectors", type=Path, help=".npz with ids + vectors of the demo items (else HashingEmbedder)")
    parser.add_argument("--chroma-max", type=int, default=10_000, help="largest size also measured in Chroma")
    parser.add_argument("--model", action="store_true", help="also time MiniLM on one query (forward pass)")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    items = load_demo_items(Settings().data_dir)
    model: Embedder = HashingEmbedder()
    if args.model or args.vectors:
        from store.embedder import MiniLMEmbedder

        model = MiniLMEmbedder()
    vectors = base_vectors(items, args.vectors, HashingEmbedder() if args.vectors is None else model)
    queries = CachedEmbedder(model, QUERIES)
    qvecs = np.stack([queries.embed([q])[0] for q in QUERIES])
    source = "real MiniLM vectors" if args.vectors else "HashingEmbedder vectors"
    print(f"\nCatalog search latency, ms per query, k=10 ({source}; {args.queries} queries per row)\n")
    print("| items | method | p50 ms | p95 ms |")
    print("|---:|---|---:|---:|")
    if args.model:
        p50, p95 = percentiles(lambda i: model.embed([QUERIES[i % len(QUERIES)] + f" {i}"]), min(args.queries, 50))
        print(f"| - | MiniLM query embedding (forward pass) | {p50:.2f} | {p95:.2f} |")
    rng = np.random.default_rng(1)
    for size in args.sizes:
        cat_items, matrix = synthetic(items, vectors, size)
        store = CatalogStore(cat_items, matrix, queries)
        excluded = [[cat_items[j].item_id for j in rng.choice(size, 20, replace=False)] for _ in range(len(QUERIES))]
        rows = store_rows(store, excluded, args.queries)
        if size <= args.chroma_max:
            rows += chroma_rows(cat_items, matrix, qvecs, args.queries)
        for name, p50, p95 in rows:
            print(f"| {size:,} | {name} | {p50:.2f} | {p95:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
