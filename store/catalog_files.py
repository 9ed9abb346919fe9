"""Bring-your-own catalog files: items.csv or items.jsonl (schema in docs/catalog.md).

Every row is validated before anything is written; a bad row names the file, the line and the problem.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from store.items import CatalogItem
from store.row_files import RowFileError, iter_rows

# Popularity, for catalogs without interaction history: the first of these columns a row has (the rest stay extra)
RATING_COUNT_FIELDS = ("rating_count", "ratings_count")  # how many people rated the item: a whole number >= 0
RATING_FIELDS = ("rating_mean", "average_rating")  # their mean rating on a 0-5 scale ("rating" may be "PG-13")
KNOWN_FIELDS = ("id", "title", "description", "categories", "year")


class CatalogFileError(RowFileError):
    """A catalog file that cannot be ingested."""


class RowError(ValueError):
    """One row (a file line, an item of an API batch) that is not a valid item; the message is the problem only,
    so each caller can say where the row was (`items.csv:3: ...`, `upsert[3]: ...`)."""


def _text(row: Mapping[str, Any], key: str) -> str:
    """A text field; numbers are read as text ("id": 0 is the id "0"); lists, objects and booleans are refused."""
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise RowError(f"{key} must be text or a number, not {type(value).__name__}")
    return str(value).strip()


def item_from_row(row: Mapping[str, Any]) -> CatalogItem:
    """Validate one row of the catalog schema (docs/catalog.md) and make its item; raises RowError.

    The one validation of items, shared by `concierge ingest --catalog`, `--upsert` and the admin API, so a row is
    accepted or refused the same way wherever it comes from. Duplicate ids are the caller's check (they need
    the other rows).
    """
    item_id = _text(row, "id")
    title = _text(row, "title")
    if not item_id:
        raise RowError("missing id")
    if not title:
        raise RowError(f"missing title for id {item_id!r}")
    year_raw = row.get("year")
    year: int | None = None
    if year_raw not in (None, ""):
        try:
            year = int(str(year_raw).strip())
        except ValueError:
            raise RowError(f"year must be a whole number, not {year_raw!r}") from None
        if not 1800 <= year <= 2100:
            raise RowError(f"year {year} is out of range 1800-2100")
    categories = row.get("categories") or []
    if isinstance(categories, str):
        categories = [c.strip() for c in categories.split("|")]
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise RowError("categories must be a list of strings (or '|'-separated in CSV)")
    description = row.get("description") or ""
    if not isinstance(description, str):
        raise RowError("description must be text")
    count_field = next((f for f in RATING_COUNT_FIELDS if row.get(f) not in (None, "")), None)
    rating_field = next((f for f in RATING_FIELDS if row.get(f) not in (None, "")), None)
    rating_count = _whole_number(row[count_field], count_field) if count_field else 0
    rating_mean = _rating(row[rating_field], rating_field) if rating_field else None
    used = {*KNOWN_FIELDS, count_field, rating_field}
    extra = {k: v for k, v in row.items() if k not in used and v not in (None, "")}
    try:
        json.dumps(dict(row), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape: not storable text
        raise RowError("text with a lone surrogate (not valid Unicode)") from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise RowError(f"metadata is not JSON-able: {exc}") from None
    return CatalogItem(
        item_id=item_id,
        title=title,
        year=year,
        genres=tuple(c for c in categories if c),
        overview=description.strip(),
        rating_count=rating_count,
        rating_mean=rating_mean,
        extra=extra,
    )


def _whole_number(value: Any, key: str) -> int:
    try:
        number = float(str(value).strip()) if not isinstance(value, bool) else -1.0
    except ValueError:
        number = -1.0
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise RowError(f"{key} must be a whole number >= 0, not {value!r}")
    return int(number)


def _rating(value: Any, key: str) -> float:
    try:
        number = float(str(value).strip()) if not isinstance(value, bool) else -1.0
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 5.0:
        raise RowError(f"{key} must be a number from 0 to 5, not {value!r}")
    return number


def _item(path: Path, line: int, row: dict[str, Any], seen: set[str]) -> CatalogItem:
    try:
        item = item_from_row(row)
    except RowError as exc:
        raise CatalogFileError(path, line, str(exc)) from None
    if item.item_id in seen:
        raise CatalogFileError(path, line, f"duplicate id {item.item_id!r}")
    seen.add(item.item_id)
    return item


def load_catalog_file(path: Path) -> list[CatalogItem]:
    """Read and validate a whole catalog file; raises CatalogFileError on the first bad row."""
    seen: set[str] = set()
    rows = iter_rows(path, ("id", "title"), _header_problem, CatalogFileError)
    items = [_item(path, line, row, seen) for line, row in rows]  # validated as read: the first bad line is named
    if not items:
        raise CatalogFileError(path, None, "no items in file")
    return items


def _header_problem(missing: list[str]) -> str:
    return "the header must name at least the columns id and title"
