"""Catalog items as Chroma stores them: flat, filterable metadata (and back), and the canonical content the
ingest hash is computed over."""

from __future__ import annotations

import json
from typing import Any

from store.items import CatalogItem


def fingerprint_fields(item: CatalogItem) -> dict[str, Any]:
    """The item's content in a fixed canonical form: what the ingest content hash is computed over.

    Kept independent of the Chroma metadata layout, so a layout change does not force a re-embedding.
    """
    return {
        "title": item.title,
        "year": item.year if item.year is not None else -1,
        "genres": "|".join(item.genres),
        "rating_count": item.rating_count,
        "rating_mean": item.rating_mean if item.rating_mean is not None else -1.0,
        "item_json": json.dumps(
            {
                "overview": item.overview,
                "keywords": list(item.keywords),
                "tagline": item.tagline,
                "tags": list(item.tags),
                "extra": item.extra,
            },
            ensure_ascii=False,
        ),
    }


def item_to_metadata(item: CatalogItem) -> dict[str, Any]:
    """Flat Chroma metadata, readable (and `where`-filterable) with Chroma's own tools.

    Lists (genres, keywords, tags) are Chroma list metadata; empty lists and unknown values are left out,
    as Chroma rejects empty lists. `extra` is JSON text.
    """
    meta: dict[str, Any] = {
        "title": item.title,
        "overview": item.overview,
        "tagline": item.tagline,
        "rating_count": item.rating_count,
        "extra": json.dumps(item.extra, ensure_ascii=False, sort_keys=True),
    }
    if item.year is not None:
        meta["year"] = item.year
    if item.rating_mean is not None:
        meta["rating_mean"] = float(item.rating_mean)
    for key, values in (("genres", item.genres), ("keywords", item.keywords), ("tags", item.tags)):
        if values:
            meta[key] = [str(v) for v in values]
    return meta


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return tuple(v for v in str(value or "").split("|") if v)


def item_from_metadata(item_id: str, meta: dict[str, Any]) -> CatalogItem:
    """Inverse of item_to_metadata; also reads the first layout (everything but title/year/genres/ratings in
    an `item_json` field), so catalogs ingested before the layout change open unchanged."""
    if "item_json" in meta:
        legacy = json.loads(meta["item_json"] or "{}")
        meta = {**meta, **{k: v for k, v in legacy.items() if k != "extra"}, "extra": json.dumps(legacy.get("extra"))}
    year = meta.get("year")
    mean = meta.get("rating_mean")
    return CatalogItem(
        item_id=item_id,
        title=str(meta.get("title", "")),
        year=int(year) if year is not None and int(year) >= 0 else None,
        genres=_strings(meta.get("genres")),
        overview=str(meta.get("overview") or ""),
        keywords=_strings(meta.get("keywords")),
        tagline=str(meta.get("tagline") or ""),
        tags=_strings(meta.get("tags")),
        rating_count=int(meta.get("rating_count") or 0),
        rating_mean=float(mean) if mean is not None and float(mean) >= 0 else None,
        extra=dict(json.loads(meta.get("extra") or "null") or {}),
    )
