"""The catalog profile: inferred from real catalogs, overridden by a YAML file, stored with the catalog, and the
facets it names filter searches."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from prompts import Prompts
from store.catalog import CatalogStore
from store.catalog_profile import (
    CatalogProfile,
    FacetKind,
    Noun,
    ProfileError,
    check_profile,
    load_profile_file,
    shipped_profile,
)
from store.embedder import HashingEmbedder
from store.ingest import ingest_items
from store.items import CatalogItem
from store.profile_inference import infer_profile
from tests.catalog_fixtures import popular_items, tmp_settings

GOODBOOKS = REPO_ROOT / "data" / "goodbooks-10k" / "books.csv"  # shipped with the repo
SHOP = [
    CatalogItem("m1", "Blue Mug", genres=("Kitchen", "Gifts"), extra={"brand": "Acme", "price": "12.50"}),
    CatalogItem("m2", "Red Mug", genres=("Kitchen",), extra={"brand": "Acme", "price": "9.90"}),
    CatalogItem("p1", "Cast Iron Pan", genres=("Kitchen",), extra={"brand": "Ironworks", "price": "45"}),
    CatalogItem("t1", "Tea Towel", genres=("Gifts",), extra={"brand": "Acme", "price": "6"}),
    CatalogItem(
        "v1",
        "Glass Vase",
        genres=("Gifts",),
        extra={"brand": "Ironworks", "price": "30", "image": "https://example.com/v1.jpg"},
    ),
]


def goodbooks_rows(limit: int = 400) -> list[CatalogItem]:
    """Real rows of the books catalog, read as a bring-your-own file would be (every column in `extra`)."""
    with GOODBOOKS.open(encoding="utf-8", newline="") as handle:
        rows = [row for _, row in zip(range(limit), csv.DictReader(handle), strict=False)]
    keep = ("authors", "language_code", "image_url", "small_image_url", "isbn", "ratings_count", "original_title")
    return [CatalogItem(row["book_id"], row["title"], extra={k: row[k] for k in keep if row[k]}) for row in rows]


def test_inferred_from_the_real_books_catalog() -> None:
    profile = infer_profile(goodbooks_rows())
    assert profile.item == Noun("book", "books")
    assert profile.consumed == "read"
    facets = {f.field: f for f in profile.facets}
    assert facets["authors"].kind == FacetKind.EXACT
    assert facets["authors"].separator == ", "  # "J.K. Rowling, Mary GrandPré" is two authors
    assert facets["authors"].cue_words == ("by",)
    assert "language_code" in facets
    assert "isbn" not in facets and "ratings_count" not in facets  # numbers without a telling name are no facets
    assert profile.image_field == "image_url"  # the large image, not small_image_url
    assert "authors" in profile.searchable
    assert "original_title" not in profile.searchable  # it repeats the title ("The Hunger Games (..., #1)")
    assert "isbn" not in profile.searchable  # a code, not words


def test_inferred_for_a_shop() -> None:
    profile = infer_profile(SHOP)
    assert profile.item == Noun("product", "products")
    assert profile.consumed == "bought"
    assert profile.price_field == "price"
    kinds = {f.field: f.kind for f in profile.facets}
    assert kinds == {"brand": FacetKind.EXACT, "price": FacetKind.RANGE}
    assert profile.image_field == "image"
    assert infer_profile([CatalogItem("1", "x")]).item == Noun("item", "items")


def test_yaml_overrides_the_inferred_profile_and_names_bad_keys(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    path.write_text(
        "item: {singular: gadget, plural: gadgets}\ncategory: {singular: department, plural: departments}\n"
    )
    profile = load_profile_file(path, infer_profile(SHOP))
    assert profile.item == Noun("gadget", "gadgets")
    assert profile.category.plural == "departments"
    assert profile.price_field == "price"  # what the file does not say stays inferred
    path.write_text("itme: {singular: gadget, plural: gadgets}\n")
    with pytest.raises(ProfileError, match="unknown key 'itme'"):
        load_profile_file(path, CatalogProfile())
    path.write_text("facets: [{field: brand, kind: fuzzy}]\n")
    with pytest.raises(ProfileError, match=r"facets\[0\]: kind must be exact or range"):
        load_profile_file(path, CatalogProfile())
    with pytest.raises(ProfileError, match="no item has"):
        check_profile(profile.__class__(searchable=("colour",)), SHOP)


def test_shipped_profiles() -> None:
    film = shipped_profile("film")
    assert (film.item.plural, film.category.plural, film.rating_source) == ("films", "genres", "MovieLens users")
    books = shipped_profile("books")
    assert books.item.plural == "books" and books.facet("authors") is not None
    assert CatalogProfile.from_json(books.to_json()) == books


def test_facets_filter_the_search() -> None:
    catalog = CatalogStore.from_items(SHOP, HashingEmbedder())
    assert catalog.facets.values("brand") == ["acme", "ironworks"]
    assert catalog.facets.bounds("price") == (6.0, 45.0)
    found = catalog.search("mug", facets={"brand": ["ACME "]}, k=10)
    assert {item.item_id for item, _ in found} == {"m1", "m2", "t1"}
    cheap = catalog.search("gift", ranges={"price": (None, 10.0)}, k=10)
    assert {item.item_id for item, _ in cheap} == {"m2", "t1"}
    both = catalog.search("x", facets={"brand": ["Ironworks"]}, ranges={"price": (40.0, None)}, k=10)
    assert [item.item_id for item, _ in both] == ["p1"]
    with pytest.raises(ValueError, match="not a facet"):
        catalog.mask(facets={"colour": ["red"]})


def test_profile_is_stored_with_the_catalog_and_searchable_fields_are_embedded(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    profile = infer_profile(SHOP)
    ingest_items(settings.chroma, HashingEmbedder(), SHOP, source="shop", show_progress=False, profile=profile)
    opened = CatalogStore.open(settings.chroma, HashingEmbedder())
    assert opened.profile == profile
    assert opened.search("Ironworks", k=2)[0][0].extra["brand"] == "Ironworks"  # the brand is in the embedded text
    assert "Brand: Acme" in SHOP[0].embedding_text(profile.searchable)
    # another profile is another catalog: the ingest is not skipped as unchanged
    other = load_profile_file(_write(tmp_path / "p.yaml", "item: {singular: gadget, plural: gadgets}\n"), profile)
    again = ingest_items(settings.chroma, HashingEmbedder(), SHOP, source="shop", show_progress=False, profile=other)
    assert not again.skipped
    assert CatalogStore.open(settings.chroma, HashingEmbedder()).profile.item.plural == "gadgets"


def test_a_catalog_ingested_before_profiles_gets_an_inferred_one(tmp_path: Path) -> None:
    settings = tmp_settings(tmp_path)
    items = popular_items(30)
    ingest_items(settings.chroma, HashingEmbedder(), items, source="old", show_progress=False)
    assert CatalogStore.open(settings.chroma, HashingEmbedder()).profile == infer_profile(items)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_seen_feedback_says_the_catalogs_verb() -> None:
    feedback = [{"signal": "seen", "label": "Catching Fire (2009)"}]
    books = Prompts().template_reply("feedback", profile=shipped_profile("books"), feedback=feedback, items=[])
    assert books == "Noted: you have read Catching Fire (2009)."
    film = Prompts().template_reply("feedback", profile=shipped_profile("film"), feedback=feedback, items=[])
    assert film == "Noted: you have seen Catching Fire (2009)."
