"""Live catalog updates: time an upsert and a delete of N items, and what a process does to see them.

    .venv/bin/python bench/live_update.py                        # the demo catalog (a copy of var/chroma), 100 items
    .venv/bin/python bench/live_update.py --catalog books        # goodbooks-10k (10,000 books, ingested first)

Half of the upserted items are existing ones with a changed title, half are new; then the same number are deleted.
Reported: seconds of each update (MiniLM on CPU, local PersistentClient), and for a process that sees the new
revision: reloading the snapshot from Chroma, and the writer's in-memory patch (CatalogStore.with_changes) plus the
title index and the router rebuilt from it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bot.agent.router.routing import Router
from bot.config import REPO_ROOT, Settings
from store.catalog import CatalogStore
from store.catalog_profile import shipped_profile
from store.catalog_update import apply_update, parse_update
from store.embedder import MiniLMEmbedder
from store.goodbooks import load_book_items
from store.ingest import ingest_items
from store.items import CatalogItem
from tools.titles import TitleIndex


def row(item: CatalogItem) -> dict[str, object]:
    return {
        "id": item.item_id,
        "title": item.title,
        "description": item.overview,
        "categories": list(item.genres),
        "year": item.year,
        **item.extra,
    }


def timed(what: str, results: dict[str, float], function: object) -> object:
    started = time.perf_counter()
    value = function()  # type: ignore[operator]
    results[what] = round(time.perf_counter() - started, 3)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--catalog", choices=["demo", "books"], default="demo")
    parser.add_argument("--items", type=int, default=100)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="live-update-"))
    settings = Settings(home=home)
    embedder = MiniLMEmbedder()
    results: dict[str, float] = {}
    if args.catalog == "demo":
        shutil.copytree(REPO_ROOT / "var" / "chroma", settings.chroma_path)
    else:
        books = load_book_items(REPO_ROOT / "data")
        timed(
            "ingest_s",
            results,
            lambda: ingest_items(
                settings.chroma,
                embedder,
                books,
                source="bench:books",
                show_progress=False,
                profile=shipped_profile("books"),
            ),
        )
    store = CatalogStore.open(settings.chroma, embedder)
    # rows must pass the file schema's checks (goodbooks has books from before 1800, which it refuses)
    items = [item for item in store.items() if item.year is None or 1800 <= item.year <= 2100]
    half = args.items // 2
    changed = [replace(item, title=item.title + " (new edition)") for item in items[:half]]
    new = [
        replace(item, item_id=f"bench-{n}", title=f"{item.title} II") for n, item in enumerate(items[half : 2 * half])
    ]
    update = parse_update([row(item) for item in changed + new])
    applied = timed("upsert_s", results, lambda: apply_update(settings.chroma, embedder, update))
    deletes = parse_update([], [item.item_id for item in items[-args.items :]])
    timed("delete_s", results, lambda: apply_update(settings.chroma, embedder, deletes))
    reloaded = timed("reload_snapshot_s", results, lambda: CatalogStore.open(settings.chroma, embedder))
    patched = timed(
        "patch_snapshot_s",
        results,
        lambda: store.with_changes(
            applied.upserts,
            applied.vectors,
            applied.deleted,  # type: ignore[attr-defined]
        ),
    )
    titles = timed("title_index_s", results, lambda: TitleIndex(patched.items()))  # type: ignore[attr-defined]
    timed("router_s", results, lambda: Router(embedder, titles))
    summary = {"catalog": args.catalog, "items": store.count(), "updated": args.items, **results}
    summary["reloaded_items"] = reloaded.count()  # type: ignore[attr-defined]
    print(json.dumps(summary))
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
