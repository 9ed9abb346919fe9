"""Two small non-film catalogs with facets: a bookshop (authors, books profile) and a shop (brand, price); the router
over each of them (and over the tiny film catalog, to compare)."""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.agent.decision import Decision, DialogueState
from bot.agent.router.routing import Router
from store.catalog import CatalogStore
from store.catalog_profile import CatalogProfile, Facet, FacetKind, Noun, shipped_profile
from store.embedder import HashingEmbedder
from store.items import CatalogItem
from tests.router_fakes import tiny_catalog


def book(item_id: str, title: str, year: int, authors: str, genres: tuple[str, ...], overview: str = "") -> CatalogItem:
    return CatalogItem(item_id, title, year, genres, overview=overview, rating_count=10, extra={"authors": authors})


BOOKS = [
    book("b1", "Carrie", 1974, "Stephen King", ("Horror",), "A shy girl with telekinetic powers."),
    book("b2", "The Shining", 1977, "Stephen King", ("Horror",), "A haunted hotel in winter."),
    book("b3", "Misery", 1987, "Stephen King", ("Horror", "Thriller"), "A writer held captive by a fan."),
    book("b4", "Joyland", 2013, "Stephen King", ("Mystery",), "A summer job at an amusement park."),
    book("b5", "Sleeping Beauties", 2017, "Stephen King, Owen King", ("Horror",), "Women fall asleep."),
    book("b6", "Double Feature", 2013, "Owen King", ("Fiction",), "A film-maker and his father."),
    book("b7", "The King", 2014, "Jane Doe", ("Fiction",), "A story about a king."),
    book("b8", "The Hobbit", 1937, "J.R.R. Tolkien", ("Fantasy",), "A hobbit, a wizard and a dragon."),
    book("b9", "The Fellowship of the Ring", 1954, "J.R.R. Tolkien", ("Fantasy",), "A ring must be destroyed."),
    book("b10", "The Two Towers", 1954, "J.R.R. Tolkien", ("Fantasy",), "The fellowship is broken."),
    book("b11", "The Return of the King", 1955, "J.R.R. Tolkien", ("Fantasy",), "The war for Middle-earth."),
    book("b12", "The Silmarillion", 1977, "J.R.R. Tolkien, Christopher Tolkien", ("Fantasy",), "Elder days."),
    book("b13", "Murder on the Orient Express", 1934, "Agatha Christie", ("Mystery",), "A murder on a train."),
    book("b14", "And Then There Were None", 1939, "Agatha Christie", ("Mystery",), "Ten strangers on an island."),
    book("b15", "Eragon", 2002, "Christopher Paolini", ("Fantasy",), "A farm boy finds a dragon egg."),
    book("b16", "A Game of Thrones", 1996, "George R.R. Martin", ("Fantasy",), "Dragons and kings."),
]

SHOP_PROFILE = CatalogProfile(
    name="the Acme shop",
    item=Noun("product", "products"),
    category=Noun("department", "departments"),
    facets=(
        Facet("brand", "brand", FacetKind.EXACT, cue_words=("from", "by")),
        Facet("price", "price", FacetKind.RANGE, unit="euros"),
    ),
    price_field="price",
    currency="EUR",
)


def product(item_id: str, title: str, genres: tuple[str, ...], brand: str, price: float) -> CatalogItem:
    return CatalogItem(item_id, title, None, genres, overview=title, extra={"brand": brand, "price": price})


SHOP = [
    product("m1", "Blue Mug", ("Kitchen", "Gifts"), "Acme", 12.5),
    product("m2", "Red Mug", ("Kitchen",), "Acme", 9.9),
    product("m3", "Espresso Mug", ("Kitchen",), "Ironworks", 24.0),
    product("p1", "Cast Iron Pan", ("Kitchen",), "Ironworks", 45.0),
    product("t1", "Tea Towel", ("Gifts",), "Acme", 6.0),
    product("v1", "Glass Vase", ("Gifts",), "Ironworks", 30.0),
]


def books_store() -> CatalogStore:
    return CatalogStore.from_items(BOOKS, HashingEmbedder(), profile=shipped_profile("books"))


def shop_store() -> CatalogStore:
    return CatalogStore.from_items(SHOP, HashingEmbedder(), profile=SHOP_PROFILE)


@cache
def router_over(catalog: str) -> Router:
    """The router over "books", "shop" or "films" (tests.router_fakes' tiny film catalog), with a HashingEmbedder:
    the intent model is fake, the rules are real. One a catalog for the whole run: routing does not change it."""
    if catalog == "films":
        return Router(HashingEmbedder(), None, items=tiny_catalog())
    stores = {"books": books_store, "shop": shop_store}
    return Router(HashingEmbedder(), None, store=stores[catalog]())


def routed(catalog: str, text: str, state: DialogueState | None = None) -> Decision:
    """The decision of router_over(catalog) for text (in a new dialogue unless a state is given)."""
    return router_over(catalog).route(text, state or DialogueState())


def planned_calls(decision: Decision) -> list[tuple[str, dict[str, Any]]]:
    """(tool, arguments) of each call the decision plans."""
    return [(call.tool, call.arguments) for call in decision.calls]
