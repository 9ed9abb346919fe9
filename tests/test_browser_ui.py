"""The Gradio UI in a real chromium (fake backend): streamed chat, cards, feedback -> chart, escaping, offline;
the language picker; a Chinese request answered in Chinese (the real small backend)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.http.app import create_app
from bot.http.gradio_ui import mount_ui
from tests.app_fixtures import small_backend
from tests.card_fixtures import assert_b1_picture_and_link, hostile_shop_catalog
from tests.fake_backend import CHROMIUM, FakeBackend, free_port, live_server, make_settings, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (apt-get install chromium)"),
]
XSS = "crime <img src=x onerror=window.__pwned=1> <b>bold</b>"
CJK = "[\u4e00-\u9fff]"


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


def pick_language(page: Any, name: str) -> None:
    page.locator("#language-picker input").click()
    page.get_by_role("option", name=name, exact=True).click()


def placeholder_is(page: Any, text: str) -> None:
    page.wait_for_function(
        "text => document.querySelector('#message textarea').placeholder === text", arg=text, timeout=30_000
    )


def button_says(page: Any, selector: str, text: str) -> None:
    """Wait until a button reads `text` (a card drawn again in other words replaces its buttons)."""
    page.wait_for_function(
        "([selector, text]) => { const b = document.querySelector(selector);"
        " return b !== null && b.innerText.trim() === text; }",
        arg=[selector, text],
        timeout=30_000,
    )


def replied(page: Any, turns: int) -> None:
    """Wait until the chat holds `turns` complete replies (the fake's replies end with "catalog.")."""
    page.wait_for_function(
        "n => { const rows = [...document.querySelectorAll('#chat .bot-row')];"
        " return rows.length === n && rows[n - 1].innerText.includes('catalog.'); }",
        arg=turns,
        timeout=30_000,
    )


def test_language_picker_switches_the_words_and_asks_for_the_language(
    page: Any, served: tuple[str, FakeBackend]
) -> None:
    _, backend = served
    placeholder_is(page, "Ask for a film…")
    page.locator("#language-picker input").click()  # Auto, then each language by its own name
    names = [n.replace("✓", "").strip() for n in page.get_by_role("option").all_inner_texts()]  # ✓: the value
    assert names[0] == "Auto" and {"English", "中文", "Español", "Français"} <= set(names)
    page.get_by_role("option", name="Español", exact=True).click()
    placeholder_is(page, "Pide una película…")
    assert "del catálogo" in page.locator("#heading").inner_text()
    page.get_by_text("Las recomendaciones aparecen aquí como tarjetas.").wait_for(timeout=30_000)
    assert "qué sabes de mis gustos" in page.locator("#examples").inner_text()
    send(page, "a crime film")
    page.locator("#card-0").wait_for(timeout=30_000)
    replied(page, 1)
    assert backend.calls[-1]["language"] == "es"
    button_says(page, "#like-0", "me gusta")  # the card's buttons and mark too
    page.locator("#like-0").click()
    page.locator("#card-0").get_by_text("te gusta").wait_for(timeout=30_000)
    page.wait_for_function(
        "() => document.querySelector('#profile-summary textarea').value.endsWith('(es)')", timeout=30_000
    )  # the fake's summary names the language it was asked in
    assert "Resumen del perfil" in page.locator("#profile-summary").inner_text()
    screenshot(page, "ui_language_es")
    # Auto ("Automático" in Spanish words): detected again, the words of the conversation's language (fake: en)
    pick_language(page, "Automático")
    placeholder_is(page, "Ask for a film…")
    send(page, "heat")
    replied(page, 2)
    assert backend.calls[-1]["language"] is None
    assert backend.calls[-1]["session_id"] == backend.calls[-2]["session_id"]  # the same conversation


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


# ---- a Chinese request on the real small backend (router, templates, zh locale) ---------------------------------
@pytest.fixture(scope="module")
def real_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    backend = small_backend(tmp_path_factory.mktemp("ui-zh"), reply_mode="template")
    settings = make_settings(tmp_path_factory.mktemp("ui-zh-home"), reply_mode="template")
    with live_server(mount_ui(create_app(settings, backend), settings, backend)) as url:
        yield url


def test_chinese_request_gets_chinese_reply_cards_and_words(browser: Any, real_served: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(real_served + "/")
        page.locator("#message textarea").wait_for(timeout=60_000)
        page.locator("#profile-chart img").wait_for(timeout=30_000)
        send(page, "推荐几部90年代的喜剧片")  # "recommend a few 1990s comedies", language on Auto
        page.locator("#card-0").wait_for(timeout=60_000)
        page.wait_for_function(
            "cjk => { const rows = document.querySelectorAll('#chat .bot-row');"
            " return rows.length && new RegExp(cjk).test(rows[rows.length - 1].innerText)"
            " && !rows[rows.length - 1].innerText.startsWith('…'); }",
            arg=CJK,
            timeout=60_000,
        )
        reply = page.locator("#chat .bot-row").last.inner_text()
        assert "Sorry" not in reply and "喜剧" in reply and "1990" in reply, reply  # comedy, the 90s: understood
        assert page.locator("[id^=card-]").count() >= 3
        # Auto: the UI's own words follow the language the reply was in
        page.wait_for_function(
            "cjk => new RegExp(cjk).test(document.querySelector('#message textarea').placeholder)",
            arg=CJK,
            timeout=30_000,
        )
        assert re.search(CJK, page.locator("#heading").inner_text())
        button_says(page, "#like-0", "喜欢")  # the cards are drawn again in the words of the reply's language
        page.wait_for_function(
            "cjk => new RegExp(cjk).test(document.querySelector('#profile-summary').innerText)", arg=CJK, timeout=30_000
        )
        shown = page.locator("body").inner_text()
        english = ("Reply mode", "Profile summary", "Your profile", "Language", "Message", "Recommendations appear")
        assert [word for word in english if word in shown] == []  # the UI's own words are Chinese too
        screenshot(page, "ui_chinese_request")
    finally:
        context.close()
