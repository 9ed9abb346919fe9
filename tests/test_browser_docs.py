"""/docs (Swagger UI) and /redoc in a real chromium with every request to another host aborted: both render the
API's operations from assets the app serves itself (fastapi-offline), and no request leaves the server (the pages'
CSP also keeps ReDoc's bundled link to its logo on cdn.redoc.ly from being fetched)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from bot.http.app import create_app
from tests.fake_backend import CHROMIUM, FakeBackend, live_server, make_settings, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home: Path = tmp_path_factory.mktemp("docs-home")
    with live_server(create_app(make_settings(home), FakeBackend())) as url:
        yield url


def offline_page(browser: Any, service: str) -> tuple[Any, Any, list[str], list[str]]:
    """A page whose requests to any other origin are aborted; returns (context, page, served, blocked)."""
    served: list[str] = []
    blocked: list[str] = []
    origin = urlsplit(service).netloc
    context = browser.new_context(viewport={"width": 1200, "height": 900})

    def guard(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).netloc != origin:
            blocked.append(url)
            route.abort()
        else:
            served.append(url)
            route.continue_()

    context.route("**/*", guard)
    return context, context.new_page(), served, blocked


@pytest.mark.parametrize(
    ("path", "operation"),
    [
        ("/docs", ".opblock .opblock-summary-path[data-path='/api/v1/sessions']"),
        ("/redoc", "[data-section-id^='tag/sessions'], [data-section-id*='operation']"),
    ],
)
def test_api_docs_render_without_any_other_host(browser: Any, service: str, path: str, operation: str) -> None:
    context, page, served, blocked = offline_page(browser, service)
    try:
        response = page.goto(service + path)
        assert "img-src 'self' data:" in response.headers["content-security-policy"]
        page.locator(operation).first.wait_for(timeout=30_000)
        text = page.locator("body").inner_text()
        assert "Concierge" in text and "/api/v1/sessions" in text
        screenshot(page, f"api-docs-{path.strip('/')}")
    finally:
        context.close()
    assert blocked == [], f"requests left the server: {blocked}"
    assert any("/static-offline-docs/" in url for url in served)  # the UI's own assets came from the app
    assert any(url.endswith("/openapi.json") for url in served)
