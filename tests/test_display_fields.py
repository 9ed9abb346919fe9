"""Card display fields (picture, link, price): only http(s) URLs pass; fixed API names; escaped UI cards."""

from __future__ import annotations

import pytest

from bot.agent.decision import DialogueState
from bot.agent.dialogue_state import state_from_dict, state_to_dict
from bot.agent.events import ItemView
from bot.http.cards import card_html
from bot.http.openai_routes import content_with_items
from store.catalog_profile import CatalogProfile, shipped_profile
from store.display_fields import DisplayFields, display_fields_of, http_url, price_of
from store.items import CatalogItem

SHOP = CatalogProfile(image_field="photo", link_field="page", price_field="cost", currency="EUR")
UNSAFE_URLS = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "data:image/svg+xml;base64,PHN2Zz4=",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x.png",
    "/relative/cover.jpg",
    "https://",
    'https://x.example/a.jpg" onerror="alert(1)',
    "https://x.example/<script>",
    "https://x.example/a b.jpg",
    "https://x.example/\x00a.jpg",
    "https://x.example:99999/a.jpg",
    "http://[::1/a",
    "https://x.example/" + "a" * 3000,
    "",
    None,
    42,
    ["https://x.example/a.jpg"],
]


@pytest.mark.parametrize("value", UNSAFE_URLS)
def test_unsafe_urls_are_dropped(value: object) -> None:
    assert http_url(value) is None


@pytest.mark.parametrize(
    "value",
    ["https://images.gr-assets.com/books/1447303603m/2767052.jpg", "http://shop.example/p?id=1&x=%20", "HTTPS://A.B/c"],
)
def test_http_urls_pass(value: str) -> None:
    assert http_url(value) == value


@pytest.mark.parametrize(("value", "price"), [(12.5, 12.5), ("12,99", 12.99), (" 3 ", 3.0), (0, 0.0)])
def test_prices_are_read_from_numbers_and_text(value: object, price: float) -> None:
    assert price_of(value) == price


@pytest.mark.parametrize("value", [True, "cheap", "nan", "inf", -1, None, {"eur": 1}])
def test_non_prices_are_dropped(value: object) -> None:
    assert price_of(value) is None


def test_display_fields_use_the_profile_columns_under_fixed_names() -> None:
    item = CatalogItem(
        "a1",
        "Blue Mug",
        extra={"photo": "https://cdn.example/mug.jpg", "page": "https://shop.example/a1", "cost": "9.5"},
    )
    fields = display_fields_of(item, SHOP)
    assert fields.to_dict() == {
        "image_url": "https://cdn.example/mug.jpg",
        "url": "https://shop.example/a1",
        "price": 9.5,
        "currency": "EUR",
    }
    assert fields.price_label() == "9.50 EUR"


def test_unsafe_and_missing_fields_add_nothing() -> None:
    item = CatalogItem("a2", "Red Pan", extra={"photo": "data:image/png;base64,AAAA", "page": "javascript:x()"})
    assert display_fields_of(item, SHOP).to_dict() == {}
    assert display_fields_of(CatalogItem("a3", "Cup"), SHOP) == DisplayFields()


def test_the_film_profile_names_no_display_fields() -> None:
    item = CatalogItem("6", "Heat", 1995, extra={"source_title": "Heat (1995)", "tmdb_id": 949})
    assert display_fields_of(item, shipped_profile("film")).to_dict() == {}


def test_books_profile_shows_cover_and_link() -> None:
    item = CatalogItem(
        "1", "The Hunger Games", 2008, extra={"image_url": "https://i.example/1.jpg", "url": "https://g.example/1"}
    )
    assert display_fields_of(item, shipped_profile("books")).to_dict() == {
        "image_url": "https://i.example/1.jpg",
        "url": "https://g.example/1",
    }


def test_item_view_dict_round_trip_checks_urls_again() -> None:
    view = ItemView(
        "a1", "Mug", None, (), "r", 0.5, DisplayFields("https://c.example/m.jpg", "https://s.example/a1", 2.0, "EUR")
    )
    data = view.to_dict()
    assert ItemView.from_dict(data) == view
    assert "image_url" not in ItemView("6", "Heat", 1995, ("Crime",), "", 1.0).to_dict()
    tampered = {**data, "image_url": "javascript:alert(1)", "url": "data:text/html,x"}
    assert ItemView.from_dict(tampered).display == DisplayFields(price=2.0, currency="EUR")


def test_dialogue_state_keeps_display_fields() -> None:
    view = ItemView("a1", "Mug", None, (), "r", 0.5, DisplayFields("https://c.example/m.jpg", "https://s.example/a1"))
    state = state_from_dict(state_to_dict(DialogueState(last_items=[view])))
    assert state.last_items == [view]


def test_openai_content_lists_price_and_link() -> None:
    view = ItemView(
        "a1",
        "Mug",
        None,
        ("Kitchen",),
        "stoneware",
        0.5,
        DisplayFields(url="https://s.example/a1", price=9.5, currency="EUR"),
    )
    assert (
        content_with_items("Here.", [view]) == "Here.\n\n1. Mug — Kitchen: stoneware · 9.50 EUR <https://s.example/a1>"
    )


EVIL_TITLE = '<script>window.__pwned=1</script>"onerror="window.__pwned=1'


def test_card_html_shows_picture_and_link_with_everything_escaped() -> None:
    item = {
        "item_id": "1",
        "title": EVIL_TITLE,
        "year": 2001,
        "genres": ["Kitchen"],
        "reason": "r",
        "image_url": "https://c.example/m.jpg?a=1&b=2",
        "url": "https://s.example/a1",
        "price": 9.5,
        "currency": "EUR",
    }
    html = card_html(item)
    assert "<script" not in html and '"onerror' not in html and html.count("&lt;script&gt;") == 2
    assert '<img class="cover" src="https://c.example/m.jpg?a=1&amp;b=2"' in html and 'loading="lazy"' in html
    assert 'alt="&lt;script&gt;window.__pwned=1&lt;/script&gt;&quot;onerror=&quot;window.__pwned=1"' in html
    assert '<a href="https://s.example/a1" target="_blank" rel="noopener noreferrer">' in html
    assert '<div class="price">9.50 EUR</div>' in html


def test_card_html_drops_unsafe_urls_it_is_given() -> None:
    item = {"item_id": "1", "title": "Mug", "image_url": "javascript:alert(1)", "url": 'https://a.example/"onerror="x'}
    html = card_html(item)
    assert "<img" not in html and "<a " not in html and "javascript" not in html and "onerror" not in html
