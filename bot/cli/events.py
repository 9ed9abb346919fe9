"""CLI: `concierge events FILE` — interaction events from the shop's systems (.csv or .jsonl) into the history.

The same validation and all-or-nothing write as POST /api/v1/events; a bad row is `file:line: problem` on
stderr with exit code 2. Running the same file again adds nothing (events are idempotent by event_id).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from bot.concierge import build_backend
from bot.config import Settings
from store.catalog import CatalogNotBuilt
from store.event_files import EventFileError, load_event_file
from store.event_weights import EventWeightsError
from store.interactions import EventRowError


def cmd_events(args: argparse.Namespace, settings: Settings) -> int:
    path = Path(args.file)
    try:
        backend = build_backend(settings)
        loading = time.perf_counter()
        _ = (backend.components.catalog, backend.components.history)  # the item ids to check rows against
        loaded_s = time.perf_counter() - loading
        started = time.perf_counter()  # the ingest proper: read, validate, write
        batch = load_event_file(path)
        counts = backend.ingest_events(batch.rows)
    except EventFileError as exc:
        return _fail(str(exc))
    except EventRowError as exc:  # the row's batch index back to its line in the file
        return _fail(str(batch.located(exc.index, exc.problem)))
    except (EventWeightsError, CatalogNotBuilt) as exc:
        return _fail(str(exc))
    seconds = time.perf_counter() - started
    summary: dict[str, Any] = {
        "file": str(path),
        **counts,
        "seconds": round(seconds, 2),
        "events_per_s": round(counts["received"] / seconds) if seconds > 0 else None,
        "catalog_load_s": round(loaded_s, 2),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(
            f"{path}: {counts['received']} events, {counts['new']} new, {counts['known']} already known "
            f"({summary['seconds']} s, {summary['events_per_s']} events/s); `concierge train` retrains the recommender"
        )
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"concierge: {message}\n")
    return 2


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "events", help="add interaction events (view, click, add_to_cart, purchase, rating) from a .csv or .jsonl file"
    )
    parser.add_argument("file", help="events.csv or events.jsonl (format: docs/catalog.md, Events from your systems)")
    parser.add_argument(
        "--json", action="store_true", help="print {file, received, new, known, seconds, events_per_s, catalog_load_s}"
    )
    parser.set_defaults(handler=cmd_events)
