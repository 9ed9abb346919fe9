"""Cards with a picture and a link, for the chat UI's and the widget's browser tests: a small catalog with display
fields under a hostile title and hostile URLs, and the checks on the card that shows them."""

from __future__ import annotations

from typing import Any

from bot.agent.events import ItemView
from store.display_fields import DisplayFields

EVIL_TITLE = '<script>window.__pwned=1</script>"onerror="window.__pwned=1'
B1_LINK = "https://books.example/b1"


def hostile_shop_catalog(cover_base: str) -> dict[str, ItemView]:
    """b1: a cover under cover_base and a link, under a hostile title; b2: javascript:/quote-breaking URLs (which
    the card drops again, even though they reached it); b3: a data: URL."""
    return {
        "b1": ItemView(
            "b1",
            EVIL_TITLE,
            2001,
            ("Fantasy",),
            "",
            1.0,
            DisplayFields(f"{cover_base}/covers/b1.jpg", B1_LINK, 12.5, "EUR"),
        ),
        "b2": ItemView(
            "b2",
            "Plain",
            None,
            ("Fantasy",),
            "",
            0.9,
            DisplayFields("javascript:window.__pwned=1", 'https://books.example/b2"onerror="window.__pwned=1'),
        ),
        "b3": ItemView("b3", "Bare", None, ("Fantasy",), "", 0.8, DisplayFields("data:image/png;base64,AAAA")),
    }


def assert_b1_picture_and_link(cover: Any, link: Any, cover_base: str, size: tuple[str, str]) -> None:
    """b1's card (Playwright locators of its cover <img> and title <a>): a lazy cover of that (width, height) with
    the hostile title as plain alt text, and a link that opens in a new tab without an opener."""
    assert cover.get_attribute("src") == f"{cover_base}/covers/b1.jpg"
    assert cover.get_attribute("alt") == EVIL_TITLE
    assert cover.get_attribute("loading") == "lazy"
    assert (cover.get_attribute("width"), cover.get_attribute("height")) == size
    assert link.get_attribute("href") == B1_LINK
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.text_content() == EVIL_TITLE + " (2001)"
