"""Admin routes for live catalog updates: PUT and DELETE /api/v1/items/{item_id}, POST /api/v1/items/batch.

Server-to-server: the caller is an admin token (`concierge token --role admin`). Items are rows of the catalog
file schema (docs/catalog.md) in its JSON form, validated by the same rules as `concierge ingest` (the body's item
type is kept loose so that every problem is reported in one form, `upsert[3]: missing title for id 'x'`, not half
by FastAPI). A batch is all or nothing. This process sees the change at once, every other one within
CONCIERGE_CATALOG_CHECK_S (docs/catalog.md, "Live updates").
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from bot.http.auth import Identity
from bot.http.deps import ApiContext
from bot.http.errors import ApiError, ErrorBody, error_responses
from store.catalog_files import RowError, item_from_row
from store.catalog_update import CatalogNotLive, CatalogUpdateError, RollbackFailed
from store.writer_lock import WriterBusy

MAX_UPSERTS_PER_BATCH = 5_000
MAX_DELETES_PER_BATCH = 10_000
MAX_ID_CHARS = 200
EXAMPLE_ITEM: dict[str, Any] = {
    "id": "a1",
    "title": "Blue Mug",
    "description": "Stoneware mug, 350 ml",
    "categories": ["Kitchen", "Gifts"],
    "year": 2020,
    "brand": "Acme",
}
ITEM_ID = Path(..., min_length=1, max_length=MAX_ID_CHARS, description="The item's id in the catalog.")
BUSY = {
    "model": ErrorBody,
    "description": "Another process is writing the catalog (an ingest, an update), a service on another process "
    "serves this local catalog folder, or no catalog is built yet",
}


class BatchIn(BaseModel):
    """Items to insert or replace (rows of the catalog file schema) and ids to delete, applied all or nothing."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"upsert": [dict(EXAMPLE_ITEM)], "delete": ["a2", "a3"]}]}
    )
    upsert: list[dict[str, Any]] = Field(default_factory=list, max_length=MAX_UPSERTS_PER_BATCH)
    delete: list[Any] = Field(default_factory=list, max_length=MAX_DELETES_PER_BATCH)


class CatalogUpdated(BaseModel):
    """What an update did: items upserted (of them new), deleted, ids to delete that were not there (a no-op, so a
    retried batch is safe), texts embedded, seconds, and the catalog revision it made."""

    upserted: int
    created: int
    deleted: int
    missing: list[str]
    embedded: int
    seconds: float
    revision: int
    collection: str
    source: str


def _apply(api: ApiContext, upsert: list[dict[str, Any]], delete: list[Any]) -> CatalogUpdated:
    """The update through the backend, its refusals as API errors."""
    try:
        return CatalogUpdated(**api.backend.update_catalog(upsert, delete, source="api"))
    except CatalogNotLive as exc:
        raise ApiError(409, "catalog_not_built", str(exc)) from exc
    except CatalogUpdateError as exc:
        raise ApiError(422, "invalid_item", str(exc)) from exc
    except WriterBusy as exc:
        raise ApiError(409, "catalog_busy", str(exc), {"Retry-After": "5"}) from exc
    except RollbackFailed as exc:
        raise ApiError(503, "catalog_update_failed", str(exc), {"Retry-After": "5"}) from exc


def catalog_router(api: ApiContext) -> APIRouter:
    router = APIRouter(
        prefix="/api/v1/items",
        tags=["admin"],
        responses={**error_responses(400, 401, 403, 413, 422, 429, 503, 507), 409: BUSY},
    )
    admin = Depends(api.admin)

    @router.put("/{item_id}", summary="Insert or replace one catalog item (admin)")
    def put_item(
        body: dict[str, Any],
        item_id: str = ITEM_ID,
        identity: Identity = admin,
    ) -> CatalogUpdated:
        """The body is one item (`id` optional: the URL names it). Only a new or changed text is embedded; the
        item is searchable and recommendable at once in this process and within the catalog check interval in
        every other one. 422 `invalid_item` with the problem (`item 'a1': year 1200 is out of range 1800-2100`)."""
        given = body.get("id")
        if given is not None and str(given).strip() != item_id.strip():
            raise ApiError(422, "invalid_item", f"item {item_id!r}: the body's id {given!r} differs from the URL's")
        row = {**body, "id": item_id}
        try:
            item_from_row(row)
        except RowError as exc:
            raise ApiError(422, "invalid_item", f"item {item_id!r}: {exc}") from exc
        return _apply(api, [row], [])

    @router.delete("/{item_id}", summary="Delete one catalog item (admin)", responses=error_responses(404))
    def delete_item(item_id: str = ITEM_ID, identity: Identity = admin) -> CatalogUpdated:
        """The item is never shown again: not in searches or recommendations, not as "the first one" of a list
        shown earlier in an open conversation, not in a session transcript's cards. 404 when there is no such
        item (nothing changes)."""
        result = _apply(api, [], [item_id])
        if result.missing:
            raise ApiError(404, "item_not_found", "no item with this id")
        return result

    @router.post("/batch", summary="Upsert and delete catalog items, all or nothing (admin)")
    def batch(body: BatchIn, identity: Identity = admin) -> CatalogUpdated:
        """Every row is validated before anything is written: a bad one is a 422 `invalid_item` naming it
        (`upsert[3]: missing title for id 'x'`, `delete[0]: missing id`) and nothing changes; an id may not be both
        upserted and deleted. Ids to delete that are not in the catalog are listed in `missing` (a no-op)."""
        return _apply(api, body.upsert, body.delete)

    return router
