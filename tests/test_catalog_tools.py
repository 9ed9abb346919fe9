"""search_catalog and item_details tools, and fuzzy title resolution."""

from __future__ import annotations

import pytest

from store.catalog import CatalogStore
from store.embedder import HashingEmbedder
from tests.catalog_fixtures import demo_items, popular_items
from tools.context import ToolContext
from tools.results import ToolInputError
from tools.search import item_details, search_catalog
from tools.titles import TitleIndex


@pytest.fixture(scope="module")
def ctx() -> ToolContext:
    items = popular_items(500)
    store = CatalogStore.from_items(items, HashingEmbedder())
    return ToolContext(store, None, store.embedder, TitleIndex(items), "u")  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def titles() -> TitleIndex:
    return TitleIndex(list(demo_items()))


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("godfather", "The Godfather (1972)"),
        ("The Godfather", "The Godfather (1972)"),
        ("godfahter", "The Godfather (1972)"),
        ("the matrix", "The Matrix (1999)"),
        ("heat 1995", "Heat (1995)"),
        ("HEAT", "Heat (1995)"),
        ("pulp fiktion", "Pulp Fiction (1994)"),
        ("858", "The Godfather (1972)"),
        ("se7en", "Seven (a.k.a. Se7en) (1995)"),
        ("12 monkeys", "Twelve Monkeys (a.k.a. 12 Monkeys) (1995)"),
        ("amelie", "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)"),
    ],
)
def test_resolve(titles: TitleIndex, query: str, label: str) -> None:
    assert titles.resolve(query).label == label


def test_unknown_title_gives_suggestions(titles: TitleIndex) -> None:
    with pytest.raises(ToolInputError, match="No item matches") as info:
        titles.resolve("Qwxz Blorpt")
    assert isinstance(info.value.suggestions, list)
    with pytest.raises(ToolInputError) as near:
        titles.resolve("Godfather Returns Again")
    assert any("Godfather" in s for s in near.value.suggestions)


def test_item_details_by_fuzzy_title(ctx: ToolContext) -> None:
    result = item_details(ctx, "godfather")
    facts = result.data["item"]
    assert facts["title"] == "The Godfather" and facts["year"] == 1972 and "Crime" in facts["genres"]
    assert "mafia" in facts["overview"].lower() or "corleone" in facts["overview"].lower()
    assert [s.item.item_id for s in result.items] == ["858"]


def test_search_tool_filters_and_provenance(ctx: ToolContext) -> None:
    result = search_catalog(ctx, "gangster family", genres=["Crime"], year_from=1970, year_to=1999, k=5)
    assert result.items
    for scored in result.items:
        assert "Crime" in scored.item.genres and 1970 <= (scored.item.year or 0) <= 1999
        assert scored.provenance["matched_genres"] == ["Crime"] and scored.provenance["year_from"] == 1970
        assert scored.reason


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"genres": ["Cooking"]}, "unknown genre"),
        ({"year_from": 2000, "year_to": 1990}, "after year_to"),
        ({"k": 0}, "k must be between"),
        ({"year_from": 20000}, "year_from must be a year"),
    ],
)
def test_search_tool_rejects_bad_arguments(ctx: ToolContext, kwargs: dict, message: str) -> None:
    with pytest.raises(ToolInputError, match=message):
        search_catalog(ctx, "anything", **kwargs)
    with pytest.raises(ToolInputError, match="empty"):
        search_catalog(ctx, "  ")
