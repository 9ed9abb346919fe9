"""The `concierge` command: the parser, `build-demo` and `chat`; each other area's subcommands live in one module of
this package and register here."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from bot.agent.events import TextDelta, TurnDone
from bot.cli import catalog, database, dialogues, events, marketing, recommend, redial, service
from bot.cli.catalog import ingest_books_catalog, ingest_demo_catalog
from bot.composition import Components, build_components
from bot.concierge import build_backend
from bot.config import Settings
from bot.ops.logs import configure_logging
from bot.ops.startup import apply_torch_threads
from store.database import DatabaseUnavailable
from store.folder_claim import unserved
from store.writer_lock import WriterBusy
from tools.recommender.training import import_demo_history, train_recommender

AREA_MODULES = (catalog, recommend, marketing, service, dialogues, redial, events, database)


def _offline_environment() -> None:
    for name, value in (
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
        ("GRADIO_ANALYTICS_ENABLED", "False"),
        ("ANONYMIZED_TELEMETRY", "False"),
        ("TOKENIZERS_PARALLELISM", "false"),
    ):
        os.environ.setdefault(name, value)


def cmd_build_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Demo catalog into Chroma, MovieLens history into SQLite, recommender training: each skipped when current.

    `--catalog books`: the goodbooks-10k catalog with the books profile, and nothing else: it has no interaction
    history, so it recommends with the content + popularity ranker (no history import, no training)."""
    components = build_components(settings)
    try:
        with unserved(settings.chroma):  # one writer per local folder: not while a service serves it
            return _build_demo(args, settings, components)
    except WriterBusy as exc:
        sys.stderr.write(f"concierge: {exc}\n")
        return 2


def _build_demo(args: argparse.Namespace, settings: Settings, components: Components) -> int:
    if args.catalog == "books":
        print(f"catalog: {ingest_books_catalog(settings, components.embedder)}")
        print("recommender: content + popularity (no interaction history to train on)")
    else:
        summary = ingest_demo_catalog(settings, components.embedder)
        print(f"catalog: {summary}")
        print(f"history: {import_demo_history(components.history, settings.data_dir)}")
        trained = train_recommender(settings.models_dir, components.catalog, components.history, only_if_missing=True)
        print(f"recommender: {trained}")
    if not args.skip_llm and settings.llm_backend != "openai" and not settings.llm_base_url:
        model = components.llm()
        print(f"llm: {'ready' if model is not None else 'not available'}")
    return 0


def _print_turn(out: TextIO, result_dict: dict[str, object], as_json: bool) -> None:
    if as_json:
        out.write(json.dumps(result_dict, ensure_ascii=False) + "\n")
        return
    out.write(f"concierge> {result_dict['reply']}\n")
    items = result_dict.get("items") or []
    assert isinstance(items, list)
    for index, item in enumerate(items, 1):
        year = f" ({item['year']})" if item.get("year") else ""
        genres = ", ".join(item.get("genres", []))
        out.write(f"  {index}. {item['title']}{year}{f' — {genres}' if genres else ''}\n     {item['reason']}\n")
    out.flush()


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """Terminal chat: one user message per line on stdin (works piped)."""
    backend = build_backend(settings)
    user_id = str(args.user) if args.user is not None else f"cli-{os.getpid()}"
    interactive = sys.stdin.isatty()
    session_id: str | None = args.session
    while True:
        if interactive:
            sys.stdout.write("you> ")
            sys.stdout.flush()
        line = sys.stdin.readline()
        if not line:
            break
        text = line.rstrip("\n")
        if not text.strip():
            continue
        if not interactive and not args.json:
            sys.stdout.write(f"you> {text}\n")
        streamed = False
        for event in backend.run_turn(
            user_id=user_id, text=text, session_id=session_id, reply_mode=args.reply_mode, max_items=args.max_items
        ):
            if isinstance(event, TextDelta) and interactive and not args.json:
                if not streamed:
                    sys.stdout.write("concierge (draft)> ")
                streamed = True
                sys.stdout.write(event.text)
                sys.stdout.flush()
            elif isinstance(event, TurnDone):
                if streamed:
                    sys.stdout.write("\n")
                session_id = event.result.session_id
                _print_turn(sys.stdout, event.result.to_dict(), args.json)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="concierge", description="Conversational recommendation service.")
    parser.add_argument("--log-level", default=None, help="override CONCIERGE_LOG_LEVEL")
    subparsers = parser.add_subparsers(dest="command", required=True)

    build = subparsers.add_parser("build-demo", help="build the demo catalog, history and recommender (idempotent)")
    build.add_argument("--skip-llm", action="store_true", help="do not prepare the embedded LLM cache")
    build.add_argument(
        "--catalog",
        choices=["films", "books"],
        default="films",
        help="films (default): MovieLens + TMDB with history and EASE^R; books: goodbooks-10k, content + popularity",
    )
    build.set_defaults(handler=cmd_build_demo)

    chat = subparsers.add_parser("chat", help="chat in the terminal (reads lines from stdin)")
    chat.add_argument("--user", help="user id (a MovieLens demo user 1..610, or any id); default a new user")
    chat.add_argument("--session", help="continue this session id")
    chat.add_argument("--reply-mode", choices=["llm", "template"], default=None)
    chat.add_argument("--max-items", type=int, default=None)
    chat.add_argument("--json", action="store_true", help="one JSON object per turn")
    chat.set_defaults(handler=cmd_chat)

    for area in AREA_MODULES:
        area.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _offline_environment()
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = Settings()
    configure_logging(args.log_level or settings.log_level, settings.log_format)
    apply_torch_threads(settings.torch_threads)
    try:
        return int(args.handler(args, settings))
    except DatabaseUnavailable as exc:  # a bad CONCIERGE_DATABASE_URL: one line, at start-up, for every command
        sys.stderr.write(f"concierge: {exc}\n")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
