"""The HTTP service: one FastAPI app for the API, the widget's files and (mounted at / by gradio_ui) the chat UI.

    app = create_app(settings, backend)          # API + widget, documented at /docs
    app = bot.http.gradio_ui.mount_ui(app, settings, backend)  # the Gradio UI at /

Routes: GET /healthz, GET /metrics; /docs and /redoc (their assets served from here by fastapi-offline);
POST /v1/chat/completions (OpenAI-compatible); /api/v1/sessions...,
/api/v1/feedback, /api/v1/me/profile, DELETE /api/v1/me; GET /widget.js, /widget.css.
Every response carries X-Request-ID (bot/http/request_ids.py) and is counted for /metrics (bot/http/http_metrics.py).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.backend import ChatBackend
from bot.config import Settings
from bot.http.auth import jwt_secret
from bot.http.catalog_routes import catalog_router
from bot.http.deps import TOKEN_HEADER, ApiContext
from bot.http.errors import ApiError, error_response, install_error_handlers
from bot.http.event_routes import events_router
from bot.http.http_metrics import CountResponses, HttpMetrics
from bot.http.limits import RateLimiter
from bot.http.openai_routes import openai_router
from bot.http.request_ids import RequestIds
from bot.http.session_routes import sessions_router
from bot.http.ui_strings import ui_strings_router
from bot.ops.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from bot.ops.metrics import merged_exposition
from bot.ops.request_ids import HEADER as REQUEST_ID_HEADER

STATIC = Path(__file__).resolve().parent / "static"
DOCS_PATHS = frozenset({"/docs", "/redoc"})
# The docs pages load only what the app serves (ReDoc's bundle links its attribution logo from cdn.redoc.ly: the
# browser does not fetch it, the image hides itself); inline scripts are the pages' own set-up (fastapi-offline).
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
)
VERSION = "0.1.0"


class SecurityHeaders:
    """Adds CSP frame-ancestors (only 'self' and the allowed origins may frame our pages) and nosniff; the API
    docs pages may load nothing from another host (DOCS_CSP)."""

    def __init__(self, app: ASGIApp, allowed_origins: list[str]) -> None:
        self.app = app
        self.csp = "frame-ancestors " + " ".join(["'self'", *allowed_origins])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    docs = scope.get("path") in DOCS_PATHS
                    headers["Content-Security-Policy"] = DOCS_CSP + self.csp if docs else self.csp
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeGuard:
    """A JSON 413 when the body is over max_bytes: by Content-Length up front, else while it is read."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"the request body is over {self.max_bytes} bytes"
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await error_response(413, "body_too_large", message)(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            event = await receive()
            received += len(event.get("body", b""))
            if received > self.max_bytes:
                raise ApiError(413, "body_too_large", message)  # an HTTPException: routes turn it into JSON
            return event

        await self.app(scope, limited_receive, send)


def create_app(settings: Settings, backend: ChatBackend) -> FastAPI:
    """The app. The backend may still be loading: /healthz and the API say 503 until backend.ready().

    Raises bot.http.auth.AuthError at once when auth=jwt and CONCIERGE_JWT_SECRET is missing or too short.
    """
    api = ApiContext(
        settings, backend, jwt_secret(settings), RateLimiter(settings.rate_per_minute, settings.limits_storage)
    )
    http_metrics = HttpMetrics()
    # Swagger UI and ReDoc with their JS/CSS served by the app itself (no CDN: the docs work air-gapped)
    app = FastAPIOffline(
        title="Concierge",
        version=VERSION,
        description=(
            "Conversational recommendations over the catalog. Authenticate with `Authorization: Bearer <JWT>` "
            "(HS256, user id in `sub`, optional `role`). In demo mode, `X-Demo-User: <demo user id>` acts "
            "as a demo user; without either (when anonymous visitors are allowed) each call is a fresh visitor "
            f"whose token comes back in the `{TOKEN_HEADER}` header. Errors: "
            '`{"error": {"code", "message"}}` with a 4xx status. Every response carries `X-Request-ID` '
            "(yours when you send a valid one: 1-64 letters, digits or `._:-`), also in the service's log lines."
        ),
    )
    app.state.concierge = api  # bot.http.gradio_ui.mount_ui shares the rate limiter
    install_error_handlers(app)

    not_ready = {"status": "unavailable", "reason": "the catalog store (Chroma server) is unreachable: ConnectError"}
    health_503 = {
        "description": "Loading, or unavailable with the reason",
        "content": {"application/json": {"example": not_ready}},
    }

    @app.get("/healthz", tags=["service"], summary="Liveness and readiness", responses={503: health_503})
    def healthz() -> JSONResponse:
        """200 {"status": "ok", ...} when turns can be served; else 503 {"status": "loading" | "unavailable",
        "reason"} (still loading, or a store it needs, such as the Chroma server, is unreachable)."""
        reason = backend.unavailable_reason()
        if backend.ready() and reason is None:
            return JSONResponse({"status": "ok", "version": VERSION, "auth": settings.auth})
        status = "unavailable" if backend.ready() or reason else "loading"
        return JSONResponse({"status": status, "reason": reason}, status_code=503, headers={"Retry-After": "5"})

    @app.get("/metrics", tags=["service"], summary="Prometheus metrics", response_class=PlainTextResponse)
    def metrics() -> Response:
        """Turns by intent and reply mode, turn latency, template fallbacks by reason (llm_busy, guard, llm
        error, ...), the guard's problems by check, tool errors by tool, LLM time to first token and tokens/s,
        catalog size and version, HTTP responses by route and status class (429s apart), in Prometheus' text
        format (docs/deployment.md, "Metrics"); with several workers, merged over all of them."""
        own = backend.metrics_exposition() + http_metrics.exposition()  # also refreshes the catalog gauges
        return Response(merged_exposition() or own, media_type=METRICS_CONTENT_TYPE)

    app.include_router(sessions_router(api))
    app.include_router(openai_router(api))
    app.include_router(events_router(api))
    app.include_router(catalog_router(api))  # admin: live catalog updates
    app.include_router(ui_strings_router(backend))  # the widget's words for this catalog

    @app.get("/widget.js", include_in_schema=False)
    def widget_js() -> FileResponse:
        return FileResponse(STATIC / "widget.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})

    @app.get("/widget.css", include_in_schema=False)
    def widget_css() -> FileResponse:
        return FileResponse(STATIC / "widget.css", media_type="text/css", headers={"Cache-Control": "no-cache"})

    # Outermost last: request id -> response counts -> security headers -> CORS (so errors carry CORS headers
    # too) -> body size guard -> routes.
    app.add_middleware(BodySizeGuard, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.allowed_origins),
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "Accept", REQUEST_ID_HEADER],
        expose_headers=[TOKEN_HEADER, "Retry-After", REQUEST_ID_HEADER],
        max_age=600,
    )
    app.add_middleware(SecurityHeaders, allowed_origins=list(settings.allowed_origins))
    app.add_middleware(CountResponses, metrics=http_metrics)
    app.add_middleware(RequestIds)
    return app
