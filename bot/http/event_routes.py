"""Admin route for interaction events from the shop's own systems: POST /api/v1/events.

Server-to-server: the caller is an admin token (`concierge token --role admin`), never a signed-in shopper, and
the rows name the users. Rows are validated here by the same rules as `concierge events FILE`
(`store.interactions`); the body's item type is kept loose so that every problem is reported in one form,
`events[3]: unknown item id 'x'`, instead of half by FastAPI and half by us.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from bot.http.auth import Identity
from bot.http.deps import ApiContext
from bot.http.errors import ApiError, error_responses
from store.interactions import EventRowError

MAX_EVENTS_PER_BATCH = 10_000
EXAMPLE_EVENT: dict[str, JsonValue] = {
    "event_id": "order-1042-line-1",
    "user_id": "customer-77",
    "item_id": "a1",
    "kind": "purchase",
    "timestamp": "2026-11-30T14:05:00Z",
}


class EventBatchIn(BaseModel):
    """A batch of events. Each event: event_id, user_id, item_id (a catalog id), kind (view, click, add_to_cart,
    purchase, rating), timestamp (ISO 8601, or epoch seconds), value (ratings only: 0.5-5)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"events": [EXAMPLE_EVENT, {**EXAMPLE_EVENT, "kind": "rating", "value": 4}]}]},
    )
    events: list[dict[str, Any]] = Field(..., min_length=1, max_length=MAX_EVENTS_PER_BATCH)


class EventsIngested(BaseModel):
    """How many events the batch had, how many were new, how many were already stored (same event_id)."""

    received: int
    new: int
    known: int


def events_router(api: ApiContext) -> APIRouter:
    router = APIRouter(
        prefix="/api/v1", tags=["admin"], responses=error_responses(400, 401, 403, 413, 422, 429, 503, 507)
    )
    admin = Depends(api.admin)

    @router.post("/events", summary="Send interaction events from your systems (admin)")
    def ingest_events(body: EventBatchIn, identity: Identity = admin) -> EventsIngested:
        """All or nothing: a bad row is a 422 `invalid_event` naming it (`events[5]: rating needs a value 0.5-5`)
        and nothing of the batch is stored. Idempotent by event_id: the same batch twice adds nothing the
        second time (`new` 0, `known` = all). The events count in the users' history and profile at once."""
        try:
            return EventsIngested(**api.backend.ingest_events(body.events))
        except EventRowError as exc:
            raise ApiError(422, "invalid_event", str(exc)) from exc

    return router
