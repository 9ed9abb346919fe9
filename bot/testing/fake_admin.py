"""The admin operations of the fake backend (catalog updates, event ingestion): the real validation, then the
fake's in-memory catalog and history changed, every call logged for assertions."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from bot.agent.events import ItemView
from store.catalog_update import CatalogUpdate, parse_update
from store.interactions import Interaction, validate_rows


class FakeAdminOperations:
    """Mixed into FakeBackend, which sets these attributes in its __init__."""

    _lock: threading.Lock
    catalog: dict[str, ItemView]
    events: dict[str, list[tuple[str, str]]]
    catalog_updates: list[CatalogUpdate]
    ingested: dict[str, Interaction]

    def ingest_events(self, rows: Sequence[object]) -> dict[str, int]:
        """The real validation (store.interactions) against this catalog; new event ids join the history."""
        events = validate_rows(rows, self.catalog.__contains__)
        with self._lock:
            fresh = [e for e in events if e.event_id not in self.ingested]
            for event in fresh:
                self.ingested[event.event_id] = event
                self.events.setdefault(event.user_id, []).append((event.item_id, event.kind))
        return {"received": len(rows), "new": len(fresh), "known": len(rows) - len(fresh)}

    def update_catalog(
        self, upsert: Sequence[Mapping[str, Any]] = (), delete: Sequence[Any] = (), *, source: str = "api"
    ) -> dict[str, Any]:
        """The real validation (store.catalog_update.parse_update, all or nothing), then this catalog changed in
        place; every call is logged in `catalog_updates`."""
        update = parse_update(upsert, delete, source=source)
        with self._lock:
            created = sum(1 for item in update.upserts if item.item_id not in self.catalog)
            for item in update.upserts:
                self.catalog[item.item_id] = ItemView(item.item_id, item.title, item.year, item.genres, "", 0.0)
            missing = [item_id for item_id in update.deletes if item_id not in self.catalog]
            for item_id in update.deletes:
                self.catalog.pop(item_id, None)
            self.catalog_updates.append(update)
            revision = len(self.catalog_updates)
        return {
            "upserted": len(update.upserts),
            "created": created,
            "deleted": len(update.deletes) - len(missing),
            "missing": missing,
            "embedded": len(update.upserts),
            "seconds": 0.0,
            "revision": revision,
            "collection": "fake",
            "source": source,
        }
