"""A real backend over a real Chroma catalog (local folder or server) of popular demo movies, for live-update tests:
hashing embedder, EASE^R trained on their MovieLens ratings and saved where the service loads it, demo users."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.composition import Overrides
from bot.concierge import Concierge, build_backend
from bot.config import Settings
from store.embedder import HashingEmbedder
from store.history import HistoryStore
from store.ingest import ingest_items
from tests.app_fixtures import _small_parts, import_demo_users
from tests.catalog_fixtures import DEMO_DATA

EMBEDDER = HashingEmbedder()


def build_catalog(settings: Settings) -> None:
    """Ingest the small catalog into settings' Chroma and save its EASE weights under settings' models folder."""
    catalog, ease = _small_parts()
    ingest_items(settings.chroma, EMBEDDER, catalog.items(), source="test:small", show_progress=False)
    ease.save(settings.models_dir)


def live_backend(home: Path, **settings: Any) -> Concierge:
    """A warmed-up Concierge whose catalog is loaded from Chroma (not an in-memory override)."""
    config = Settings(home=home, data_dir=DEMO_DATA, reply_mode="template", **settings)
    history = HistoryStore(config.history_path)
    import_demo_users(history)
    backend = build_backend(config, Overrides(embedder=EMBEDDER, history=history))
    backend.warm_up()
    return backend
