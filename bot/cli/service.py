"""CLI: `concierge serve` (API + UI + widget) and `concierge token` (a development JWT)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import uvicorn
from fastapi.responses import RedirectResponse

from bot.concierge import build_backend
from bot.config import Settings
from bot.http.app import create_app
from bot.http.auth import ROLES, AuthError, issue_token, jwt_secret
from bot.http.gradio_ui import mount_ui
from bot.ops.logs import configure_logging, route_uvicorn_logs
from bot.ops.metrics import MULTIPROCESS_DIR
from bot.ops.retention import RetentionPurger
from bot.ops.retrain import ScheduledRetrain
from bot.ops.startup import HomeNotWritable, apply_torch_threads, check_home
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


def build_server_app(settings: Settings, *, with_ui: bool = True) -> Any:
    """The real app: backend warmed up in the background (healthz 503 until ready), UI mounted at / (or, without
    the UI, `/` leading to the API docs)."""
    backend = build_backend(settings)
    RetentionPurger(backend.components.sessions, settings.retention_days).start()  # now, then hourly
    backend.components.claim_catalog_folder()  # a local folder: only this process writes it (live updates)
    if settings.train_interval_s > 0:  # retrain when the history changed, swap the model in (docs/catalog.md)
        parts = backend.components
        ScheduledRetrain(parts.history.fingerprint, parts.retrain_recommender, settings.train_interval_s).start()

    threading.Thread(target=warm_until_ready, args=(backend,), name="warm-up", daemon=True).start()
    app = create_app(settings, backend)
    if not with_ui:
        app.add_api_route("/", lambda: RedirectResponse("/docs"), include_in_schema=False)
        return app
    return mount_ui(app, settings, backend)


def worker_app() -> Any:
    """The app of one of `concierge serve --workers N`'s processes: uvicorn calls this factory in each worker, with
    the environment the command prepared (settings, offline switches, the metrics folder). No Gradio UI: its queue
    keeps a visitor's events in one process, and the workers share one socket with no affinity."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    apply_torch_threads(settings.torch_threads)
    route_uvicorn_logs()
    return build_server_app(settings, with_ui=False)


def workers_refusal(settings: Settings) -> str | None:
    """Why this configuration cannot run several workers (None: it can)."""
    if settings.workers > 1 and not settings.chroma_url:
        return (
            f"--workers {settings.workers} needs a Chroma server (CONCIERGE_CHROMA_URL): a local catalog folder "
            "takes one process (docs/deployment.md)"
        )
    return None


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    if args.host:
        settings = settings.model_copy(update={"host": args.host})
    if args.port:
        settings = settings.model_copy(update={"port": args.port})
    if args.workers:
        settings = settings.model_copy(update={"workers": args.workers})
    try:
        check_home(settings.home)
    except HomeNotWritable as exc:
        sys.stderr.write(f"concierge: {exc}\n")
        return 2
    refusal = workers_refusal(settings)
    if refusal is not None:
        sys.stderr.write(f"concierge: {refusal}\n")
        return 2
    if settings.workers > 1:
        return serve_workers(args, settings)

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


def serve_workers(args: argparse.Namespace, settings: Settings) -> int:
    """`serve --workers N`: uvicorn's supervisor here, N processes of `worker_app` on the port, their metrics merged
    through a folder of this run (removed at exit)."""
    if args.log_level:
        os.environ["CONCIERGE_LOG_LEVEL"] = args.log_level  # the workers read the settings from the environment
    metrics_dir = settings.home / "metrics" / str(os.getpid())
    shutil.rmtree(metrics_dir, ignore_errors=True)  # a folder of an earlier run with this pid: stale values
    metrics_dir.mkdir(parents=True)
    os.environ.setdefault(MULTIPROCESS_DIR, str(metrics_dir))
    if settings.limits_storage.startswith("memory://"):
        log.warning(
            "rate limits in memory: each of the %d workers counts its own (set CONCIERGE_LIMITS_STORAGE to redis://...)",
            settings.workers,
        )
    print(
        f"Concierge is starting {settings.workers} workers at http://{settings.host}:{settings.port}/ (API and widget; "
        "the chat UI needs a single-worker instance; API docs: /docs)",
        flush=True,
    )
    route_uvicorn_logs()
    try:
        uvicorn.run(
            "bot.cli.service:worker_app",
            factory=True,
            workers=settings.workers,
            host=settings.host,
            port=settings.port,
            log_level="warning",
            log_config=None,
            timeout_graceful_shutdown=5,
        )
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
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


def worker_count(text: str) -> int:
    """--workers: a whole number from 1 to 64 (as CONCIERGE_WORKERS)."""
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r}: a number of processes from 1 to 64")
    return int(text)


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="start the HTTP API, the chat UI and the widget")
    serve.add_argument("--host", help="bind address (default CONCIERGE_HOST)")
    serve.add_argument("--port", type=int, help="port (default CONCIERGE_PORT)")
    serve.add_argument("--workers", type=worker_count, help="service processes on the port (default CONCIERGE_WORKERS)")
    serve.set_defaults(handler=cmd_serve)

    token = subparsers.add_parser("token", help="print a signed user token (JWT) for development")
    token.add_argument("--user", required=True)
    token.add_argument("--role", choices=list(ROLES), default="user")
    token.add_argument("--ttl", type=int, default=7 * 24 * 3600, help="seconds until it expires")
    token.add_argument("--json", action="store_true", help="print {token, user_id, role, expires_in_s}")
    token.set_defaults(handler=cmd_token)
