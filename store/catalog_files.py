"""Bring-your-own catalog files: items.csv or items.jsonl (schema in docs/catalog.md).

Every row is validated before anything is written; a bad row names the file, the line and the problem.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from store.items import CatalogItem

KNOWN_FIELDS = ("id", "title", "description", "categories", "year")


class CatalogFileError(ValueError):
    """A catalog file that cannot be ingested."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.problem = path, line, problem


def _text(path: Path, line: int, row: dict[str, Any], key: str) -> str:
    """A text field; numbers are read as text ("id": 0 is the id "0"); lists, objects and booleans are refused."""
    value = row.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise CatalogFileError(path, line, f"{key} must be text or a number, not {type(value).__name__}")
    return str(value).strip()


def _item(path: Path, line: int, row: dict[str, Any], seen: set[str]) -> CatalogItem:
    item_id = _text(path, line, row, "id")
    title = _text(path, line, row, "title")
    if not item_id:
        raise CatalogFileError(path, line, "missing id")
    if item_id in seen:
        raise CatalogFileError(path, line, f"duplicate id {item_id!r}")
    if not title:
        raise CatalogFileError(path, line, f"missing title for id {item_id!r}")
    year_raw = row.get("year")
    year: int | None = None
    if year_raw not in (None, ""):
        try:
            year = int(str(year_raw).strip())
        except ValueError:
            raise CatalogFileError(path, line, f"year must be a whole number, not {year_raw!r}") from None
        if not 1800 <= year <= 2100:
            raise CatalogFileError(path, line, f"year {year} is out of range 1800-2100")
    categories = row.get("categories") or []
    if isinstance(categories, str):
        categories = [c.strip() for c in categories.split("|")]
    if not isinstance(categories, list) or not all(isinstance(c, str) for c in categories):
        raise CatalogFileError(path, line, "categories must be a list of strings (or '|'-separated in CSV)")
    description = row.get("description") or ""
    if not isinstance(description, str):
        raise CatalogFileError(path, line, "description must be text")
    extra = {k: v for k, v in row.items() if k not in KNOWN_FIELDS and v not in (None, "")}
    try:
        json.dumps(row, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape: not storable text
        raise CatalogFileError(path, line, "text with a lone surrogate (not valid Unicode)") from None
    except (TypeError, ValueError, RecursionError) as exc:
        raise CatalogFileError(path, line, f"metadata is not JSON-able: {exc}") from None
    seen.add(item_id)
    return CatalogItem(
        item_id=item_id,
        title=title,
        year=year,
        genres=tuple(c for c in categories if c),
        overview=description.strip(),
        extra=extra,
    )


def load_catalog_file(path: Path) -> list[CatalogItem]:
    """Read and validate a whole catalog file; raises CatalogFileError on the first bad row."""
    if not path.is_file():
        raise CatalogFileError(path, None, "file not found")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        raise CatalogFileError(path, None, f"unknown file type {suffix!r}: use .csv or .jsonl")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM (Excel exports) is dropped
    except UnicodeDecodeError as exc:
        raise CatalogFileError(path, None, f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise CatalogFileError(path, None, "the file is empty")
    seen: set[str] = set()
    items: list[CatalogItem] = []
    if suffix == ".csv":
        # newline="": only \n, \r\n and \r end a record (not U+2028, \x0c, ... inside a value), as csv expects
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            if not reader.fieldnames or "id" not in reader.fieldnames or "title" not in reader.fieldnames:
                raise CatalogFileError(path, 1, "the header must name at least the columns id and title")
            for row in reader:
                if None in row:
                    raise CatalogFileError(path, reader.line_num, "more values than header columns")
                items.append(_item(path, reader.line_num, row, seen))
        except csv.Error as exc:  # e.g. a value over csv.field_size_limit()
            raise CatalogFileError(path, reader.line_num + 1, f"invalid CSV: {exc}") from None  # the unread line
    else:
        for number, raw in enumerate(text.split("\n"), 1):  # JSON strings may hold U+2028 and friends
            if not raw.strip():
                continue
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise CatalogFileError(path, number, f"invalid JSON: {exc.msg}") from None
            except (ValueError, RecursionError) as exc:  # a 5,000-digit number, nesting deeper than Python's stack
                raise CatalogFileError(path, number, f"invalid JSON: {str(exc).split(';')[0]}") from None
            if not isinstance(row, dict):
                raise CatalogFileError(path, number, "each line must be a JSON object")
            items.append(_item(path, number, row, seen))
    if not items:
        raise CatalogFileError(path, None, "no items in file")
    return items
