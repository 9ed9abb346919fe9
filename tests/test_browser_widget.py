"""The embeddable widget in a real chromium: a page on another port (allowed origin) chats end to end;
a page from an origin not allowed cannot; markup typed or returned shows as text and never runs; data-lang sets
the language of the widget's words and of every message (tests/widget_kit.py: the shop page and the service)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.http.app import create_app
from bot.http.auth import issue_token
from tests.card_fixtures import assert_b1_picture_and_link, hostile_shop_catalog
from tests.fake_backend import CHROMIUM, SECRET, FakeBackend, free_port, live_server, make_settings, screenshot
from tests.widget_kit import ROOT, XSS, chat, done_js, open_page, ports, service, shop_page, stored

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium (apt-get install chromium)"),
]
__all__ = ["open_page", "ports", "service"]  # fixtures used by name


def test_widget_chats_from_an_allowed_origin(
    open_page: Any, service: tuple[str, FakeBackend], ports: dict[str, int]
) -> None:
    url, backend = service
    token = issue_token(SECRET, "shopper-7")
    with live_server(shop_page(url, token), port=ports["allowed"]) as shop:
        page = open_page(shop + "/")
        reply = chat(page, "a crime film")
        page.locator("#concierge-log .concierge-card").first.wait_for(timeout=30_000)
        page.wait_for_function(
            done_js(1),
            timeout=30_000,
        )
        assert reply.text_content() == "You asked: a crime film. Here are 4 films from the catalog."
        titles = page.locator("#concierge-log .concierge-title").all_text_contents()
        assert titles == [
            "Heat (1995)",
            "The Godfather (1972)",
            "The Untouchables (1987)",
            "The Shawshank Redemption (1994)",
        ]
        page.locator(".concierge-card").first.get_by_role("button", name="like", exact=True).click()
        page.locator(".concierge-card").first.get_by_text("liked", exact=True).wait_for(timeout=30_000)
        assert backend.events["shopper-7"] == [("6", "like")]
        chat(page, "and heat?")
        page.wait_for_function(
            done_js(2),
            timeout=30_000,
        )
        sessions = {call["session_id"] for call in backend.calls if call["user_id"] == "shopper-7"}
        assert len(sessions) == 1  # both turns in one session of this user
        state = stored(page, url)  # the session is kept for a reload; the shop's own token never is
        assert state["visitor"] is None and token not in str(state)
        assert list(state["sessions"]) == ["signed"] and state["sessions"]["signed"]["id"] == next(iter(sessions))
        screenshot(page, "widget_allowed_origin")


def test_widget_from_a_disallowed_origin_cannot_chat(
    open_page: Any, service: tuple[str, FakeBackend], ports: dict[str, int]
) -> None:
    url, backend = service
    calls = len(backend.calls)
    with live_server(shop_page(url, issue_token(SECRET, "intruder")), port=ports["other"]) as shop:
        page = open_page(shop + "/")
        reply = chat(page, "a crime film")
        page.locator("#concierge-log .concierge-error").wait_for(timeout=30_000)
        assert reply.text_content().startswith("Sorry, the chat is unavailable")
        assert page.locator(".concierge-card").count() == 0
        screenshot(page, "widget_disallowed_origin")
    assert len(backend.calls) == calls
    assert all(call["user_id"] != "intruder" for call in backend.calls)


def test_widget_shows_markup_as_text_and_runs_nothing(
    open_page: Any, service: tuple[str, FakeBackend], ports: dict[str, int]
) -> None:
    url, _ = service
    with live_server(shop_page(url, None), port=ports["allowed"]) as shop:  # anonymous visitor
        page = open_page(shop + "/")
        reply = chat(page, XSS)
        page.locator("#concierge-log .concierge-card").first.wait_for(timeout=30_000)
        page.wait_for_function(
            done_js(1),
            timeout=30_000,
        )
        assert page.locator("#concierge-log .concierge-user").text_content() == XSS
        assert reply.text_content() == f"You asked: {XSS}. Here are 1 films from the catalog."
        assert "<img src=x" in page.locator(".concierge-reason").first.text_content()
        assert page.locator("#concierge-panel img").count() == 0
        assert page.evaluate("window.__pwned") is None
        screenshot(page, "widget_escaped_markup")


def test_widget_data_lang_sets_words_and_message_language(
    open_page: Any, service: tuple[str, FakeBackend], ports: dict[str, int]
) -> None:
    url, backend = service
    for lang, placeholder in (("es", "Pide una película…"), (None, "Ask for a film…")):
        with live_server(shop_page(url, None, lang), port=ports["allowed"]) as shop:
            page = open_page(shop + "/")
            requests: list[Any] = []
            page.on("request", lambda r, seen=requests: seen.append(r) if r.url.startswith(url) else None)
            page.locator("#concierge-bubble").click()  # the widget asks for its words again when opened
            page.wait_for_function(
                f"text => {ROOT}.querySelector('#concierge-input').placeholder === text",
                arg=placeholder,
                timeout=30_000,
            )
            chat(page, "a crime film")
            page.locator("#concierge-log .concierge-card").first.wait_for(timeout=30_000)
            page.wait_for_function(
                done_js(1),
                timeout=30_000,
            )
            words = [r.url for r in requests if "/api/v1/ui-strings" in r.url]
            sent = [r.post_data_json for r in requests if r.url.endswith("/messages")]
            assert words and all(w.endswith("?language=es") if lang else "language" not in w for w in words)
            assert sent == [{"text": "a crime film", "language": lang} if lang else {"text": "a crime film"}]
            assert backend.calls[-1]["language"] == lang  # without data-lang: none, the service detects it
            if lang:
                assert page.locator("#concierge-panel").get_attribute("lang") == "es"
                screenshot(page, "widget_data_lang_es")


# ---- cards with a picture and a link (a catalog with display fields; hostile title and URLs) ------------------
@pytest.fixture(scope="module")
def shop_service(tmp_path_factory: pytest.TempPathFactory, ports: dict[str, int]) -> Iterator[str]:
    """The hostile shop catalog, b1's cover served by the service's own host (a 404 is fine: only the attributes
    are checked)."""
    port = free_port()
    backend = FakeBackend(catalog=hostile_shop_catalog(f"http://127.0.0.1:{port}"))
    settings = make_settings(
        tmp_path_factory.mktemp("widget-shop-home"), allowed_origins=[f"http://127.0.0.1:{ports['allowed']}"]
    )
    with live_server(create_app(settings, backend), port=port) as url:
        yield url


def test_widget_cards_show_picture_and_link_and_keep_catalog_text_inert(
    open_page: Any, shop_service: str, ports: dict[str, int]
) -> None:
    with live_server(shop_page(shop_service, None), port=ports["allowed"]) as shop:
        page = open_page(shop + "/")
        chat(page, "fantasy")
        page.locator("#concierge-log .concierge-card").nth(2).wait_for(timeout=30_000)
        cards = page.locator("#concierge-log .concierge-card")
        cover = cards.first.locator("img.concierge-cover")
        assert_b1_picture_and_link(cover, cards.first.locator(".concierge-title a"), shop_service, ("48", "72"))
        assert cards.first.locator(".concierge-price").text_content() == "12.50 EUR"
        for n in (1, 2):  # the unsafe URLs became neither a picture nor a link
            assert cards.nth(n).locator("img, a").count() == 0
        assert page.locator("#concierge-panel script, #concierge-panel [onerror]").count() == 0
        assert page.evaluate("window.__pwned") is None
        screenshot(page, "widget_cards_with_pictures")
