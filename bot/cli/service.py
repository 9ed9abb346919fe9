"""CLI: `concierge serve` (API + UI + widget) and `concierge token` (a development JWT)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from bot.concierge import build_backend
from bot.config import Settings
from bot.http.app import create_app
from bot.http.auth import ROLES, AuthError, issue_token, jwt_secret
from bot.http.gradio_ui import mount_ui
from bot.ops.logs import route_uvicorn_logs
from bot.ops.retention import RetentionPurger
from bot.ops.retrain import ScheduledRetrain
from bot.ops.startup import HomeNotWritable, check_home
from store.catalog import CatalogNotBuilt
from store.chroma_client import CatalogUnavailable

if TYPE_CHECKING:
    from bot.concierge import Concierge

log = logging.getLogger(__name__)


def warm_until_ready(backend: Concierge, retry_s: float = 5.0, max_retry_s: float = 60.0) -> None:
    """Load the backend, retrying until it works: a Chroma server that is still starting, or a catalog not yet
    ingested, must not need a restart. Meanwhile /healthz and the API answer 503 with the reason."""
    delay = retry_s
    while True:
        try:
            backend.warm_up()
            log.info("ready")
            return
        except (CatalogUnavailable, CatalogNotBuilt) as exc:
            log.error("not ready, retrying in %.0f s: %s", delay, exc)
        except Exception:  # anything else: logged with its traceback, retried in case it is transient
            log.exception("warm-up failed, retrying in %.0f s", delay)
        time.sleep(delay)
        delay = min(delay * 2, max_retry_s)


def build_server_app(settings: Settings) -> Any:
    """The real app: backend warmed up in the background (healthz 503 until ready), UI mounted at /."""
    backend = build_backend(settings)
    RetentionPurger(backend.components.sessions, settings.retention_days).start()  # now, then hourly
    backend.components.claim_catalog_folder()  # a local folder: only this process writes it (live updates)
    if settings.train_interval_s > 0:  # retrain when the history changed, swap the model in (docs/catalog.md)
        parts = backend.components
        ScheduledRetrain(parts.history.fingerprint, parts.retrain_recommender, settings.train_interval_s).start()

    threading.Thread(target=warm_until_ready, args=(backend,), name="warm-up", daemon=True).start()
    app = create_app(settings, backend)
    return mount_ui(app, settings, backend)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if args.host:
        settings = settings.model_copy(update={"host": args.host})
    if args.port:
        settings = settings.model_copy(update={"port": args.port})
    try:
        check_home(settings.home)
    except HomeNotWritable as exc:
        sys.stderr.write(f"concierge: {exc}\n")
        return 2

    try:
        app = build_server_app(settings)
    except AuthError as exc:
        sys.stderr.write(f"concierge: {exc}\n")
        return 2
    print(f"Concierge is starting at http://{settings.host}:{settings.port}/  (API docs: /docs)", flush=True)
    # log_config=None: uvicorn's records go to the redacting root handler (bot/ops/logs.py), not to its own handlers.
    route_uvicorn_logs()
    uvicorn.run(
        app, host=settings.host, port=settings.port, log_level="warning", log_config=None, timeout_graceful_shutdown=5
    )
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    """Print a signed token for --user (CONCIERGE_JWT_SECRET, or the demo-mode development secret)."""
    try:
        token = issue_token(jwt_secret(settings), str(args.user), role=args.role, ttl_s=args.ttl)
    except AuthError as exc:
        sys.stderr.write(f"concierge: {exc}\n")
        return 2
    if args.json:
        print(json.dumps({"token": token, "user_id": str(args.user), "role": args.role, "expires_in_s": args.ttl}))
    else:
        print(token)
    return 0


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="start the HTTP API, the chat UI and the widget")
    serve.add_argument("--host", help="bind address (default CONCIERGE_HOST)")
    serve.add_argument("--port", type=int, help="port (default CONCIERGE_PORT)")
    serve.set_defaults(handler=cmd_serve)

    token = subparsers.add_parser("token", help="print a signed user token (JWT) for development")
    token.add_argument("--user", required=True)
    token.add_argument("--role", choices=list(ROLES), default="user")
    token.add_argument("--ttl", type=int, default=7 * 24 * 3600, help="seconds until it expires")
    token.add_argument("--json", action="store_true", help="print {token, user_id, role, expires_in_s}")
    token.set_defaults(handler=cmd_token)
