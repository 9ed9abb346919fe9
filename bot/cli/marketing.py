"""`concierge keywords | copy | audience | segments | campaign`: the marketing tools from the command line.

The CLI runs on the operator's machine, so it acts with the marketer role.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.composition import build_components
from bot.config import Settings
from tools.context import ToolContext
from tools.marketing.audience import audience_for
from tools.marketing.campaign import CampaignFileError, run_campaign
from tools.marketing.copy import write_copy
from tools.marketing.keywords import extract_keywords
from tools.marketing.segments import build_segments
from tools.results import ToolInputError, ToolResult

CLI_USER = "cli-marketer"


def marketer_context(settings: Settings, *, with_llm: bool, user_id: str | None = None) -> ToolContext:
    """A ToolContext with the marketer role over the configured catalog, history and (optionally) LLM."""
    c = build_components(settings)
    llm = c.llm() if with_llm else None
    return c.tool_context(user_id or CLI_USER, "marketer", llm=llm, with_recommender=False)


def _emit(result: ToolResult | dict[str, Any], as_json: bool, text: str) -> int:
    if as_json:
        payload = result if isinstance(result, dict) else {"summary": result.summary, "data": result.data}
        sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(text.rstrip("\n") + "\n")
    return 0


def _input_error(exc: ToolInputError | ValueError) -> int:
    hint = (
        f" (did you mean: {', '.join(exc.suggestions)})" if isinstance(exc, ToolInputError) and exc.suggestions else ""
    )
    print(f"error: {exc}{hint}", file=sys.stderr)
    return 2


def cmd_keywords(args: argparse.Namespace, settings: Settings) -> int:
    """Keyphrases of an item (positional) or of --text."""
    if (args.item is None) == (args.text is None):
        return _input_error(ValueError("give an item or --text (not both)"))
    try:
        result = extract_keywords(marketer_context(settings, with_llm=False), args.text, args.item, args.top_n)
    except ToolInputError as exc:
        return _input_error(exc)
    lines = [f"{k['score']:.3f}  {k['phrase']}" for k in result.data["keywords"]]
    return _emit(result, args.json, "\n".join([result.summary.split(":")[0] + ":", *lines]))


def cmd_copy(args: argparse.Namespace, settings: Settings) -> int:
    """Marketing copy for one item; --user personalises it from that user's favourites."""
    ctx = marketer_context(settings, with_llm=not args.no_llm, user_id=args.user)
    try:
        result = write_copy(ctx, args.item, args.channel, args.audience, args.tone)
    except ToolInputError as exc:
        return _input_error(exc)
    data = result.data
    note = f"\n[template: {data['fallback_reason']}]" if data["used_template"] else f"\n[{data['model']}]"
    return _emit(result, args.json, data["text"] + note)


def cmd_audience(args: argparse.Namespace, settings: Settings) -> int:
    """Who to market an item to (segments and shares; no user ids)."""
    try:
        result = audience_for(marketer_context(settings, with_llm=False), args.item, args.k)
    except ToolInputError as exc:
        return _input_error(exc)
    lines = [result.summary]
    lines += [
        f"  segment {s['segment_id']}: {s['name']} — {s['count']} ({s['share']:.0%})" for s in result.data["segments"]
    ]
    return _emit(result, args.json, "\n".join(lines))


def cmd_segments(args: argparse.Namespace, settings: Settings) -> int:
    """User segments (KMeans on taste profiles, fixed seed)."""
    try:
        segmentation = build_segments(marketer_context(settings, with_llm=False), args.n_segments, args.seed)
    except ValueError as exc:
        return _input_error(exc)
    segments = [s.to_dict() for s in segmentation.segments]
    lines = [
        f"{s['segment_id']}: {s['name']} ({s['size']} users) — keywords: {', '.join(s['keywords']) or '-'}; "
        f"e.g. {', '.join(s['example_items']) or '-'}"
        for s in segments
    ]
    return _emit({"segments": segments}, args.json, "\n".join(lines))


def cmd_campaign(args: argparse.Namespace, settings: Settings) -> int:
    """Personalised copy for each user of a segment or a list, to a resumable CSV / JSONL file."""
    ctx = marketer_context(settings, with_llm=not args.no_llm)
    try:
        item = ctx.titles.resolve(args.item)
        if args.users:
            users = [u.strip() for u in args.users.split(",") if u.strip()]
        else:
            users = build_segments(ctx, args.n_segments, args.seed).users_of(args.segment)
        if not users:
            raise ValueError("no users to write to")
        summary = run_campaign(ctx, item, users, args.channel, args.out, progress=not args.json)
    except (ToolInputError, CampaignFileError, ValueError) as exc:
        return _input_error(exc)
    text = (
        f"{summary.written} rows written, {summary.skipped} already there, "
        f"{summary.used_template} from templates -> {summary.out}"
    )
    return _emit(summary.to_dict(), args.json, text)


def register(subparsers: Any) -> None:
    """Add the marketing subcommands to the concierge command."""
    channels = ["tagline", "email", "push", "social"]

    kw = subparsers.add_parser("keywords", help="keyphrases of an item or a text (KeyBERT + MiniLM)")
    kw.add_argument("item", nargs="?", help="item id or title")
    kw.add_argument("--text", help="a free text instead of an item")
    kw.add_argument("--top-n", type=int, default=10)
    kw.add_argument("--json", action="store_true")
    kw.set_defaults(handler=cmd_keywords)

    cp = subparsers.add_parser("copy", help="marketing copy for an item (LLM, guarded, template fallback)")
    cp.add_argument("item", help="item id or title")
    cp.add_argument("--channel", choices=channels, default="tagline")
    cp.add_argument("--audience", help="who the copy is for, in a few words")
    cp.add_argument("--tone", help="the tone, in a few words")
    cp.add_argument("--user", help="personalise for this user id (from their favourites)")
    cp.add_argument("--no-llm", action="store_true", help="use the template only")
    cp.add_argument("--json", action="store_true")
    cp.set_defaults(handler=cmd_copy)

    au = subparsers.add_parser("audience", help="who to market an item to (aggregates only)")
    au.add_argument("item", help="item id or title")
    au.add_argument("--k", type=int, default=50, help="how many best-suited users to describe")
    au.add_argument("--json", action="store_true")
    au.set_defaults(handler=cmd_audience)

    sg = subparsers.add_parser("segments", help="user segments from taste profiles")
    sg.add_argument("--n-segments", type=int, default=8)
    sg.add_argument("--seed", type=int, default=0)
    sg.add_argument("--json", action="store_true")
    sg.set_defaults(handler=cmd_segments)

    ca = subparsers.add_parser("campaign", help="personalised copy for many users, resumable CSV/JSONL")
    ca.add_argument("--item", required=True, help="item id or title")
    target = ca.add_mutually_exclusive_group(required=True)
    target.add_argument("--segment", type=int, help="segment id (see `concierge segments`)")
    target.add_argument("--users", help="comma-separated user ids")
    ca.add_argument("--channel", choices=channels, default="email")
    ca.add_argument("--out", type=Path, required=True, help="output file, .csv or .jsonl (appended / resumed)")
    ca.add_argument("--n-segments", type=int, default=8, help="must match the segmentation --segment refers to")
    ca.add_argument("--seed", type=int, default=0)
    ca.add_argument("--no-llm", action="store_true", help="use the templates only")
    ca.add_argument("--json", action="store_true")
    ca.set_defaults(handler=cmd_campaign)
