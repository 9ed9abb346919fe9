"""A single stated like shapes the picks (issue 14): a new user who says they liked one horror (romance, animation)
film gets picks that lean that way, far above the genre's share of the catalog, from the trained demo ranker."""

from __future__ import annotations

import pytest

from tests.catalog_fixtures import demo_hybrid_ranker
from tools.recommender.hybrid import HybridRanker, RankRequest

LIKED = {  # the genre a like should pull towards, and liked films of it among the 1,500 most rated demo films
    "Horror": ["The Shining", "Halloween", "Scream", "The Exorcist"],
    "Romance": ["Notting Hill", "Pretty Woman", "Sleepless in Seattle"],
    "Animation": ["Toy Story", "Shrek", "Finding Nemo"],
}
MIN_LIFT = 3.0  # the genre's share of the top 10, at least this many times its share of the catalog


@pytest.fixture(scope="module")
def ranker() -> HybridRanker:
    return demo_hybrid_ranker(1500, 120.0)


@pytest.mark.parametrize("genre", sorted(LIKED))
def test_one_liked_film_leans_the_picks_to_its_genre(ranker: HybridRanker, genre: str) -> None:
    catalog = ranker.catalog
    items = catalog.items()
    base = sum(genre in item.genres for item in items) / len(items)
    by_title = {item.title: item for item in items}
    shares = []
    for title in LIKED[genre]:
        liked = by_title[title]
        keep = catalog.mask(exclude_ids=[liked.item_id])
        picks = ranker.rank(RankRequest({liked.item_id: 1.0}, keep, 10, None, None, []))
        assert len(picks) == 10
        shares.append(sum(genre in pick.item.genres for pick in picks) / len(picks))
    mean = sum(shares) / len(shares)
    assert mean >= MIN_LIFT * base, f"{genre}: {mean:.2f} of the picks vs {base:.2f} of the catalog ({shares})"
