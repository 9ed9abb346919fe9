"""Shared helpers for catalog tests: a real subset of the demo items, settings in a temp folder."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.config import REPO_ROOT, Settings
from store.items import CatalogItem
from store.movielens import load_demo_items

DEMO_DATA = REPO_ROOT / "data"


@lru_cache(maxsize=1)
def demo_items() -> tuple[CatalogItem, ...]:
    return tuple(load_demo_items(DEMO_DATA))


def popular_items(n: int = 400) -> list[CatalogItem]:
    """The n most rated demo items (real titles, years, genres, overviews)."""
    return sorted(demo_items(), key=lambda i: -i.rating_count)[:n]


def tmp_settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(home=tmp_path / "home", data_dir=DEMO_DATA, **overrides)  # type: ignore[arg-type]
