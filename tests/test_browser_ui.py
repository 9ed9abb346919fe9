"""The Gradio UI in a real chromium (fake backend): streamed chat, cards, feedback -> chart, escaping, offline."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.http.app import create_app
from bot.http.gradio_ui import mount_ui
from tests.card_fixtures import assert_b1_picture_and_link, hostile_shop_catalog
from tests.fake_backend import CHROMIUM, FakeBackend, free_port, live_server, make_settings, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (apt-get install chromium)"),
]
XSS = "crime <img src=x onerror=window.__pwned=1> <b>bold</b>"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeBackend]]:
    backend = FakeBackend(token_delay_s=0.12)
    settings = make_settings(tmp_path_factory.mktemp("ui-home"), auth="demo")
    with live_server(mount_ui(create_app(settings, backend), settings, backend)) as url:
        yield url, backend


@pytest.fixture
def page(browser: Any, served: tuple[str, FakeBackend]) -> Iterator[Any]:
    url, _ = served
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.outside_requests = []
    page.on(
        "request",
        lambda r: None if r.url.startswith((url, "data:", "blob:")) else page.outside_requests.append(r.url),
    )
    page.goto(url + "/")
    page.locator("#message textarea").wait_for(timeout=60_000)
    page.locator("#profile-chart img").wait_for(timeout=30_000)
    yield page
    context.close()


def send(page: Any, text: str) -> None:
    box = page.locator("#message textarea")
    box.fill(text)
    box.press("Enter")


def chart_src(page: Any) -> str:
    return str(page.locator("#profile-chart img").first.get_attribute("src"))


def test_chat_streams_then_cards_then_like_changes_chart(page: Any, served: tuple[str, FakeBackend]) -> None:
    _, backend = served
    before = chart_src(page)
    send(page, "a crime film please")
    bot = page.locator("#chat .bot-row").last
    # streaming: the reply is seen part-written before it is complete
    page.wait_for_function(
        "() => { const rows = document.querySelectorAll('#chat .bot-row');"
        " const t = rows.length ? rows[rows.length - 1].innerText : '';"
        " return t.includes('You asked') && !t.includes('catalog.'); }",
        timeout=30_000,
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('#chat .bot-row')].some(r => r.innerText.includes('catalog.'))",
        timeout=30_000,
    )
    assert "You asked: a crime film please. Here are 4 films from the catalog." in bot.inner_text()
    first_card = page.locator("#card-0")
    first_card.wait_for(timeout=30_000)
    assert "Heat (1995)" in first_card.inner_text()
    assert "Action, Crime, Thriller" in first_card.inner_text()
    assert page.locator("[id^=card-]").count() == 4
    screenshot(page, "ui_chat_cards")
    page.locator("#like-0").click()
    page.wait_for_function(
        "before => { const img = document.querySelector('#profile-chart img'); return img && img.src !== before; }",
        arg=before,
        timeout=30_000,
    )
    page.locator("#card-0").get_by_text("liked").wait_for(timeout=30_000)
    assert "1 events" in page.locator("#profile-summary textarea").input_value()
    user = backend.calls[-1]["user_id"]
    assert user.startswith("anon-") and backend.events[user] == [("6", "like")]
    screenshot(page, "ui_after_like")
    assert page.outside_requests == []


def test_markup_in_chat_shows_as_text_and_never_runs(page: Any) -> None:
    send(page, XSS)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#chat .bot-row')].some(r => r.innerText.includes('catalog.'))",
        timeout=30_000,
    )
    page.locator("#card-0").wait_for(timeout=30_000)
    assert XSS in page.locator("#chat .user-row").last.inner_text()
    assert f"You asked: {XSS}." in page.locator("#chat .bot-row").last.inner_text()
    assert "<img src=x" in page.locator("#card-0").inner_text()
    assert page.locator("#chat img[src=x], #chat b, [id^=card-] img").count() == 0
    assert page.evaluate("window.__pwned") is None
    screenshot(page, "ui_escaped_markup")


def test_demo_user_picker_shows_their_profile(page: Any) -> None:
    before = chart_src(page)
    page.locator("#user-picker input").click()
    page.get_by_role("option", name="2", exact=True).click()
    page.wait_for_function(
        "before => { const img = document.querySelector('#profile-chart img'); return img && img.src !== before; }",
        arg=before,
        timeout=30_000,
    )
    assert "2 events" in page.locator("#profile-summary textarea").input_value()
    screenshot(page, "ui_demo_user")


def test_ui_page_may_only_be_framed_by_allowed_origins(served: tuple[str, FakeBackend]) -> None:
    import httpx

    url, _ = served
    csp = httpx.get(url + "/", timeout=30).headers["content-security-policy"]
    assert csp == "frame-ancestors 'self' http://127.0.0.1:1"


def test_screenshots_are_saved() -> None:
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    assert (artifacts / "ui_chat_cards.png").stat().st_size > 10_000


# ---- cards with a picture and a link (a catalog with display fields; hostile title and URLs) ------------------
@pytest.fixture(scope="module")
def shop_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    backend = FakeBackend(catalog=hostile_shop_catalog(f"http://127.0.0.1:{port}"))
    settings = make_settings(tmp_path_factory.mktemp("ui-shop-home"))
    with live_server(mount_ui(create_app(settings, backend), settings, backend), port=port) as url:
        yield url


def test_cards_show_picture_and_link_and_keep_catalog_text_inert(browser: Any, shop_served: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith((shop_served, "data:", "blob:")) else outside.append(r.url))
    try:
        page.goto(shop_served + "/")
        page.locator("#message textarea").wait_for(timeout=60_000)
        send(page, "fantasy")
        page.locator("#card-2").wait_for(timeout=30_000)
        cover = page.locator("#card-0 img.cover")
        cover.wait_for(timeout=30_000)
        assert_b1_picture_and_link(cover, page.locator("#card-0 a"), shop_served, ("64", "96"))
        assert "12.50 EUR" in page.locator("#card-0").inner_text()
        for n in (1, 2):  # the unsafe URLs became neither a picture nor a link
            assert page.locator(f"#card-{n} img, #card-{n} a").count() == 0
        assert page.locator("[id^=card-] script, [id^=card-] [onerror]").count() == 0
        assert page.evaluate("window.__pwned") is None
        screenshot(page, "ui_cards_with_pictures")
        assert outside == []
    finally:
        context.close()
