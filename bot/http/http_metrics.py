"""HTTP responses for GET /metrics: counted by method, route template and status class, 429s separately.

The route label is the matched route's template ("/api/v1/sessions/{session_id}/messages"), a mount's prefix and
"/*" for files under it, or "unmatched": never a raw path, so ids in URLs and probes of random paths add no
series. One HttpMetrics per app (create_app), in its own registry; /metrics appends it to the backend's.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MAX_ROUTE_CHARS = 100


def status_class(status: int) -> str:
    """200 -> "2xx"; anything outside 100-599 -> "other"."""
    return f"{status // 100}xx" if 100 <= status < 600 else "other"


def route_label(scope: Scope, entry_root_path: str) -> str:
    """The template of the route that served the request (with the prefix of the mounts it went through)."""
    route = scope.get("route")  # FastAPI sets it for its own routes only, not for mounts
    path = getattr(route, "path", None)
    root_path = str(scope.get("root_path", ""))
    prefix = root_path[len(entry_root_path) :] if root_path.startswith(entry_root_path) else ""
    if isinstance(route, Mount) or (prefix and not isinstance(path, str)):
        return f"{prefix}/*"[:MAX_ROUTE_CHARS]  # a mount's files, by its prefix (its mount path grew root_path)
    if not isinstance(path, str):
        return "unmatched"
    return (prefix + path or "/")[:MAX_ROUTE_CHARS]


class HttpMetrics:
    """Counters of the responses one app sent."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.responses = Counter(
            "concierge_http_responses",
            "HTTP responses by method, route template and status class (2xx, 4xx, 5xx...).",
            ["method", "route", "status_class"],
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "concierge_http_rate_limited",
            "HTTP 429 responses (rate limit reached) by route template; they count in 4xx too.",
            ["route"],
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int) -> None:
        self.responses.labels(method if method in METHODS else "other", route, status_class(status)).inc()
        if status == 429:
            self.rate_limited.labels(route).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class CountResponses:
    """ASGI middleware: counts each response by its status (a 500 for an error that escaped every handler)."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entry_root_path = str(scope.get("root_path", ""))
        status: int | None = None

        async def counting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        except Exception:
            status = status or 500
            raise
        finally:
            if status is not None:
                self.metrics.observe(str(scope.get("method", "")), route_label(scope, entry_root_path), status)
