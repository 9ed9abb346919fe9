"""Ingest cost: `ingest_items` (embed + write to Chroma + switch) vs raw embedding of the same texts, same run.

The embedding model is the cost of an ingest; the target is ingest <= 1.2x the raw embedding time. Both runs
use the same embedder object (warmed up first), the same texts (CatalogItem.embedding_text()) and the same
batch size (Settings.embed_batch_size); the ingest goes into a fresh temporary CONCIERGE_HOME (PersistentClient).
A second ingest of the same items is timed too: it must be a no-op (content hash unchanged).

Run: .venv/bin/python bench/ingest.py [--subset 500] [--hashing]
  --subset N   the N most rated demo items (default 500; 0 = all 9,742)
  --hashing    HashingEmbedder instead of MiniLM (shows the pure Chroma overhead)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from store.embedder import Embedder, HashingEmbedder
from store.ingest import ingest_items
from store.movielens import load_demo_items


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=500, help="number of items (0 = all)")
    parser.add_argument("--hashing", action="store_true", help="use the fake HashingEmbedder")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

    base = Settings()
    items = sorted(load_demo_items(base.data_dir), key=lambda i: -i.rating_count)
    if args.subset:
        items = items[: args.subset]
    embedder: Embedder
    if args.hashing:
        embedder = HashingEmbedder()
    else:
        from store.embedder import MiniLMEmbedder

        embedder = MiniLMEmbedder(base.embed_dtype)
    texts = [item.embedding_text() for item in items]
    embedder.embed(texts[:32], batch_size=base.embed_batch_size)  # warm-up

    def raw() -> float:
        started = time.perf_counter()
        embedder.embed(texts, batch_size=base.embed_batch_size)
        return time.perf_counter() - started

    before = raw()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as home:
        settings = base.model_copy(update={"home": Path(home)})
        first = ingest_items(settings.chroma, embedder, items, source="bench", show_progress=False)
        again = ingest_items(settings.chroma, embedder, items, source="bench", show_progress=False)
    after = raw()
    raw_s = (before + after) / 2  # raw runs before and after the ingest: the CPU is shared, load drifts

    name = "HashingEmbedder" if args.hashing else f"MiniLM ({base.embed_dtype})"
    print(f"\nIngest vs raw embedding, {len(items)} items, {name}, batch {base.embed_batch_size}\n")
    print("| step | seconds | items/s | ratio to raw embedding |")
    print("|---|---:|---:|---:|")
    print(
        f"| raw embedding (embedder.embed), mean of before/after ({before:.1f} / {after:.1f} s) | {raw_s:.2f} | "
        f"{len(items) / raw_s:.1f} | 1.00 |"
    )
    print(
        f"| ingest_items (embed + Chroma + switch) | {first.seconds:.2f} | {first.items_per_s:.1f} | "
        f"{first.seconds / raw_s:.2f} |"
    )
    overhead = first.seconds - first.embed_seconds
    print(
        f"| of which embedding inside the ingest | {first.embed_seconds:.2f} | - | {first.embed_seconds / raw_s:.2f} |"
    )
    print(f"| of which Chroma writes + hashing + switch | {overhead:.2f} | - | {overhead / raw_s:.2f} |")
    print(f"| ingest / its own embedding time | - | - | {first.seconds / first.embed_seconds:.2f} |")
    print(f"| re-ingest unchanged (skipped={again.skipped}) | {again.seconds:.2f} | - | {again.seconds / raw_s:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
