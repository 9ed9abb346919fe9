"""Interaction events from the shop's own systems: one row's shape, its validation, and a batch's ingestion.

A batch comes from the admin API (`POST /api/v1/events`, located as `events[3]`) or a file (`concierge events
FILE`, located as `file:line`); both go through `validate_rows`, which checks every row before anything is
written and stops at the first bad one with its position, so a batch is all or nothing. Rows are idempotent by
`event_id`: a row whose id is already stored is counted as known and adds nothing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from store.event_weights import EVENT_KINDS, RATING_KIND

MAX_ID_CHARS = 200
RATING_RANGE = (0.5, 5.0)
EARLIEST_TS = 0
FUTURE_SLACK_S = 86_400  # clocks of the shop's systems may run a little ahead; a day later is a bad timestamp


class EventRowError(ValueError):
    """A row that cannot be ingested: `index` is its position in the batch (0-based), `problem` says why."""

    def __init__(self, index: int, problem: str) -> None:
        super().__init__(f"events[{index}]: {problem}")
        self.index, self.problem = index, problem


@dataclass(frozen=True, slots=True)
class Interaction:
    """One validated event: `value` is the rating for kind "rating", else None; `ts` in epoch seconds."""

    event_id: str
    user_id: str
    item_id: str
    kind: str
    value: float | None
    ts: int


@dataclass(frozen=True, slots=True)
class IngestCounts:
    """How many rows a batch had, how many were new, and how many were already known (by event_id)."""

    received: int
    new: int
    known: int

    def to_dict(self) -> dict[str, int]:
        return {"received": self.received, "new": self.new, "known": self.known}


def _identifier(value: object, name: str) -> str:
    """An id: text or a whole number (read as text), not empty, at most MAX_ID_CHARS characters."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"{name} must be text, not {type(value).__name__}")
    text = str(value).strip()
    if not text:
        raise ValueError(f"missing {name}")
    if len(text) > MAX_ID_CHARS:
        raise ValueError(f"{name} is longer than {MAX_ID_CHARS} characters")
    if not text.isprintable():
        raise ValueError(f"{name} holds control characters")
    return text


def parse_timestamp(value: object, now: float | None = None) -> int:
    """Epoch seconds from epoch seconds (a number or digits) or ISO 8601 text (no zone = UTC)."""
    if isinstance(value, bool) or value is None or value == "":
        raise ValueError("missing timestamp")
    seconds: float
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
            except ValueError:
                raise ValueError(f"timestamp {text[:40]!r} is neither ISO 8601 nor epoch seconds") from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            seconds = moment.timestamp()
    else:
        raise ValueError(f"timestamp must be ISO 8601 text or epoch seconds, not {type(value).__name__}")
    latest = (now if now is not None else time.time()) + FUTURE_SLACK_S
    if not math.isfinite(seconds) or seconds < EARLIEST_TS:
        raise ValueError(f"timestamp {value!r} is before 1970")
    if seconds > latest:
        hint = " (milliseconds? use seconds)" if seconds > latest * 100 else ""
        raise ValueError(f"timestamp {value!r} is in the future{hint}")
    return int(seconds)


class EventRow(BaseModel):
    """One row as sent: extra fields are ignored; `value` only counts for ratings."""

    model_config = ConfigDict(extra="ignore")
    event_id: str
    user_id: str
    item_id: str
    kind: str
    timestamp: int
    value: float | None = None

    @field_validator("event_id", "user_id", "item_id", mode="before")
    @classmethod
    def _ids(cls, value: object, info: Any) -> str:
        return _identifier(value, info.field_name)

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: object) -> str:
        kind = str(value).strip().lower() if isinstance(value, str) else value
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown kind {str(value)[:40]!r}: use {', '.join(EVENT_KINDS)}")
        return str(kind)

    @field_validator("timestamp", mode="before")
    @classmethod
    def _timestamp(cls, value: object) -> int:
        return parse_timestamp(value)

    @field_validator("value", mode="before")
    @classmethod
    def _value(cls, value: object) -> float | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"value must be a number, not {type(value).__name__}")
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"value must be a number, not {str(value)[:40]!r}") from None
        return number if math.isfinite(number) else math.nan


def _problem(exc: ValidationError) -> str:
    """The first problem of a row, in our words (pydantic's "Value error, " prefix dropped)."""
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first.get("loc", ())) or "row"
    if first.get("type") == "missing":
        return f"missing {field}"
    return str(first.get("msg", "invalid")).removeprefix("Value error, ")


def validate_row(index: int, raw: object, item_exists: Callable[[str], bool]) -> Interaction:
    """One row, checked against the catalog (the source of truth for item ids). Raises EventRowError."""
    if not isinstance(raw, Mapping):
        raise EventRowError(index, f"an event is an object, not {type(raw).__name__}")
    try:
        row = EventRow.model_validate(dict(raw))
    except ValidationError as exc:
        raise EventRowError(index, _problem(exc)) from None
    value = None
    if row.kind == RATING_KIND:
        low, high = RATING_RANGE
        if row.value is None or not low <= row.value <= high:
            raise EventRowError(index, f"rating needs a value {low:g}-{high:g}")
        value = row.value
    if not item_exists(row.item_id):
        raise EventRowError(index, f"unknown item id {row.item_id[:60]!r}")
    return Interaction(row.event_id, row.user_id, row.item_id, row.kind, value, row.timestamp)


def validate_rows(rows: Sequence[object], item_exists: Callable[[str], bool]) -> list[Interaction]:
    """Every row validated, in order; a row repeating an earlier event_id must repeat it exactly (it is then
    dropped here and counted as known). Raises EventRowError at the first bad row."""
    if not rows:
        raise EventRowError(0, "no events in the batch")
    first_seen: dict[str, Interaction] = {}
    valid: list[Interaction] = []
    for index, raw in enumerate(rows):
        event = validate_row(index, raw, item_exists)
        earlier = first_seen.get(event.event_id)
        if earlier is None:
            first_seen[event.event_id] = event
            valid.append(event)
        elif earlier != event:
            raise EventRowError(index, f"event_id {event.event_id[:60]!r} appears twice with different fields")
    return valid


class InteractionSink(Protocol):
    """Where validated events are written (store.history.HistoryStore)."""

    def add_interactions(self, events: Sequence[Interaction]) -> int: ...


def ingest_events(history: InteractionSink, rows: Sequence[object], item_exists: Callable[[str], bool]) -> IngestCounts:
    """Validate the whole batch, then write its new events in one transaction (nothing when a row is bad)."""
    events = validate_rows(rows, item_exists)
    try:
        new = history.add_interactions(events)
    except EventConflict as exc:  # an id already stored with other fields: name the row it came from
        raise EventRowError(_row_index(rows, exc.event_id), exc.problem) from None
    return IngestCounts(received=len(rows), new=new, known=len(rows) - new)


class EventConflict(ValueError):
    """An event_id that is already stored with different fields (events are facts: they do not change)."""

    def __init__(self, event_id: str) -> None:
        self.event_id = event_id
        self.problem = f"event_id {event_id[:60]!r} is already stored with different fields"
        super().__init__(self.problem)


def _row_index(rows: Sequence[object], event_id: str) -> int:
    """The position of the first row with this event_id (for the error of a conflicting row)."""
    for index, raw in enumerate(rows):
        if isinstance(raw, Mapping) and str(raw.get("event_id", "")).strip() == event_id:
            return index
    return 0
