"""The books demo catalog (store/goodbooks.py) and recommending without interaction history (the content +
popularity ranker, tools/recommender/content.py), on the real goodbooks-10k file; vectors from the HashingEmbedder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.config import REPO_ROOT
from store.catalog import CatalogStore
from store.catalog_files import CatalogFileError
from store.catalog_profile import check_profile, shipped_profile
from store.embedder import HashingEmbedder
from store.goodbooks import BOOKS_FILE, load_book_items, publication_year, split_series
from store.history import HistoryStore
from store.items import CatalogItem
from store.movielens import DataMissingError
from tools.context import ToolContext
from tools.recommend import recommend, similar_items
from tools.recommender.ease import EaseModel
from tools.recommender.engine import Recommender
from tools.recommender.hybrid import RankRequest
from tools.recommender.rules import Rules
from tools.results import LIKED_ITEMS, SHARED_FACETS
from tools.titles import TitleIndex

DATA = REPO_ROOT / "data"
HEADER = (
    "book_id,goodreads_book_id,authors,original_publication_year,original_title,title,language_code,"
    "average_rating,ratings_count,image_url\n"
)


@pytest.fixture(scope="module")
def books() -> list[CatalogItem]:
    return load_book_items(DATA)


@pytest.fixture(scope="module")
def catalog(books: list[CatalogItem]) -> CatalogStore:
    return CatalogStore.from_items(books[:600], HashingEmbedder(), profile=shipped_profile("books"))


def test_the_shipped_file_is_ten_thousand_books(books: list[CatalogItem]) -> None:
    assert len(books) == 10_000 and len({b.item_id for b in books}) == 10_000
    assert "Attribution-ShareAlike 4.0" in (DATA / "goodbooks-10k" / "LICENSE").read_text()
    hunger = books[0]
    assert (hunger.item_id, hunger.title, hunger.year) == ("1", "The Hunger Games", 2008)
    assert (hunger.rating_mean, hunger.rating_count) == (4.34, 4_780_653)
    assert hunger.extra["authors"] == "Suzanne Collins" and hunger.extra["series"] == "The Hunger Games"
    assert hunger.extra["url"] == "https://www.goodreads.com/book/show/2767052"
    assert hunger.extra["image_url"].startswith("https://images.gr-assets.com/")
    assert hunger.extra["language"] == "English" and "original_title" not in hunger.extra
    assert not any(b.genres or b.overview for b in books)  # no shelves, no descriptions in this data
    check_profile(shipped_profile("books"), books)


def test_titles_series_and_ancient_years(books: list[CatalogItem]) -> None:
    by_id = {b.item_id: b for b in books}
    assert by_id["17"].title == "Catching Fire" and by_id["17"].extra["series_number"] == "2"
    assert by_id["35"].title == "The Alchemist" and by_id["35"].extra["original_title"] == "O Alquimista"
    odyssey = next(b for b in books if b.title == "The Odyssey")
    assert odyssey.year is None and odyssey.extra["published"] == "720 BC"
    hamlet = next(b for b in books if b.title == "Hamlet")
    assert hamlet.year is not None and hamlet.year < 1800
    assert sum("image_url" not in b.extra for b in books) == 3_332  # Goodreads' "nophoto" placeholders are left out
    assert split_series("Night (The Night Trilogy #1)") == ("Night", "The Night Trilogy", "1")
    assert split_series("Angels & Demons  (Robert Langdon, #1)") == ("Angels & Demons", "Robert Langdon", "1")
    assert split_series("The Firm (Penguin Readers, Level 5)") == ("The Firm (Penguin Readers, Level 5)", "", "")
    assert publication_year("-17.0") == (None, "17 BC") and publication_year("") == (None, "")


def test_bad_rows_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / BOOKS_FILE
    path.parent.mkdir(parents=True)
    path.write_text(HEADER + "1,2,A,2001.0,,T,eng,4.0,10,\n2,3,B,soon,,U,eng,4.0,10,\n", encoding="utf-8")
    with pytest.raises(CatalogFileError, match=r"books.csv:3: could not convert"):
        load_book_items(tmp_path)
    path.write_text(HEADER + "1,2,A,2001.0,,T,eng,4.0,10,\n1,3,B,2002.0,,U,eng,4.0,10,\n", encoding="utf-8")
    with pytest.raises(CatalogFileError, match=r"books.csv:3: duplicate book_id '1'"):
        load_book_items(tmp_path)
    path.write_text("book_id,title\n1,T\n", encoding="utf-8")
    with pytest.raises(CatalogFileError, match=r"books.csv:1: missing column\(s\) goodreads_book_id"):
        load_book_items(tmp_path)
    with pytest.raises(DataMissingError, match="CONCIERGE_DATA_DIR"):
        load_book_items(tmp_path / "nowhere")


def _ctx(catalog: CatalogStore, tmp_path: Path, recommender: Recommender) -> ToolContext:
    history = HistoryStore(tmp_path / "history.sqlite3")
    return ToolContext(
        catalog, history, catalog.embedder, TitleIndex(catalog.items()), "reader", recommender=recommender
    )


def test_no_weights_means_the_content_ranker(catalog: CatalogStore, tmp_path: Path) -> None:
    recommender = Recommender.for_catalog(tmp_path / "models", None, catalog)
    assert recommender.kind == "content" and recommender.ease is None
    # weights trained on another catalog (a film home re-ingested with books) are not used either
    users, items = np.array(["u1", "u1", "u2"], dtype=object), np.array(["m1", "m2", "m1"], dtype=object)
    EaseModel.train(users, items, ["m1", "m2"], 10.0, "films").save(tmp_path / "models")
    assert Recommender.for_catalog(tmp_path / "models", None, catalog).kind == "content"


def test_similar_books_share_the_author_and_say_why(catalog: CatalogStore, tmp_path: Path) -> None:
    ctx = _ctx(catalog, tmp_path, Recommender.without_history(catalog))
    result = similar_items(ctx, "The Hunger Games", k=10)
    titles = [s.item.title for s in result.items]
    assert {"Catching Fire", "Mockingjay"} <= set(titles[:3]), titles
    assert "The Hunger Games" not in titles
    first = result.items[0]
    assert first.provenance[SHARED_FACETS] == ["same author: Suzanne Collins"]
    assert first.provenance["score_parts"]["facets"] > 0 and first.provenance["ranker"] == "content"
    assert first.reason == "Like The Hunger Games (2008) · same author: Suzanne Collins"
    # at most half of a list from one author, while other candidates exist
    collins = [s for s in result.items if "Suzanne Collins" in s.item.extra["authors"]]
    assert len(collins) <= 5


def test_recommend_without_history_is_popularity_and_likes_count(catalog: CatalogStore, tmp_path: Path) -> None:
    ctx = _ctx(catalog, tmp_path, Recommender.without_history(catalog))
    cold = recommend(ctx, k=5).items
    assert [s.reason for s in cold] == ["Popular and well rated"] * 5
    counts = [s.item.rating_count for s in cold]
    assert min(counts) > 1_000_000, counts  # a new reader gets widely read books
    liked = recommend(ctx, likes=["Divergent"], k=5).items
    assert any(s.item.title == "Insurgent" for s in liked), [s.item.title for s in liked]
    insurgent = next(s for s in liked if s.item.title == "Insurgent")
    assert insurgent.provenance[LIKED_ITEMS][0]["title"] == "Divergent (2011)"
    assert insurgent.reason.startswith("Similar to Divergent (2011)")
    assert "Divergent" not in [s.item.title for s in liked]


def test_rules_and_filters_apply(catalog: CatalogStore) -> None:
    banned = TitleIndex(catalog.items()).resolve("Catching Fire").item_id
    ranker = Recommender.without_history(catalog, Rules(excluded=frozenset({banned}))).ranker
    anchor = TitleIndex(catalog.items()).resolve("The Hunger Games").item_id
    keep = catalog.mask(exclude_ids=[anchor], facets={"authors": ["Suzanne Collins"]})
    items = ranker.rank(RankRequest({anchor: 1.0}, keep, 10))
    assert items and banned not in {s.item.item_id for s in items}
    assert all("Suzanne Collins" in s.item.extra["authors"] for s in items)
