"""The books demo catalog: goodbooks-10k's books.csv (10,000 Goodreads books, CC BY-SA 4.0; data/goodbooks-10k/).

One CatalogItem per book. What a card shows and what people type is the English `title` without its series
suffix ("Catching Fire", not "Catching Fire (The Hunger Games, #2)"); the series and the original-language title
stay in `extra` and are embedded (the books profile names them searchable). The data has no descriptions and no
book-to-tag mapping, so items have no overview and no categories. Years before the common era (The Odyssey, -720)
have no `year` (year filters and "(1995)" labels are for the common era) and keep it in `extra["published"]`
("720 BC"); years 1-1799 are kept as they are (Hamlet, 1600). Rows are checked: a bad one is `books.csv:LINE: ...`.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import yaml

from store.catalog_files import CatalogFileError
from store.items import CatalogItem
from store.movielens import DataMissingError

GOODBOOKS_DIR = "goodbooks-10k"
BOOKS_FILE = f"{GOODBOOKS_DIR}/books.csv"
REQUIRED_COLUMNS = (
    "book_id",
    "goodreads_book_id",
    "authors",
    "original_publication_year",
    "original_title",
    "title",
    "language_code",
    "average_rating",
    "ratings_count",
    "image_url",
)
GOODREADS_BOOK_URL = "https://www.goodreads.com/book/show/{}"
# Goodreads' "no cover" placeholder (a third of the books): not a cover, so such a card has no picture.
NO_COVER_MARK = "/nophoto/"
LANGUAGES_FILE = Path(__file__).resolve().parent / "data" / "language_names.yaml"
# "Catching Fire (The Hunger Games, #2)", "Night (The Night Trilogy #1)", "The Oresteia (Ορέστεια, #1-3)"
_SERIES = re.compile(r"\s*\((?P<series>[^()]*?),?\s*#\s*(?P<number>[^()#]*)\)\s*$")
_SPACES = re.compile(r"\s+")


class BooksDataMissing(DataMissingError):
    """The data folder lacks goodbooks-10k/books.csv."""


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def split_series(raw_title: str) -> tuple[str, str, str]:
    """'Catching Fire (The Hunger Games, #2)' -> ('Catching Fire', 'The Hunger Games', '2'); no series -> ('', '')."""
    title = _clean(raw_title)
    match = _SERIES.search(title)
    if match is None or not title[: match.start()].strip():
        return title, "", ""
    return title[: match.start()].strip(), _clean(match.group("series")), _clean(match.group("number"))


def publication_year(raw: str) -> tuple[int | None, str]:
    """'2008.0' -> (2008, ''); '-720.0' -> (None, '720 BC'); '' -> (None, ''). ValueError for anything else."""
    text = raw.strip()
    if not text:
        return None, ""
    value = float(text)
    if not value.is_integer():
        raise ValueError(f"original_publication_year must be a whole number, not {raw!r}")
    year = int(value)
    return (year, "") if year > 0 else (None, f"{1 - year if year == 0 else -year} BC")


def language_names(path: Path = LANGUAGES_FILE) -> dict[str, str]:
    """Language code -> name ("fre" -> "French"), from store/data/language_names.yaml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(code): str(name) for code, name in (data.get("languages") or {}).items()}


def book_item(row: dict[str, str], languages: dict[str, str]) -> CatalogItem:
    """One books.csv row as a CatalogItem; ValueError names the problem."""
    book_id = row["book_id"].strip()
    if not book_id:
        raise ValueError("missing book_id")
    title, series, number = split_series(row["title"])
    if not title:
        raise ValueError(f"missing title for book_id {book_id!r}")
    year, published = publication_year(row["original_publication_year"])
    extra: dict[str, Any] = {"authors": _clean(row["authors"])}
    original = _clean(row["original_title"])
    if original and original.casefold() != title.casefold():
        extra["original_title"] = original
    if series:
        extra["series"] = series
        if number:
            extra["series_number"] = number
    code = row["language_code"].strip()
    if code:
        extra["language"] = languages.get(code, code)
        extra["language_code"] = code
    if published:
        extra["published"] = published
    image = row["image_url"].strip()
    if image and NO_COVER_MARK not in image:
        extra["image_url"] = image
    goodreads_id = row["goodreads_book_id"].strip()
    if goodreads_id:
        extra["goodreads_book_id"] = goodreads_id
        extra["url"] = GOODREADS_BOOK_URL.format(goodreads_id)
    mean = row["average_rating"].strip()
    count = row["ratings_count"].strip()
    return CatalogItem(
        item_id=book_id,
        title=title,
        year=year,
        rating_mean=float(mean) if mean else None,
        rating_count=int(float(count)) if count else 0,
        extra=extra,
    )


def load_book_items(data_dir: Path) -> list[CatalogItem]:
    """Every book of data_dir/goodbooks-10k/books.csv, in file order (10,000 for the shipped file)."""
    path = data_dir / BOOKS_FILE
    if not path.is_file():
        raise BooksDataMissing(
            f"books data not found: missing {path}. Set CONCIERGE_DATA_DIR to the folder holding {GOODBOOKS_DIR}/."
        )
    languages = language_names()
    items: list[CatalogItem] = []
    seen: set[str] = set()
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogFileError(path, 1, f"missing column(s) {', '.join(missing)}")
        for row in reader:
            try:
                item = book_item(row, languages)
            except ValueError as exc:
                raise CatalogFileError(path, reader.line_num, str(exc)) from None
            if item.item_id in seen:
                raise CatalogFileError(path, reader.line_num, f"duplicate book_id {item.item_id!r}")
            seen.add(item.item_id)
            items.append(item)
    if not items:
        raise CatalogFileError(path, None, "no books in file")
    return items


__all__ = ["BooksDataMissing", "book_item", "load_book_items", "publication_year", "split_series"]
