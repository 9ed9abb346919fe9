"""The recommender engine: EASE^R weights and the hybrid ranker over one catalog, loaded once per process."""

from __future__ import annotations

from pathlib import Path

from store.catalog import CatalogStore
from tools.recommender.ease import EaseModel
from tools.recommender.hybrid import HybridRanker, HybridWeights
from tools.recommender.rules import Rules


class Recommender:
    """EASE^R weights + the hybrid ranker over one catalog. Loaded once per process, read-only."""

    def __init__(
        self,
        catalog: CatalogStore,
        ease: EaseModel | None,
        rules: Rules | None = None,
        weights: HybridWeights | None = None,
    ) -> None:
        self.catalog = catalog
        self.ease = ease
        self.ranker = HybridRanker(catalog, ease, weights, rules)

    @classmethod
    def load(cls, models_dir: Path, rules_file: Path | None, catalog: CatalogStore) -> Recommender:
        """The trained weights in models_dir and the business rules (if any) over catalog."""
        return cls(catalog, EaseModel.load(models_dir), Rules.load(rules_file))
