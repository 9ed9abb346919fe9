"""CLI: `concierge ingest` (also live updates: `--upsert FILE`, `--delete ID`), `concierge search`, `concierge item`."""

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
from store.catalog_profile import ProfileError, check_profile, load_profile_file, shipped_profile
from store.catalog_update import CatalogUpdateError, RollbackFailed, apply_update, update_from_file
from store.chroma_client import CatalogUnavailable
from store.embedder import Embedder
from store.folder_claim import unserved
from store.goodbooks import load_book_items
from store.ingest import IngestSummary, WriterBusy, ingest_items
from store.movielens import DataMissingError, load_demo_items
from store.profile_inference import infer_profile
from tools.context import ToolContext
from tools.results import ToolInputError
from tools.search import item_details, search_catalog


def ingest_demo_catalog(settings: Settings, embedder: Embedder, *, force: bool = False) -> IngestSummary:
    """Ingest the MovieLens + TMDB demo catalog from settings.data_dir (a no-op when unchanged)."""
    items = load_demo_items(settings.data_dir)
    profile = shipped_profile("film")
    return ingest_items(settings.chroma, embedder, items, source="demo:movielens+tmdb", force=force, profile=profile)


def ingest_books_catalog(settings: Settings, embedder: Embedder, *, force: bool = False) -> IngestSummary:
    """Ingest the goodbooks-10k books catalog from settings.data_dir with the books profile (a no-op when unchanged)."""
    items = load_book_items(settings.data_dir)
    profile = shipped_profile("books")
    return ingest_items(settings.chroma, embedder, items, source="demo:goodbooks-10k", force=force, profile=profile)


def _fail(message: str) -> int:
    sys.stderr.write(f"concierge: {message}\n")
    return 2


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    """`concierge ingest [--catalog FILE [--profile YAML]] [--force]`: the file and the profile are validated
    completely before the model loads; the profile file overrides what is inferred from the items."""
    if args.upsert or args.delete:
        return cmd_update(args, settings)
    try:
        if args.catalog:
            items = load_catalog_file(Path(args.catalog))
            profile = infer_profile(items)
            if args.profile:
                profile = load_profile_file(Path(args.profile), profile)
            check_profile(profile, items)
            with unserved(settings.chroma):  # a running service on a local folder would not see the new catalog
                embedder = embedders.MiniLMEmbedder(settings.embed_dtype, settings.embed_model)
                summary = ingest_items(
                    settings.chroma, embedder, items, source=str(args.catalog), force=args.force, profile=profile
                )
        else:
            with unserved(settings.chroma):
                embedder = embedders.MiniLMEmbedder(settings.embed_dtype, settings.embed_model)
                summary = ingest_demo_catalog(settings, embedder, force=args.force)
    except (CatalogFileError, ProfileError, DataMissingError, WriterBusy, CatalogUnavailable, ValueError) as exc:
        return _fail(str(exc))
    print(json.dumps(summary.to_dict()) if args.json else str(summary))
    return 0


def cmd_update(args: argparse.Namespace, settings: Settings) -> int:
    """`concierge ingest --upsert FILE [--delete ID ...]`: a live update of the catalog (all or nothing, no rebuild).

    The file is validated completely before the model loads. With a local folder that a running service serves,
    it refuses (store/folder_claim.py: one writer per folder; the service's API takes the update instead)."""
    if args.catalog or args.force or args.profile:
        return _fail("--upsert / --delete update the live catalog: not with --catalog, --profile or --force")
    try:
        update = update_from_file(Path(args.upsert) if args.upsert else None, args.delete or [])
        with unserved(settings.chroma):
            embedder = embedders.MiniLMEmbedder(settings.embed_dtype, settings.embed_model)
            summary = apply_update(settings.chroma, embedder, update).summary
    except (CatalogFileError, CatalogUpdateError, WriterBusy, CatalogUnavailable, RollbackFailed) as exc:
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


def _field_values(flags: list[str] | None, flag: str) -> dict[str, list[str]]:
    """`--facet authors="Stephen King"` (repeatable) -> {"authors": ["Stephen King"]}; ValueError names the flag."""
    out: dict[str, list[str]] = {}
    for given in flags or []:
        name, equals, value = given.partition("=")
        if not equals or not name.strip() or not value.strip():
            raise ValueError(f"{flag} wants FIELD=VALUE, not {given!r}")
        out.setdefault(name.strip(), []).append(value.strip())
    return out


def _field_numbers(flags: list[str] | None, flag: str) -> dict[str, float]:
    """`--max price=20` -> {"price": 20.0}."""
    out: dict[str, float] = {}
    for name, values in _field_values(flags, flag).items():
        try:
            out[name] = float(values[-1])
        except ValueError:
            raise ValueError(f"{flag} wants FIELD=NUMBER, not {name}={values[-1]!r}") from None
    return out


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """`concierge search QUERY [filters] [--facet FIELD=VALUE] [--min/--max FIELD=N] [--json]`."""
    try:
        facets = _field_values(args.facet, "--facet")
        bounds = _field_numbers(args.min, "--min"), _field_numbers(args.max, "--max")
    except ValueError as exc:
        return _fail(str(exc))
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
            facets=facets or None,
            min_values=bounds[0] or None,
            max_values=bounds[1] or None,
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
    ingest.add_argument(
        "--profile", help="a YAML catalog profile (item noun, facets, display fields) over the inferred one"
    )
    ingest.add_argument("--force", action="store_true", help="rebuild even when the content is unchanged")
    ingest.add_argument(
        "--upsert", metavar="FILE", help="insert or replace the file's items in the live catalog (no rebuild)"
    )
    ingest.add_argument("--delete", action="append", metavar="ID", help="delete this item live (repeatable)")
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
    search.add_argument(
        "--facet", action="append", metavar="FIELD=VALUE", help="keep items with this facet value (repeatable)"
    )
    search.add_argument("--min", action="append", metavar="FIELD=N", help="lower bound of a range facet")
    search.add_argument("--max", action="append", metavar="FIELD=N", help="upper bound of a range facet")
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=cmd_search)

    item = subparsers.add_parser("item", help="details of one item by id or (fuzzy) title")
    item.add_argument("item")
    item.add_argument("--json", action="store_true")
    item.set_defaults(handler=cmd_item)
