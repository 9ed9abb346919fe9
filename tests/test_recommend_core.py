"""The recommend tool on a small real catalog (HashingEmbedder) with EASE trained on the demo ratings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from store.catalog import CatalogStore
from store.embedder import HashingEmbedder
from store.history import HistoryStore
from store.movielens import load_ratings
from tests.catalog_fixtures import DEMO_DATA, popular_items
from tools.context import ToolContext
from tools.recommend import recommend
from tools.recommender.ease import EaseModel, positive_interactions
from tools.recommender.engine import Recommender
from tools.recommender.rules import Rules, RulesFileError
from tools.titles import TitleIndex


@pytest.fixture(scope="module")
def world() -> tuple[CatalogStore, EaseModel]:
    items = popular_items(300)
    catalog = CatalogStore.from_items(items, HashingEmbedder())
    ratings = load_ratings(DEMO_DATA)
    users, item_ids = positive_interactions(
        ratings.user_ids, ratings.item_ids, np.full(len(ratings), "rating", dtype=object), ratings.ratings
    )
    ease = EaseModel.train(users, item_ids, [i.item_id for i in items], 100.0, "test")
    return catalog, ease


def make_ctx(world: tuple[CatalogStore, EaseModel], tmp_path: Path, rules: Rules | None = None) -> ToolContext:
    catalog, ease = world
    history = HistoryStore(tmp_path / "history.sqlite3")
    return ToolContext(
        catalog,
        history,
        catalog.embedder,
        TitleIndex(catalog.items()),
        "alice",
        recommender=Recommender(catalog, ease, rules),
    )


def ids(catalog: CatalogStore, *titles: str) -> list[str]:
    index = TitleIndex(catalog.items())
    return [index.resolve(t).item_id for t in titles]


def test_seen_rated_and_disliked_items_never_returned(world: tuple[CatalogStore, EaseModel], tmp_path: Path) -> None:
    ctx = make_ctx(world, tmp_path)
    liked = ids(ctx.catalog, "Heat", "The Matrix", "Pulp Fiction", "Fight Club")
    for item_id in liked:
        ctx.history.add_event("alice", item_id, "rating", 5.0)
    # top picks for this history become seen / disliked / low-rated: they must disappear
    first = [s.item.item_id for s in recommend(ctx, k=6).items]
    ctx.history.add_event("alice", first[0], "seen")
    ctx.history.add_event("alice", first[1], "dislike")
    ctx.history.add_event("alice", first[2], "rating", 1.0)
    again = [s.item.item_id for s in recommend(ctx, k=30).items]
    assert not set(again) & (set(liked) | set(first[:3]))
    assert len(again) == 30


def test_filters_respected(world: tuple[CatalogStore, EaseModel], tmp_path: Path) -> None:
    ctx = make_ctx(world, tmp_path)
    result = recommend(ctx, likes=["Heat"], genres=["Comedy"], exclude_genres=["Romance"], year_from=1990, year_to=1999)
    assert result.items
    for scored in result.items:
        assert "Comedy" in scored.item.genres and "Romance" not in scored.item.genres
        assert scored.item.year is not None and 1990 <= scored.item.year <= 1999
    unfiltered = [s.item.item_id for s in recommend(ctx, likes=["Heat"], k=5).items]
    excluded = [s.item.item_id for s in recommend(ctx, likes=["Heat"], exclude_ids=unfiltered, k=20).items]
    assert not set(unfiltered) & set(excluded)


def test_provenance_contributions_sum_to_collaborative(world: tuple[CatalogStore, EaseModel], tmp_path: Path) -> None:
    ctx = make_ctx(world, tmp_path)
    catalog, ease = world
    for item_id, rating in zip(
        ids(catalog, "Heat", "Die Hard", "The Matrix", "Toy Story", "Alien"), (5, 4, 4.5, 4, 5), strict=True
    ):
        ctx.history.add_event("alice", item_id, "rating", float(rating))
    history = ctx.history.liked("alice")
    checked = 0
    for scored in recommend(ctx, k=10).items:
        prov = scored.provenance
        if "collaborative" not in prov:
            continue
        listed = sum(entry["contribution"] for entry in prov["liked_items"])
        assert listed + prov["collaborative_rest"] == pytest.approx(prov["collaborative"], abs=1e-6)
        # independent check: Σ_j weight_j · B[j, i] over the history
        column = ease.index[scored.item.item_id]
        expected = sum(history[j] / 5.0 * float(ease.weights[ease.index[j], column]) for j in history)
        assert prov["collaborative"] == pytest.approx(expected, rel=1e-4, abs=1e-6)
        contributions = [e["contribution"] for e in prov["liked_items"]]
        assert contributions == sorted(contributions, reverse=True)
        if prov["liked_items"]:
            # the reason names the contributors it cites (those sharing a category or the decade with the pick,
            # tests/test_reasons_shared_traits.py), else the top one, unless it is "Similar to" a liked item
            titles = {entry["item_id"]: entry["title"] for entry in prov["liked_items"]}
            named = (prov.get("cited") or {}).get("item_ids") or [prov["liked_items"][0]["item_id"]]
            if not scored.reason.startswith("Similar to"):
                assert all(titles[item_id] in scored.reason for item_id in named)
        checked += 1
    assert checked >= 5


def write_rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_rules_boost_pin_exclude_applied_and_named(world: tuple[CatalogStore, EaseModel], tmp_path: Path) -> None:
    catalog, _ = world
    baseline = [s.item.item_id for s in recommend(make_ctx(world, tmp_path / "a"), likes=["Heat"], k=10).items]
    boosted, pinned = ids(catalog, "Toy Story", "Mary Poppins")
    excluded = baseline[0]
    rules = Rules.load(
        write_rules(
            tmp_path,
            f"boost:\n  - name: family-week\n    items: ['{boosted}']\n    weight: 5\n"
            f"pin: ['{pinned}']\nexclude: ['{excluded}']\n",
        )
    )
    items = recommend(make_ctx(world, tmp_path / "b", rules), likes=["Heat"], k=10).items
    got = [s.item.item_id for s in items]
    assert excluded not in got
    assert got[0] == pinned and "pin" in items[0].provenance["rules"]
    assert boosted in got and boosted not in baseline
    boosted_item = items[got.index(boosted)]
    assert "boost:family-week" in boosted_item.provenance["rules"]
    assert "boost:family-week" in boosted_item.reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("boost: [1, 2\n", "cannot read rules"),
        ("- just a list\n", "expected a mapping"),
        ("promote: ['1']\n", "unknown keys"),
        ("boost:\n  - items: ['1']\n", "boost #1 needs"),
        ("boost:\n  - items: ['1']\n    weight: lots\n", "weight must be a number"),
    ],
)
def test_bad_rules_file_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = write_rules(tmp_path, text)
    with pytest.raises(RulesFileError, match=message) as info:
        Rules.load(path)
    assert str(path) in str(info.value)
