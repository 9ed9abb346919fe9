"""Facet filters in the tools: values matched fuzzily against the catalog's own values (ambiguous -> ask),
unknown facets named with the known ones, ranges with their unit, and search / recommend / similar honouring them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.agent.reply_templates import constraints_text
from prompts.locale import shipped_locales
from store.catalog import CatalogStore
from store.facet_match import FacetValueMatcher
from store.history import HistoryStore
from tests.facet_fixtures import SHOP_PROFILE, books_store, shop_store
from tools.context import ToolContext
from tools.facets import FACET_FILTERS, FacetFilter
from tools.recommend import recommend, similar_items
from tools.recommender.engine import Recommender
from tools.results import ToolInputError
from tools.search import search_catalog
from tools.titles import TitleIndex


def context(store: CatalogStore, folder: Path) -> ToolContext:
    history = HistoryStore(folder / "history.sqlite3")
    recommender = Recommender.without_history(store)
    return ToolContext(store, history, store.embedder, TitleIndex(store.items()), "u", recommender=recommender)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> ToolContext:
    return context(books_store(), tmp_path_factory.mktemp("books"))


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> ToolContext:
    return context(shop_store(), tmp_path_factory.mktemp("shop"))


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("agatha christie", "Agatha Christie"),
        ("Stephen  King", "Stephen King"),
        ("Tolkien", "J.R.R. Tolkien"),  # Christopher Tolkien co-wrote one book: J.R.R. clearly dominates
        ("jrr tolkien", "J.R.R. Tolkien"),
        ("J. R. R. Tolkien", "J.R.R. Tolkien"),
        ("Stphen King", "Stephen King"),
        ("King", None),  # Stephen King (5 books) or Owen King (2): asked, not guessed
    ],
)
def test_values_match_fuzzily(books: ToolContext, written: str, value: str | None) -> None:
    assert books.catalog.facets.matcher("authors").match(written).value == value


def test_ambiguous_and_unknown_values() -> None:
    matcher = FacetValueMatcher({"Christopher Paolini": 1, "Christopher Tolkien": 1, "Stephen King": 5})
    asked = matcher.match("Christopher")
    assert asked.value is None and asked.ambiguous
    assert set(asked.candidates) == {"Christopher Paolini", "Christopher Tolkien"}
    unknown = matcher.match("Dan Brown")
    assert unknown.value is None and not unknown.ambiguous


def test_search_filters_by_author_and_says_so(books: ToolContext) -> None:
    result = search_catalog(books, "a scary story", facets={"authors": ["stephen king"]}, k=10)
    assert result.items
    assert all("Stephen King" in str(s.item.extra["authors"]) for s in result.items)
    assert result.data[FACET_FILTERS] == ["by Stephen King"]
    assert "by Stephen King" in result.items[0].provenance["filters_matched"]
    assert "by Stephen King" in constraints_text({"genres": ["Horror"]}, result.data[FACET_FILTERS])


def test_facet_errors_name_what_is_known(books: ToolContext, shop: ToolContext) -> None:
    with pytest.raises(ToolInputError, match=r"unknown exact facet 'brand'.*authors \(author\)") as raised:
        search_catalog(books, "x", facets={"brand": ["Acme"]})
    assert "authors" in raised.value.suggestions
    with pytest.raises(ToolInputError, match=r"matches several: .*Christopher Paolini") as asked:
        recommend(books, facets={"author": ["Christopher"]})
    assert set(asked.value.suggestions) == {"Christopher Paolini", "Christopher Tolkien"}
    with pytest.raises(ToolInputError, match=r"no author 'Dan Brown'"):
        recommend(books, facets={"authors": ["Dan Brown"]})
    with pytest.raises(ToolInputError, match=r"no range facets"):
        recommend(books, max_values={"price": 20})
    with pytest.raises(ToolInputError, match=r"above its maximum"):
        search_catalog(shop, "mug", min_values={"price": 30}, max_values={"price": 10})


def test_price_range_and_brand_in_search_and_recommend(shop: ToolContext) -> None:
    result = search_catalog(shop, "mug", max_values={"price": 20})
    assert result.items and all(s.item.extra["price"] <= 20 for s in result.items)
    assert result.data[FACET_FILTERS] == ["under 20 euros"]
    ranked = recommend(shop, query="mug", facets={"brand": ["acme"]}, min_values={"price": 7})
    assert {s.item.item_id for s in ranked.items} == {"m1", "m2"}
    assert ranked.data[FACET_FILTERS] == ["from Acme", "over 7 euros"]
    between = search_catalog(shop, "gift", min_values={"price": 10}, max_values={"price": 30})
    assert {s.item.item_id for s in between.items} <= {"m1", "m3", "v1"}
    assert between.data[FACET_FILTERS] == ["price 10–30 euros"]


def test_similar_items_honour_facets(books: ToolContext) -> None:
    result = similar_items(books, "The Hobbit", facets={"authors": ["Tolkien"]})
    assert result.items and all("Tolkien" in str(s.item.extra["authors"]) for s in result.items)
    assert all(s.item.title != "The Hobbit" for s in result.items)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en", ["from Acme or Zeta", "price 5–20 euros", "under 20 euros"]),
        ("zh", ["品牌：Acme或Zeta", "价格5–20 euros", "20 euros以下"]),
        ("es", ["marca: Acme o Zeta", "precio 5–20 euros", "menos de 20 euros"]),
        ("de", ["Marke: Acme oder Zeta", "Preis 5–20 euros", "unter 20 euros"]),
    ],
)
def test_facet_filters_are_described_in_the_turns_language(code: str, expected: list[str]) -> None:
    words = shipped_locales().get(code)
    both = FacetFilter(values={"brand": ["Acme", "Zeta"]}, ranges={"price": (5.0, 20.0)})
    assert both.describe(SHOP_PROFILE, words) == expected[:2]
    assert FacetFilter(ranges={"price": (None, 20.0)}).describe(SHOP_PROFILE, words) == expected[2:]


def test_similar_items_within_filters_cite_only_what_the_anchor_shares(books: ToolContext) -> None:
    """A pick "like The Hobbit but a horror" is a horror book, and its reason names the anchor and no category the
    anchor does not have (a Horror pick is not "Like The Hobbit · Horror")."""
    result = similar_items(books, "The Hobbit", genres=["Horror"], year_from=1975)
    assert result.items and all("Horror" in s.item.genres and (s.item.year or 0) >= 1975 for s in result.items)
    for scored in result.items:
        assert scored.reason == "Like The Hobbit (1937)", scored.reason
    fantasy = similar_items(books, "The Hobbit", exclude_genres=["Horror"], year_to=1960)
    assert fantasy.items and all((s.item.year or 0) <= 1960 for s in fantasy.items)
    assert all(s.reason == "Like The Hobbit (1937) · Fantasy" for s in fantasy.items if "Fantasy" in s.item.genres)
