"""CLI: `concierge recommend`, `similar`, `profile`, `train`, `eval`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.composition import build_components
from bot.config import Settings
from tools.context import ToolContext
from tools.profile import user_profile
from tools.recommend import recommend, scored_to_dict, similar_items
from tools.recommender.evaluation import format_table, run_eval
from tools.recommender.training import train_recommender
from tools.results import ToolInputError


def _context(settings: Settings, user: str | None) -> ToolContext:
    return build_components(settings).tool_context(user or "cli-cold-start")


def _print_items(result: Any, as_json: bool, extra: dict[str, Any]) -> None:
    rows = [scored_to_dict(s) for s in result.items]
    if as_json:
        print(json.dumps({**extra, "items": rows}, ensure_ascii=False))
        return
    for n, row in enumerate(rows, 1):
        print(f"{n:2}. {row['title']} ({row['year']}) — {', '.join(row['genres'])}\n    {row['reason']}")


def _fail(message: str) -> int:
    sys.stderr.write(f"concierge: {message}\n")
    return 2


def cmd_recommend(args: argparse.Namespace, settings: Settings) -> int:
    try:
        ctx = _context(settings, args.user)
        result = recommend(
            ctx,
            query=args.query,
            genres=args.genre or None,
            exclude_genres=args.exclude_genre or None,
            year_from=args.year_from,
            year_to=args.year_to,
            likes=args.likes or None,
            k=args.k,
        )
    except ToolInputError as exc:
        return _fail(str(exc))
    _print_items(result, args.json, {"user": args.user, "likes": result.data.get("likes", [])})
    return 0


def cmd_similar(args: argparse.Namespace, settings: Settings) -> int:
    try:
        result = similar_items(_context(settings, None), args.item, k=args.k)
    except ToolInputError as exc:
        return _fail(str(exc))
    _print_items(result, args.json, {"anchor": result.data.get("anchor")})
    return 0


def cmd_profile(args: argparse.Namespace, settings: Settings) -> int:
    result = user_profile(_context(settings, str(args.user)))
    if args.json:
        print(json.dumps(result.data, ensure_ascii=False))
    else:
        print(result.data["summary"])
        for row in result.data["top_genres"]:
            print(f"  {row['genre']:<12} {row['weight']:+.2f}")
    return 0


def cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    c = build_components(settings)
    print(json.dumps(train_recommender(settings.models_dir, c.catalog, c.history, force=args.force)))
    return 0


def register(subparsers: Any) -> None:
    rec = subparsers.add_parser("recommend", help="recommendations for a user, or from stated likes (cold start)")
    rec.add_argument("--user", help="user id (e.g. a MovieLens demo user 1..610)")
    rec.add_argument("--likes", action="append", help="a title the user liked (repeatable)")
    rec.add_argument("--query", help="free-text wish, e.g. 'funny heist'")
    rec.add_argument("--genre", action="append")
    rec.add_argument("--exclude-genre", action="append")
    rec.add_argument("--year-from", type=int)
    rec.add_argument("--year-to", type=int)
    rec.add_argument("--k", type=int, default=10)
    rec.add_argument("--json", action="store_true")
    rec.set_defaults(handler=cmd_recommend)

    similar = subparsers.add_parser("similar", help="items similar to one item")
    similar.add_argument("item")
    similar.add_argument("--k", type=int, default=10)
    similar.add_argument("--json", action="store_true")
    similar.set_defaults(handler=cmd_similar)

    profile = subparsers.add_parser("profile", help="a user's taste profile from their history")
    profile.add_argument("--user", required=True)
    profile.add_argument("--json", action="store_true")
    profile.set_defaults(handler=cmd_profile)

    train = subparsers.add_parser(
        "train", help="retrain the recommender (EASE^R) on the history store, events included (event weights)"
    )
    train.add_argument("--force", action="store_true", help="retrain even when the history is unchanged")
    train.set_defaults(handler=cmd_train)

    register_eval(subparsers)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    result = run_eval(settings.chroma, settings.data_dir, sample_users=args.sample_users, tune=args.tune)
    if args.json:
        for row in result["rows"]:
            print(json.dumps({**row, "lambda": result["meta"]["lambda"]}))
        print(json.dumps({"meta": result["meta"]}))
    else:
        print(format_table(result))
    return 0


def register_eval(subparsers: Any) -> None:
    parser = subparsers.add_parser("eval", help="offline evaluation: popularity, ItemKNN, EASE, content, hybrid")
    parser.add_argument("--json", action="store_true", help="one JSON object per model and slice")
    parser.add_argument("--sample-users", type=int, default=None, help="evaluate a random subset of users")
    parser.add_argument("--tune", action="store_true", help="grid-search the hybrid weights on validation first")
    parser.set_defaults(handler=cmd_eval)
