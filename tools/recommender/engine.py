"""The recommender engine over one catalog, loaded once per process: the hybrid ranker on trained EASE^R weights,
or — for a catalog without interaction history — the content + popularity ranker."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from store.catalog import CatalogStore
from tools.recommender.content import ContentRanker, ContentWeights
from tools.recommender.ease import EaseModel, ModelNotTrained
from tools.recommender.hybrid import HybridRanker, HybridWeights, RankRequest
from tools.recommender.rules import Rules
from tools.results import ScoredItem

log = logging.getLogger(__name__)
# Weights whose items are mostly not in the catalog were trained on another catalog (a film home re-ingested with
# books): at least this share of the weights' items must be catalog items.
MIN_SHARED_ITEMS = 0.5
RankerKind = Literal["hybrid", "content"]


class Ranker(Protocol):
    """What the tools call: the best items for a request, each with a score, a reason and its provenance."""

    popularity: np.ndarray  # the popularity prior, 0..1 by catalog row

    def rank(self, request: RankRequest) -> list[ScoredItem]: ...


class WeightsForAnotherCatalog(ModelNotTrained):
    """The stored EASE^R weights do not belong to the live catalog."""


class Recommender:
    """A ranker over one catalog (EASE^R + hybrid, or content + popularity). Loaded once per process, read-only."""

    def __init__(
        self,
        catalog: CatalogStore,
        ease: EaseModel | None,
        rules: Rules | None = None,
        weights: HybridWeights | None = None,
        *,
        ranker: ContentRanker | None = None,
    ) -> None:
        """The hybrid ranker on `ease`, unless a content `ranker` is given (see `without_history`)."""
        self.catalog = catalog
        self.ease = ease
        self.kind: RankerKind = "hybrid" if ranker is None else "content"
        self.ranker: Ranker = ranker if ranker is not None else HybridRanker(catalog, ease, weights, rules)

    @classmethod
    def without_history(
        cls, catalog: CatalogStore, rules: Rules | None = None, weights: ContentWeights | None = None
    ) -> Recommender:
        """The content + popularity recommender, for a catalog without interaction history (nothing to train)."""
        return cls(catalog, None, ranker=ContentRanker(catalog, weights, rules))

    @classmethod
    def load(cls, models_dir: Path, rules_file: Path | None, catalog: CatalogStore) -> Recommender:
        """The trained weights in models_dir and the business rules (if any) over catalog.

        Raises ModelNotTrained when there are none, WeightsForAnotherCatalog when they were trained on another."""
        ease = EaseModel.load(models_dir)
        shared = sum(catalog.position(item_id) is not None for item_id in ease.item_ids)
        if shared < MIN_SHARED_ITEMS * len(ease.item_ids):
            raise WeightsForAnotherCatalog(
                f"the recommender weights in {models_dir} are for another catalog ({shared} of their "
                f"{len(ease.item_ids)} items are in this one): retrain with `concierge train`"
            )
        return cls(catalog, ease, Rules.load(rules_file))

    @classmethod
    def for_catalog(cls, models_dir: Path, rules_file: Path | None, catalog: CatalogStore) -> Recommender:
        """The hybrid recommender when weights trained on this catalog exist, else the content + popularity one
        (logged: a catalog without interaction history is normal, not an error)."""
        try:
            return cls.load(models_dir, rules_file, catalog)
        except WeightsForAnotherCatalog as exc:
            log.warning("%s; until then: recommending by content and popularity", exc)
        except ModelNotTrained:
            log.info("no recommender weights in %s: recommending by content and popularity", models_dir)
        return cls.without_history(catalog, Rules.load(rules_file))


__all__ = ["Ranker", "RankerKind", "Recommender", "WeightsForAnotherCatalog"]
