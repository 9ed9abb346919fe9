"""Reading .csv / .jsonl files of rows (catalog items, events) with the line each row came from.

Only the reading is shared: which columns a file needs and what a valid row is stay with its module
(store.catalog_files, store.event_files). Every problem is a RowFileError naming the file and, where one row is at
fault, its line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

SUFFIXES = (".csv", ".jsonl")


class RowFileError(ValueError):
    """A file that cannot be read as rows: `path:line: problem` (the line when one row is at fault)."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.path, self.line, self.problem = path, line, problem


def read_rows(
    path: Path,
    required: Sequence[str],
    header_problem: Callable[[list[str]], str],
    error: type[RowFileError] = RowFileError,
) -> tuple[list[dict[str, Any]], list[int]]:
    """Every row of the file and the line of each (rows[i] was on lines[i]); see iter_rows."""
    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    for line, row in iter_rows(path, required, header_problem, error):
        rows.append(row)
        lines.append(line)
    return rows, lines


def iter_rows(
    path: Path,
    required: Sequence[str],
    header_problem: Callable[[list[str]], str],
    error: type[RowFileError] = RowFileError,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, row) of a UTF-8 .csv (a header naming `required`) or .jsonl file, in file order, so a caller that
    validates each row as it comes reports the first bad line whatever is wrong with it. `header_problem(missing)`
    is the message for a CSV header without some required columns."""
    if not path.is_file():
        raise error(path, None, "file not found")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise error(path, None, f"unknown file type {suffix!r}: use .csv or .jsonl")
    try:
        text = path.read_text(encoding="utf-8-sig")  # a BOM (spreadsheet exports) is dropped
    except UnicodeDecodeError as exc:
        raise error(path, None, f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise error(path, None, "the file is empty")
    if suffix == ".csv":
        yield from _csv_rows(path, text, required, header_problem, error)
    else:
        yield from _jsonl_rows(path, text, error)


def _csv_rows(
    path: Path,
    text: str,
    required: Sequence[str],
    header_problem: Callable[[list[str]], str],
    error: type[RowFileError],
) -> Iterator[tuple[int, dict[str, Any]]]:
    # newline="": only \n, \r\n and \r end a record (not U+2028, \x0c, ... inside a value), as csv expects
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise error(path, 1, header_problem(missing))
        for row in reader:
            if None in row:
                raise error(path, reader.line_num, "more values than header columns")
            yield reader.line_num, row
    except csv.Error as exc:  # e.g. a value over csv.field_size_limit()
        raise error(path, reader.line_num + 1, f"invalid CSV: {exc}") from None  # the unread line


def _jsonl_rows(path: Path, text: str, error: type[RowFileError]) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, raw in enumerate(text.split("\n"), 1):  # JSON strings may hold U+2028 and friends
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise error(path, number, f"invalid JSON: {exc.msg}") from None
        except (ValueError, RecursionError) as exc:  # a 5,000-digit number, nesting deeper than Python's stack
            raise error(path, number, f"invalid JSON: {str(exc).split(';')[0]}") from None
        if not isinstance(row, dict):
            raise error(path, number, "each line must be a JSON object")
        yield number, row
