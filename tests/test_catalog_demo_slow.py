"""Real MiniLM on the real demo catalog: the lead's build in ./var when present, else a fresh build (subset).

Slow: loads the model (and, without ./var, embeds the 1,500 most rated demo items).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import REPO_ROOT, Settings
from store.catalog import CatalogNotBuilt, CatalogStore
from tests.catalog_fixtures import DEMO_DATA, popular_items

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> CatalogStore:
    from store.embedder import MiniLMEmbedder
    from store.ingest import ingest_items

    embedder = MiniLMEmbedder()
    built = Settings(home=REPO_ROOT / "var", data_dir=DEMO_DATA)  # type: ignore[call-arg]
    if (built.chroma_path / "chroma.sqlite3").is_file():
        try:
            return CatalogStore.open(built.chroma, embedder)
        except CatalogNotBuilt:
            pass
    home: Path = tmp_path_factory.mktemp("demo-home")
    settings = Settings(home=home, data_dir=DEMO_DATA)  # type: ignore[call-arg]
    ingest_items(settings.chroma, embedder, popular_items(1500), source="test-demo", show_progress=False)
    return CatalogStore.open(settings.chroma, embedder)


def test_mafia_family_saga_finds_the_godfather(demo_store: CatalogStore) -> None:
    top = [item.label for item, _ in demo_store.search("mafia family saga", k=5)]
    assert "The Godfather (1972)" in top, top


def test_filtered_semantic_search_on_real_vectors(demo_store: CatalogStore) -> None:
    hits = demo_store.search("heist movie with a twist", genres=["Crime"], year_from=1990, year_to=2005, k=10)
    assert len(hits) == 10
    assert all("Crime" in item.genres and 1990 <= (item.year or 0) <= 2005 for item, _ in hits)
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True) and 0.2 < scores[0] <= 1.0
    assert demo_store.search("Toy Story", k=1)[0][0].label == "Toy Story (1995)"
