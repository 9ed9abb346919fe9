"""`concierge eval-dialogues --redial DIR`: the ReDial protocol through the product's turn API, with popularity and
EASE^R-from-mentions baselines in the same run (bot/dialogues/redial/, docs/evaluation.md)."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.composition import Overrides, build_components
from bot.concierge import Concierge, build_backend
from bot.config import Settings
from bot.dialogues.redial.data import DIALOGUES_FILE, RedialFormatError
from bot.dialogues.redial.report import format_report
from bot.dialogues.redial.run import MAX_ITEMS, RedialOptions, evaluate_redial
from store.database import open_history


def evaluation_backend(settings: Settings, scratch: Path) -> Concierge:
    """The home's catalog and recommender, read as they are; the evaluation's visitors' sessions and history (a
    turn may record "seen") in `scratch`, so a run leaves the home unchanged."""
    home = build_components(settings)
    local = settings.model_copy(update={"home": scratch, "database_url": None, "history_db": None})
    overrides = Overrides(
        embedder=home.embedder,
        catalog=home.catalog,
        recommender=home.recommender,
        titles=home.titles,
        history=open_history(local.database),
    )
    backend = build_backend(local, overrides)
    backend.warm_up()
    return backend


def cmd_eval_dialogues(args: argparse.Namespace, settings: Settings) -> int:
    folder = Path(args.redial)
    if not (folder / DIALOGUES_FILE).is_file():
        sys.stderr.write(f"concierge: {folder} holds no {DIALOGUES_FILE} (not a ReDial folder)\n")
        return 2
    if not 1 <= args.max_items <= MAX_ITEMS:
        sys.stderr.write(f"concierge: --max-items must be 1..{MAX_ITEMS}\n")
        return 2
    options = RedialOptions(
        limit=args.limit,
        suggested_only=args.suggested_only,
        max_items=args.max_items,
        progress=None if args.quiet else lambda line: print(line, file=sys.stderr, flush=True),
    )
    with tempfile.TemporaryDirectory(prefix="concierge-redial-") as scratch:
        backend = evaluation_backend(settings, Path(scratch))
        try:
            report = evaluate_redial(folder, backend, options)
        except RedialFormatError as exc:
            sys.stderr.write(f"concierge: {exc}\n")
            return 2
    if args.json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(format_report(report))
    return 0


def register(subparsers: Any) -> None:
    """Add `eval-dialogues` to the concierge command."""
    parser = subparsers.add_parser(
        "eval-dialogues",
        help="Recall@k on real recommendation dialogues (ReDial), product vs popularity and EASE^R baselines",
        description="Replay a ReDial-format folder (dialogues.jsonl, movies_with_mentions.csv) through the turn API "
        "(He et al. 2023 protocol) and print Recall@1/5/10/50 for the product and two baselines.",
    )
    parser.add_argument("--redial", required=True, metavar="DIR", help="a ReDial-format folder")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N dialogues")
    parser.add_argument(
        "--suggested-only",
        action="store_true",
        help="targets must also be marked suggested=1 in the dialogue's questionnaires",
    )
    parser.add_argument(
        "--max-items", type=int, default=MAX_ITEMS, help=f"items asked of the product per turn (1..{MAX_ITEMS})"
    )
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.set_defaults(handler=cmd_eval_dialogues)
