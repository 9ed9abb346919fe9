"""The evaluation's vectorised hybrid ranks exactly like the product's HybridRanker (same weights)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tests.catalog_fixtures import demo_hybrid_ranker
from tools.recommender.eval_models import content_scores, ease_scores, hybrid_scores, mmr_rerank
from tools.recommender.hybrid import HybridRanker, RankRequest
from tools.recommender.metrics import top_k


@pytest.fixture(scope="module")
def ranker() -> HybridRanker:
    return demo_hybrid_ranker(250, 80.0)  # the default HybridWeights


@pytest.mark.parametrize("size", [3, 25])  # a cold and a warm history
@pytest.mark.parametrize("diversify", [False, True])
def test_vectorised_hybrid_matches_ranker(ranker: HybridRanker, size: int, diversify: bool) -> None:
    catalog, ease = ranker.catalog, ranker.ease
    assert ease is not None
    rng = np.random.default_rng(size)
    picked = rng.choice(catalog.count(), size, replace=False)
    history = {catalog.items()[i].item_id: float(rng.choice([3.5, 4.0, 5.0])) / 5.0 for i in picked}
    keep = np.ones(catalog.count(), dtype=bool)
    expected = [s.item.item_id for s in ranker.rank(RankRequest(history, keep, 20, diversify=diversify))]

    row = sp.csr_matrix(
        (list(history.values()), ([0] * size, [catalog.index_of(i) for i in history])), shape=(1, catalog.count())
    )
    exclude = row.copy()
    cols = np.array([catalog.index_of(i) for i in ease.item_ids])
    collab = ease_scores(row, cols, np.asarray(ease.weights))
    content = content_scores(row, catalog.matrix)
    scores = hybrid_scores(collab, content, ranker.popularity, np.array([size]), exclude, ranker.weights)
    if diversify:
        got = mmr_rerank(scores, exclude, catalog.matrix, 20, ranker.weights.mmr_lambda)[0]
    else:
        got = top_k(scores, exclude, 20)[0]
    assert [catalog.items()[i].item_id for i in got] == expected
