"""The books demo home (goodbooks-10k in Chroma, embedded with the real MiniLM; no history, no EASE weights) that the
books dialogue tests talk to.

It lives next to the film demo home, in $CONCIERGE_BOOKS_HOME (default ./var-books), and is built once: the first
test session ingests the 10,000 books (about 100 s on 2 shared cores); later sessions find the same content hash and
skip the ingest (a few seconds: the CSV is read and hashed). Tests only read it; dialogue users are forgotten.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from bot.cli.catalog import ingest_books_catalog
from bot.config import REPO_ROOT, Settings
from store.embedder import MiniLMEmbedder
from store.ingest import IngestSummary


@dataclass(frozen=True, slots=True)
class BooksHome:
    settings: Settings
    embedder: MiniLMEmbedder
    ingest: IngestSummary
    seconds: float  # what preparing the home took this session (the ingest, or the check that it is current)


def books_settings() -> Settings:
    home = Path(os.environ.get("CONCIERGE_BOOKS_HOME", REPO_ROOT / "var-books")).resolve()
    return Settings(home=home, data_dir=REPO_ROOT / "data")


def build_books_home() -> BooksHome:
    """The books home, ingested now unless its catalog is already the current goodbooks-10k with the books profile."""
    started = time.perf_counter()
    settings = books_settings()
    embedder = MiniLMEmbedder(settings.embed_dtype)
    summary = ingest_books_catalog(settings, embedder)
    return BooksHome(settings, embedder, summary, time.perf_counter() - started)
