"""CLI: `concierge db upgrade` — migrate the PostgreSQL schema of CONCIERGE_DATABASE_URL to the newest revision.

Every service process also migrates when it opens its stores (under an advisory lock, so several starting at once
take turns); this command does it ahead of a deployment, e.g. as a release step. With SQLite there is nothing to
do: each file's schema is created when its store opens.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bot.config import Settings
from store.database import DatabaseUnavailable
from store.postgres.connection import redacted
from store.postgres.schema import head_revision, upgrade


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    config = settings.database
    if not config.url:
        summary: dict[str, Any] = {"engine": "sqlite", "revision": None, "head": None}
        message = "SQLite (CONCIERGE_DATABASE_URL is unset): the schema is created when a store opens"
    else:
        try:
            revision = upgrade(config.url, config.connect_timeout_s)
        except DatabaseUnavailable as exc:
            sys.stderr.write(f"concierge: {exc}\n")
            return 2
        summary = {"engine": "postgresql", "database": redacted(config.url), "revision": revision}
        summary["head"] = head_revision()
        message = f"PostgreSQL {summary['database']}: schema at revision {revision} (newest {summary['head']})"
    print(json.dumps(summary) if args.json else message)
    return 0


def register(subparsers: Any) -> None:
    db = subparsers.add_parser("db", help="the history and session database (PostgreSQL schema migrations)")
    actions = db.add_subparsers(dest="db_command", required=True)
    up = actions.add_parser("upgrade", help="migrate the PostgreSQL schema to the newest revision (idempotent)")
    up.add_argument("--json", action="store_true", help="print {engine, database, revision, head}")
    up.set_defaults(handler=cmd_db_upgrade)
