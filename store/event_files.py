"""Event files for `concierge events FILE`: events.csv or events.jsonl (format in docs/catalog.md).

This module only reads rows and remembers the line each came from; `store.interactions` validates them, and
`located` turns a row's batch index back into `file:line` for the error message.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.row_files import RowFileError, read_rows

REQUIRED_COLUMNS = ("event_id", "user_id", "item_id", "kind", "timestamp")


class EventFileError(RowFileError):
    """An event file that cannot be ingested: `path:line: problem` (the line when one row is at fault)."""


@dataclass(frozen=True, slots=True)
class EventFile:
    """The raw rows of a file and the line of each (rows[i] was on lines[i])."""

    path: Path
    rows: list[dict[str, Any]]
    lines: list[int]

    def located(self, index: int, problem: str) -> EventFileError:
        """The error for the row at batch index `index`, placed at its line."""
        line = self.lines[index] if 0 <= index < len(self.lines) else None
        return EventFileError(self.path, line, problem)


def load_event_file(path: Path) -> EventFile:
    """Read every row of a .csv or .jsonl event file (not yet validated). Raises EventFileError."""
    rows, lines = read_rows(path, REQUIRED_COLUMNS, _header_problem, EventFileError)
    if not rows:
        raise EventFileError(path, None, "no events in file")
    return EventFile(path, rows, lines)


def _header_problem(missing: list[str]) -> str:
    return f"the header lacks the column(s) {', '.join(missing)}"
