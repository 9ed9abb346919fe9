"""The profile of demo user 1 against a genre ranking computed by hand from the raw MovieLens CSV rows.

Independent code path: csv module on ratings.csv / movies.csv, the documented weighting (rating minus the
user's mean rating, times a recency decay 0.5 ** (age_days / 730) from the user's newest event).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from store.catalog import CatalogStore
from store.embedder import HashingEmbedder
from store.history import HistoryStore
from store.movielens import Ratings
from tests.catalog_fixtures import DEMO_DATA, demo_items
from tools.context import ToolContext
from tools.profile import build_profile
from tools.titles import TitleIndex

USER = "1"
HALF_LIFE_DAYS = 730.0


def raw_rows(user: str) -> list[dict[str, str]]:
    with (DEMO_DATA / "ml-latest-small" / "ratings.csv").open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["userId"] == user]


def raw_genres() -> dict[str, list[str]]:
    with (DEMO_DATA / "ml-latest-small" / "movies.csv").open(newline="", encoding="utf-8") as handle:
        return {
            row["movieId"]: [g for g in row["genres"].split("|") if g != "(no genres listed)"]
            for row in csv.DictReader(handle)
        }


def hand_ranking(rows: list[dict[str, str]]) -> list[tuple[str, float]]:
    genres = raw_genres()
    mean = sum(float(r["rating"]) for r in rows) / len(rows)
    newest = max(int(r["timestamp"]) for r in rows)
    totals: dict[str, float] = defaultdict(float)
    for r in rows:
        age_days = (newest - int(r["timestamp"])) / 86400.0
        weight = (float(r["rating"]) - mean) * 0.5 ** (age_days / HALF_LIFE_DAYS)
        for genre in genres[r["movieId"]]:
            totals[genre] += weight
    return sorted(totals.items(), key=lambda kv: -kv[1])


@pytest.fixture(scope="module")
def user_one(tmp_path_factory: pytest.TempPathFactory) -> tuple[ToolContext, list[dict[str, str]]]:
    rows = raw_rows(USER)
    assert len(rows) > 100  # user 1 rated 232 films
    rated = {r["movieId"] for r in rows}
    items = [item for item in demo_items() if item.item_id in rated]
    catalog = CatalogStore.from_items(items, HashingEmbedder())
    folder = tmp_path_factory.mktemp("profile")
    history = HistoryStore(folder / "history.sqlite3")
    history.import_movielens(
        Ratings(
            np.array([r["userId"] for r in rows], dtype=object),
            np.array([r["movieId"] for r in rows], dtype=object),
            np.array([float(r["rating"]) for r in rows], dtype=np.float32),
            np.array([int(r["timestamp"]) for r in rows], dtype=np.int64),
        )
    )
    ctx = ToolContext(catalog, history, catalog.embedder, TitleIndex(items), USER)
    return ctx, rows


def test_profile_genres_match_hand_computation(user_one: tuple[ToolContext, list[dict[str, str]]]) -> None:
    ctx, rows = user_one
    profile = build_profile(ctx)
    expected = hand_ranking(rows)
    got = [(row["genre"], row["weight"]) for row in profile["top_genres"]]
    assert [g for g, _ in got] == [g for g, _ in expected[: len(got)]]
    for (_, weight), (_, want) in zip(got, expected, strict=False):
        assert weight == pytest.approx(want, abs=2e-3)
    assert profile["counts"]["ratings"] == len(rows)
    assert profile["mean_rating"] == pytest.approx(sum(float(r["rating"]) for r in rows) / len(rows), abs=1e-3)


def test_profile_is_only_this_users(user_one: tuple[ToolContext, list[dict[str, str]]], tmp_path: Path) -> None:
    ctx, _ = user_one
    ctx.history.add_event("someone-else", ctx.catalog.items()[0].item_id, "dislike")
    other = ToolContext(ctx.catalog, ctx.history, ctx.embedder, ctx.titles, "nobody")
    assert build_profile(other)["counts"]["items"] == 0
    assert build_profile(ctx)["counts"]["dislikes"] == 0
