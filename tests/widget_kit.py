"""The widget's browser-test kit: a third-party shop page that embeds it, the live service with the fake backend
on a port of an allowed origin, a page opener, and the chat helpers (the widget lives in the open shadow root of
<concierge-widget>: playwright's CSS locators pierce it, page scripts reach it through ROOT)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from bot.http.app import create_app
from tests.fake_backend import FakeBackend, free_port, live_server, make_settings

XSS = "heat <img src=x onerror=window.__pwned=1>"
ROOT = "document.querySelector('concierge-widget').shadowRoot"


def shop_page(service_url: str, token: str | None, lang: str | None = None) -> Starlette:
    """A plain third-party page that embeds the widget (like examples/embed.html)."""
    attribute = (f' data-token="{token}"' if token else "") + (f' data-lang="{lang}"' if lang else "")

    def index(_: Request) -> HTMLResponse:
        return HTMLResponse(
            "<!doctype html><html><head><meta charset='utf-8'><title>Shop</title></head><body>"
            "<h1>A shop</h1><p>Some products.</p>"
            f'<script src="{service_url}/widget.js"{attribute}></script></body></html>'
        )

    return Starlette(routes=[Route("/", index)])


def done_js(count: int) -> str:
    """A page function: the log shows `count` bot replies and the last one is complete."""
    bots = f"{ROOT}.querySelectorAll('#concierge-log .concierge-bot')"
    return f"() => {bots}.length === {count} && {bots}[{count - 1}].textContent.endsWith('catalog.')"


@pytest.fixture(scope="module")
def ports() -> dict[str, int]:
    return {"allowed": free_port(), "other": free_port()}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, ports: dict[str, int]) -> Iterator[tuple[str, FakeBackend]]:
    backend = FakeBackend(token_delay_s=0.02)
    home: Path = tmp_path_factory.mktemp("widget-home")
    settings = make_settings(home, allowed_origins=[f"http://127.0.0.1:{ports['allowed']}"])
    with live_server(create_app(settings, backend)) as url:
        yield url, backend


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def opener(url: str, init_script: str | None = None, widget: bool = True) -> Any:
        context = browser.new_context(viewport={"width": 1100, "height": 800})
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        page.goto(url)
        if widget:
            page.locator("#concierge-bubble").wait_for(timeout=30_000)
        return page

    yield opener
    for context in contexts:
        context.close()


def chat(page: Any, text: str) -> Any:
    if page.locator("#concierge-panel").is_hidden():
        page.locator("#concierge-bubble").click()
    page.locator("#concierge-input").fill(text)
    page.locator("#concierge-input").press("Enter")
    return page.locator("#concierge-log .concierge-bot").last


def stored(page: Any, service_url: str) -> Any:
    """The widget's localStorage entry for this service (None when there is none)."""
    return page.evaluate("key => JSON.parse(localStorage.getItem(key))", f"concierge:v1:{service_url}")
