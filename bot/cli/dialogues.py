"""`concierge test-dialogues`: run YAML dialogue tests in-process or against a running server."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from bot.backend import ChatBackend
from bot.concierge import build_backend
from bot.config import Settings
from bot.dialogues.format import DialogueFormatError, DialogueSettings, load_dialogues, load_variables
from bot.dialogues.report import json_report, text_report, write_junit
from bot.dialogues.runner import BackendTransport, HttpTransport, RunOptions, Transport, run_dialogues


def in_process_transport(settings: Settings) -> BackendTransport:
    """A BackendTransport over bot.composition.build_backend; one backend per planner a dialogue asks for."""
    built: dict[str, ChatBackend] = {}

    def factory(overrides: DialogueSettings) -> ChatBackend:
        planner = overrides.planner or settings.planner
        if planner not in built:
            built[planner] = build_backend(settings.model_copy(update={"planner": planner}))
        return built[planner]

    return BackendTransport(factory)


def cmd_test_dialogues(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when every dialogue passed, 1 when any failed or errored, 2 for invalid files or arguments."""
    try:
        variables = load_variables(args.vars) if args.vars else None
        dialogues = load_dialogues(args.paths, name_filter=args.k, variables=variables)
    except (DialogueFormatError, OSError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if not dialogues:
        print("no dialogues selected", file=sys.stderr)
        return 2
    token = args.token or os.environ.get("CONCIERGE_TOKEN")
    if args.url and any(d.settings.planner for d in dialogues):
        print("note: settings.planner is ignored with --url (the server's planner is used)", file=sys.stderr)
    transport: Transport = HttpTransport(args.url, token, args.timeout) if args.url else in_process_transport(settings)
    options = RunOptions(reply_mode=args.reply_mode, max_items=args.max_items, jobs=max(1, args.jobs))
    results = run_dialogues(dialogues, transport, options)
    if args.junit:
        write_junit(results, Path(args.junit))
    if args.json:
        sys.stdout.write(json.dumps(json_report(results), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(text_report(results, verbose=args.verbose))
    return 0 if all(r.status == "passed" for r in results) else 1


def register(subparsers: Any) -> None:
    """Add `test-dialogues` to the concierge command."""
    parser = subparsers.add_parser(
        "test-dialogues",
        help="run YAML dialogue tests (docs/dialogues.md)",
        description="Run conversation regression tests written as YAML dialogues; exit 1 on any failure.",
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="YAML files or folders of them")
    parser.add_argument("--url", help="run against this server (HTTP API) instead of in-process")
    parser.add_argument("--token", help="bearer token for --url (default: $CONCIERGE_TOKEN)")
    parser.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report here")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="dialogues run in parallel (threads)")
    parser.add_argument("--reply-mode", choices=["template", "llm"], default=None, help="default reply mode")
    parser.add_argument("--max-items", type=int, default=None, help="default number of items per reply")
    parser.add_argument("-k", metavar="NAME", default=None, help="only dialogues whose name contains NAME")
    parser.add_argument(
        "--vars", metavar="FILE", help="a YAML mapping of ${name} values for every file (wins over a file's vars)"
    )
    parser.add_argument("--timeout", type=float, default=120.0, help="HTTP timeout per request in seconds")
    parser.add_argument("--verbose", "-v", action="store_true", help="transcripts of passing dialogues too")
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.set_defaults(handler=cmd_test_dialogues)
