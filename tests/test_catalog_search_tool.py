"""search_catalog / item_details: exact title first, genre spelling, argument checks, provenance, suggestions."""

from __future__ import annotations

import inspect
import random

import pytest

from store.catalog import CatalogStore
from store.embedder import HashingEmbedder
from tests.catalog_fixtures import popular_items
from tools.context import ToolContext
from tools.results import ToolInputError
from tools.search import item_details, search_catalog
from tools.titles import TitleIndex


@pytest.fixture(scope="module")
def ctx() -> ToolContext:
    items = popular_items(600)
    store = CatalogStore.from_items(items, HashingEmbedder())
    return ToolContext(store, None, store.embedder, TitleIndex(items), "u")  # type: ignore[arg-type]


@pytest.mark.parametrize("query", ["godfather", "The Godfather", "the matrix", "HEAT", "pulp fiction"])
def test_title_query_puts_that_title_first(ctx: ToolContext, query: str) -> None:
    first = search_catalog(ctx, query, k=5).items[0]
    assert first.provenance.get("title_match") is True and first.reason.startswith("Title match")
    assert first.item.title.lower().removeprefix("the ") == query.lower().removeprefix("the ")


def test_exact_title_still_obeys_filters(ctx: ToolContext) -> None:
    result = search_catalog(ctx, "The Godfather", year_from=1990, k=5)
    assert all(s.item.item_id != "858" and (s.item.year or 0) >= 1990 for s in result.items)


def test_genre_names_are_case_insensitive(ctx: ToolContext) -> None:
    result = search_catalog(ctx, "space adventure", genres=["sci-fi"], exclude_genres=["comedy"], k=10)
    assert result.items
    for scored in result.items:
        assert "Sci-Fi" in scored.item.genres and "Comedy" not in scored.item.genres
        assert scored.provenance["matched_genres"] == ["Sci-Fi"]


def test_every_filter_holds_for_random_queries(ctx: ToolContext) -> None:
    rng = random.Random(3)
    genres = list(ctx.catalog.genres)
    words = ["love", "war", "space", "family", "crime", "funny", "dark", "robot", "school", "music"]
    for _ in range(40):
        want = rng.sample(genres, rng.randint(0, 2))
        avoid = [g for g in rng.sample(genres, rng.randint(0, 1)) if g not in want]
        year_from = rng.choice([None, 1960, 1985, 2000])
        year_to = rng.choice([None, 1999, 2010]) if year_from is None or year_from <= 1999 else None
        min_rating = rng.choice([None, 3.0, 4.0])
        result = search_catalog(
            ctx,
            " ".join(rng.sample(words, 2)),
            genres=want or None,
            exclude_genres=avoid or None,
            year_from=year_from,
            year_to=year_to,
            min_rating=min_rating,
            k=rng.randint(1, 20),
        )
        for scored in result.items:
            item = scored.item
            assert not want or set(want) & set(item.genres)
            assert not set(avoid) & set(item.genres)
            assert year_from is None or (item.year is not None and item.year >= year_from)
            assert year_to is None or (item.year is not None and item.year <= year_to)
            assert min_rating is None or (item.rating_mean is not None and item.rating_mean >= min_rating)
            assert len(scored.provenance["filters_matched"]) == sum(
                x is not None for x in (want or None, avoid or None, min_rating)
            ) + (year_from is not None or year_to is not None)


def test_exclude_ids_and_k(ctx: ToolContext) -> None:
    first = search_catalog(ctx, "crime family", k=5)
    seen = [s.item.item_id for s in first.items]
    again = search_catalog(ctx, "crime family", exclude_ids=seen, k=5)
    assert len(again.items) == 5 and not set(seen) & {s.item.item_id for s in again.items}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"genres": ["Cooking"]}, "known genres: Action, Adventure"),
        ({"exclude_genres": ["Nope"]}, "unknown genre"),
        ({"k": 51}, "k must be between 1 and 50"),
        ({"min_rating": 7}, "min_rating must be between 0 and 5"),
        ({"year_to": 1500}, "year_to must be a year"),
    ],
)
def test_bad_arguments(ctx: ToolContext, kwargs: dict, message: str) -> None:
    with pytest.raises(ToolInputError, match=message):
        search_catalog(ctx, "anything", **kwargs)


def test_item_details_not_found_suggests_nearest(ctx: ToolContext) -> None:
    with pytest.raises(ToolInputError, match="No item matches 'Godfather Returns Again'") as info:
        item_details(ctx, "Godfather Returns Again")
    assert info.value.suggestions and any("Godfather" in s for s in info.value.suggestions)


def test_item_details_by_id_and_typo(ctx: ToolContext) -> None:
    by_id = item_details(ctx, "858")
    assert by_id.items[0].provenance["matched_by"] == "id"
    typo = item_details(ctx, "godfahter")
    assert typo.data["item"]["label"] == "The Godfather (1972)" and typo.items[0].provenance["matched_by"] == "title"


@pytest.mark.parametrize("tool", [search_catalog, item_details])
def test_docstrings_document_every_argument(tool: object) -> None:
    doc = inspect.getdoc(tool) or ""
    assert "Args:" in doc
    for name in list(inspect.signature(tool).parameters)[1:]:  # type: ignore[arg-type]
        assert f"    {name}: " in doc, name


def test_concurrent_searches_leave_blas_threads_as_they_were(ctx: ToolContext) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_info

    before = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda q: ctx.catalog.search(q, k=3), ["war", "love", "space", "crime"] * 10))
    assert all(len(r) == 3 for r in results)
    assert [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"] == before
