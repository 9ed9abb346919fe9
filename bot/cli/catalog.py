"""CLI: `concierge ingest`, `concierge search`, `concierge item`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.composition import build_components
from bot.config import Settings
from store import embedder as embedders
from store.catalog import CatalogNotBuilt
from store.catalog_files import CatalogFileError, load_catalog_file
from store.chroma_client import CatalogUnavailable
from store.embedder import Embedder
from store.ingest import IngestSummary, WriterBusy, ingest_items
from store.movielens import DataMissingError, load_demo_items
from tools.context import ToolContext
from tools.results import ToolInputError
from tools.search import item_details, search_catalog


def ingest_demo_catalog(settings: Settings, embedder: Embedder, *, force: bool = False) -> IngestSummary:
    """Ingest the MovieLens + TMDB demo catalog from settings.data_dir (a no-op when unchanged)."""
    items = load_demo_items(settings.data_dir)
    return ingest_items(settings.chroma, embedder, items, source="demo:movielens+tmdb", force=force)


def _fail(message: str) -> int:
    sys.stderr.write(f"concierge: {message}\n")
    return 2


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """`concierge ingest [--catalog FILE] [--force]`: the file is validated completely before the model loads."""
    try:
        if args.catalog:
            items = load_catalog_file(Path(args.catalog))
            embedder = embedders.MiniLMEmbedder(settings.embed_dtype)
            summary = ingest_items(settings.chroma, embedder, items, source=str(args.catalog), force=args.force)
        else:
            embedder = embedders.MiniLMEmbedder(settings.embed_dtype)
            summary = ingest_demo_catalog(settings, embedder, force=args.force)
    except (CatalogFileError, DataMissingError, WriterBusy, CatalogUnavailable, ValueError) as exc:
        return _fail(str(exc))
    print(json.dumps(summary.to_dict()) if args.json else str(summary))
    return 0


def _item_dict(item: Any, score: float | None = None, reason: str = "") -> dict[str, Any]:
    data = {"item_id": item.item_id, "title": item.title, "year": item.year, "genres": list(item.genres)}
    if score is not None:
        data["score"] = round(score, 4)
    if reason:
        data["reason"] = reason
    return data


def _context(settings: Settings) -> ToolContext:
    return build_components(settings).tool_context("cli", with_recommender=False)


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """`concierge search QUERY [filters] [--json]`."""
    try:
        result = search_catalog(
            _context(settings),
            args.query,
            genres=args.genre or None,
            exclude_genres=args.exclude_genre or None,
            year_from=args.year_from,
            year_to=args.year_to,
            min_rating=args.min_rating,
            k=args.k,
        )
    except (ToolInputError, CatalogNotBuilt, CatalogUnavailable) as exc:
        return _fail(str(exc))
    rows = [{**_item_dict(s.item, s.score, s.reason), "provenance": s.provenance} for s in result.items]
    if args.json:
        print(json.dumps({"query": args.query, "items": rows}, ensure_ascii=False))
    else:
        for n, row in enumerate(rows, 1):
            print(f"{n:2}. {row['title']} ({row['year']}) — {', '.join(row['genres'])}  [{row['score']:.3f}]")
    return 0


def cmd_item(args: argparse.Namespace, settings: Settings) -> int:
    """`concierge item ID_OR_TITLE [--json]`."""
    try:
        result = item_details(_context(settings), args.item)
    except (CatalogNotBuilt, CatalogUnavailable) as exc:
        return _fail(str(exc))
    except ToolInputError as exc:
        hint = f" (did you mean: {', '.join(exc.suggestions)})" if exc.suggestions else ""
        return _fail(f"{exc}{hint}")
    facts = result.data["item"]
    if args.json:
        print(json.dumps(facts, ensure_ascii=False))
    else:
        print(f"{facts['title']} ({facts['year']}) — {', '.join(facts['genres'])}\n{facts['overview']}")
    return 0


def register(subparsers: Any) -> None:
    """Add `ingest`, `search` and `item` to the `concierge` command."""
    ingest = subparsers.add_parser("ingest", help="ingest the demo catalog or your own (items.csv / items.jsonl)")
    ingest.add_argument("--catalog", help="a catalog file (.csv or .jsonl, see docs/catalog.md)")
    ingest.add_argument("--force", action="store_true", help="rebuild even when the content is unchanged")
    ingest.add_argument("--json", action="store_true")
    ingest.set_defaults(handler=cmd_ingest)

    search = subparsers.add_parser("search", help="semantic catalog search with filters")
    search.add_argument("query")
    search.add_argument("--genre", action="append", help="keep items of this genre (repeatable)")
    search.add_argument("--exclude-genre", action="append", help="drop items of this genre (repeatable)")
    search.add_argument("--year-from", type=int)
    search.add_argument("--year-to", type=int)
    search.add_argument("--min-rating", type=float)
    search.add_argument("--k", type=int, default=10, help="number of results (1-50)")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=cmd_search)

    item = subparsers.add_parser("item", help="details of one item by id or (fuzzy) title")
    item.add_argument("item")
    item.add_argument("--json", action="store_true")
    item.set_defaults(handler=cmd_item)
