"""Reasons a person believes: a hybrid pick's reason cites the liked contributors that share a catalog category or
the decade with it (looking past the top two), names what they share in the reply language, and never claims a
shared trait that is not there; the provenance stays exact and records the citation."""

from __future__ import annotations

import re

import numpy as np
import pytest

from prompts.locale import Locale, shipped_locales
from store.catalog import CatalogStore
from store.embedder import HashingEmbedder
from store.items import CatalogItem
from tests.catalog_fixtures import demo_hybrid_ranker
from tools.recommender.ease import EaseModel
from tools.recommender.hybrid import HybridRanker, RankRequest
from tools.recommender.reasons import CITED, decade_of, shared_traits
from tools.results import LIKED_ITEMS, ScoredItem

PICK = CatalogItem("p", "Pick", 1995, ("Comedy", "Romance"), "A wedding goes wrong in a small town.")
HORROR = CatalogItem("a", "Night Crawl", 1970, ("Horror",), "Something moves in the cellar at night.")
WAR = CatalogItem("b", "Long Front", 1950, ("War",), "Soldiers hold a bridge through the winter.")
COMEDY = CatalogItem("c", "Office Pranks", 1984, ("Comedy",), "Two clerks play tricks on their boss.")
NINETIES = CatalogItem("d", "Deep Heist", 1992, ("Crime",), "A crew robs a bank vault under the river.")
ROMANCE = CatalogItem("e", "Summer Letters", 1988, ("Comedy", "Drama"), "Pen pals fall for each other.")
TWIN = CatalogItem("f", "Small Town Wedding", 1961, ("Comedy",), "A wedding goes wrong in a small town.")
ITEMS = [PICK, HORROR, WAR, COMEDY, NINETIES, ROMANCE, TWIN]
# ENGLISH words no other language's reason has a reason to contain
ENGLISH_WORDS = re.compile(r"\b(because|you|liked|also|from|the|and)\b", re.IGNORECASE)


def tiny_ranker(votes: dict[str, float]) -> HybridRanker:
    """A six-item catalog whose EASE weights give each liked item exactly `votes[id]` for the pick."""
    ids = [item.item_id for item in ITEMS]
    weights = np.zeros((len(ids), len(ids)), dtype=np.float32)
    for liked, vote in votes.items():
        weights[ids.index(liked), ids.index(PICK.item_id)] = vote
    catalog = CatalogStore.from_items(ITEMS, HashingEmbedder())
    return HybridRanker(catalog, EaseModel(ids, weights, 1.0, "test"))


def rank_pick(votes: dict[str, float], words: Locale | None = None) -> ScoredItem:
    ranker = tiny_ranker(votes)
    keep = np.array([item.item_id == PICK.item_id for item in ITEMS])
    (scored,) = ranker.rank(RankRequest({liked: 1.0 for liked in votes}, keep, k=1, words=words))
    assert scored.item.item_id == PICK.item_id
    return scored


def test_the_third_contributor_is_cited_when_only_it_shares_a_category() -> None:
    scored = rank_pick({"a": 0.9, "b": 0.6, "c": 0.3})
    assert scored.reason == "Because you liked Office Pranks (1984), also Comedy"
    # the provenance is the exact collaborative one, in contribution order; the citation is recorded beside it
    assert [e["item_id"] for e in scored.provenance[LIKED_ITEMS]] == ["a", "b", "c"]
    assert [e["contribution"] for e in scored.provenance[LIKED_ITEMS]] == pytest.approx([0.9, 0.6, 0.3])
    assert scored.provenance["collaborative"] == pytest.approx(1.8)
    assert scored.provenance["collaborative_rest"] == pytest.approx(0.0, abs=1e-6)
    assert scored.provenance[CITED] == {"item_ids": ["c"], "genres": ["Comedy"], "decade": None}


def test_a_shared_decade_is_named() -> None:
    scored = rank_pick({"a": 0.9, "d": 0.2})
    assert scored.reason == "Because you liked Deep Heist (1992), also from the 1990s"
    assert scored.provenance[CITED] == {"item_ids": ["d"], "genres": [], "decade": 1990}


def test_a_shared_category_comes_before_a_shared_decade() -> None:
    scored = rank_pick({"a": 0.9, "d": 0.6, "c": 0.3})
    assert scored.reason == "Because you liked Office Pranks (1984), also Comedy"


def test_two_contributors_are_cited_with_what_both_share() -> None:
    scored = rank_pick({"a": 0.9, "c": 0.5, "d": 0.4, "e": 0.3})
    # Deep Heist shares only the decade, not Office Pranks' Comedy: the next one sharing a category is cited
    assert scored.reason == "Because you liked Office Pranks (1984) and Summer Letters (1988), also Comedy"
    assert scored.provenance[CITED]["item_ids"] == ["c", "e"]


def test_without_a_sharing_contributor_the_reason_claims_nothing_shared() -> None:
    scored = rank_pick({"a": 0.9, "b": 0.6})
    assert CITED not in scored.provenance
    assert scored.reason == "Because you liked Night Crawl (1970) and Long Front (1950) · Comedy, Romance"
    assert "also" not in scored.reason


def test_the_shared_trait_is_said_in_the_reply_language() -> None:
    german = shipped_locales().get("de")
    scored = rank_pick({"a": 0.9, "b": 0.6, "c": 0.3}, german)
    assert scored.reason == "Weil dir Office Pranks (1984) gefallen hat – ebenfalls Komödie"
    scored = rank_pick({"a": 0.9, "d": 0.2}, german)
    assert scored.reason == "Weil dir Deep Heist (1992) gefallen hat – ebenfalls aus den 1990ern"


def test_a_liked_item_close_in_content_sharing_a_category_is_the_fallback() -> None:
    # the twin votes against the pick (no positive contribution, so it is never cited) but is its nearest liked
    # item in content and shares Comedy with it: "Similar to" it is true, "Because you liked" the others says less
    scored = rank_pick({"a": 0.9, "b": 0.6, "f": -0.2})
    assert CITED not in scored.provenance
    assert scored.provenance["content_similarity"]["to"] == TWIN.label
    assert scored.reason == "Similar to Small Town Wedding (1961) · Comedy, Romance"


@pytest.mark.parametrize("code", [c for c in shipped_locales().codes() if c != "en"])
def test_every_locale_says_a_shared_trait_in_its_own_words(code: str) -> None:
    words = shipped_locales().get(code)
    for titles in (["Alpha"], ["Alpha", "Beta"]):
        for genres, decade in ((["Comedy"], 1990), (["Comedy", "Romance"], ""), ([], 1990)):
            text = words.phrase(
                "because_shared",
                titles=words.join(titles),
                count=len(titles),
                genres=words.join([words.category_name(g) for g in genres]),
                decade=decade,
            )
            assert all(text.count(t) == 1 for t in titles), text
            assert all(words.category_name(g) in text for g in genres), text
            assert ("1990" in text) == bool(decade), text
            assert not ENGLISH_WORDS.search(text.replace("Alpha", "").replace("Beta", "")), text


@pytest.fixture(scope="module")
def demo_ranker() -> HybridRanker:
    return demo_hybrid_ranker(300, 100.0)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_every_cited_title_is_a_positive_contributor_sharing_the_named_trait(
    demo_ranker: HybridRanker, seed: int
) -> None:
    catalog = demo_ranker.catalog
    rng = np.random.default_rng(seed)
    picked = rng.choice(catalog.count(), 12, replace=False)
    history = {catalog.items()[i].item_id: 1.0 for i in picked}
    keep = np.ones(catalog.count(), dtype=bool)
    results = demo_ranker.rank(RankRequest(history, keep, 10))
    cited_any = 0
    for scored in results:
        contributors = {e["item_id"]: e["contribution"] for e in scored.provenance[LIKED_ITEMS]}
        traits = {i: shared_traits(scored.item, catalog.get(i)) for i in contributors}  # type: ignore[arg-type]
        sharing = [i for i in contributors if traits[i].genres] or [i for i in contributors if traits[i]]
        cited = scored.provenance.get(CITED)
        assert (cited is not None) == bool(sharing), scored.reason
        if cited is None:
            assert ", also" not in scored.reason
            continue
        cited_any += 1
        assert cited["item_ids"] and cited["item_ids"][0] == sharing[0]
        for item_id in cited["item_ids"]:
            liked = catalog.get(item_id)
            assert liked is not None and contributors[item_id] > 0
            assert liked.label in scored.reason
            assert all(g in liked.genres and g in scored.item.genres for g in cited["genres"])
            assert cited["decade"] is None or decade_of(liked.year) == cited["decade"] == decade_of(scored.item.year)
        assert all(g in scored.reason for g in cited["genres"])
        assert cited["decade"] is None or f"{cited['decade']}s" in scored.reason
    assert cited_any >= 5
