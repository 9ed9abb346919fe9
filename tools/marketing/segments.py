"""Audience segments: users clustered by their taste profiles (genre and decade shares of what they liked).

Each user's profile is the weighted share of genres and (half-weighted) decades among the items of their
history; weights come from the signal (like 1, rating r -> (r - 2.5) / 2.5 clipped at 0, seen 0.2, dislike 0).
KMeans with a fixed seed clusters the profiles; segments are numbered by size (0 = largest) and named from
their most over-represented genres, their main decade and the TMDB keywords of the items they liked.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from store.items import CatalogItem
from tools.marketing.grounding import main_title

if TYPE_CHECKING:
    from tools.context import ToolContext

DECADE_WEIGHT = 0.5
NO_GENRE = "(no genres listed)"


def signal_weight(signal: str, rating: float | None) -> float:
    """How much one history event says the user likes the item (0..1)."""
    if signal == "like":
        return 1.0
    if signal == "rating" and rating is not None:
        return max(0.0, (float(rating) - 2.5) / 2.5)
    return 0.2 if signal == "seen" else 0.0


def decade_of(year: int | None) -> str | None:
    if year is None:
        return None
    return "before 1950" if year < 1950 else f"{year // 10 * 10}s"


@dataclass(slots=True)
class Profiles:
    """Taste profiles of all users with any positive history, rows aligned with user_ids (sorted)."""

    user_ids: list[str]
    genres: list[str]
    decades: list[str]
    matrix: np.ndarray  # users x (genres + decades)
    liked: dict[str, dict[str, float]]  # user -> item_id -> weight
    seen: dict[str, set[str]]

    def genre_shares(self, rows: np.ndarray) -> list[tuple[str, float]]:
        shares = self.matrix[rows, : len(self.genres)].mean(axis=0) if len(rows) else np.zeros(len(self.genres))
        return sorted(zip(self.genres, map(float, shares), strict=True), key=lambda p: -p[1])

    def decade_shares(self, rows: np.ndarray) -> list[tuple[str, float]]:
        part = self.matrix[rows, len(self.genres) :] / DECADE_WEIGHT
        shares = part.mean(axis=0) if len(rows) else np.zeros(len(self.decades))
        return sorted(zip(self.decades, map(float, shares), strict=True), key=lambda p: -p[1])


def build_profiles(ctx: ToolContext) -> Profiles:
    """Profiles of every user in ctx.history, from their events and the catalog's genres and years."""
    items = ctx.catalog.items()
    genres = sorted({g for it in items for g in it.genres if g != NO_GENRE})
    decades = sorted({d for it in items if (d := decade_of(it.year))}, key=lambda d: (d != "before 1950", d))
    g_index = {g: i for i, g in enumerate(genres)}
    d_index = {d: len(genres) + i for i, d in enumerate(decades)}
    by_id = {it.item_id: it for it in items}
    rows: list[np.ndarray] = []
    user_ids: list[str] = []
    liked: dict[str, dict[str, float]] = {}
    seen: dict[str, set[str]] = {}
    for user in sorted(ctx.history.users()):
        weights: dict[str, float] = {}
        seen_ids: set[str] = set()
        for event in ctx.history.events(user):
            seen_ids.add(event.item_id)
            weights[event.item_id] = max(weights.get(event.item_id, 0.0), signal_weight(event.signal, event.rating))
        row = np.zeros(len(genres) + len(decades), dtype=np.float64)
        for item_id, weight in weights.items():
            item = by_id.get(item_id)
            if item is None or weight <= 0:
                continue
            item_genres = [g for g in item.genres if g in g_index]
            for g in item_genres:
                row[g_index[g]] += weight / len(item_genres)
            if (d := decade_of(item.year)) is not None:
                row[d_index[d]] += weight
        g_total, d_total = row[: len(genres)].sum(), row[len(genres) :].sum()
        if g_total <= 0:
            continue
        row[: len(genres)] /= g_total
        if d_total > 0:
            row[len(genres) :] *= DECADE_WEIGHT / d_total
        rows.append(row)
        user_ids.append(user)
        liked[user] = {i: w for i, w in weights.items() if w > 0 and i in by_id}
        seen[user] = seen_ids
    matrix = np.vstack(rows) if rows else np.zeros((0, len(genres) + len(decades)))
    return Profiles(user_ids, genres, decades, matrix, liked, seen)


@dataclass(slots=True)
class Segment:
    """One cluster of users, described by aggregates only."""

    segment_id: int
    name: str
    size: int
    top_genres: list[tuple[str, float]]
    top_decades: list[tuple[str, float]]
    keywords: list[str]
    example_items: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "segment_id": self.segment_id,
            "name": self.name,
            "size": self.size,
            "top_genres": [{"genre": g, "share": round(s, 3)} for g, s in self.top_genres],
            "top_decades": [{"decade": d, "share": round(s, 3)} for d, s in self.top_decades],
            "keywords": self.keywords,
            "example_items": self.example_items,
        }


@dataclass(slots=True)
class Segmentation:
    """The segments and which user is in which (the assignment is for batch jobs, never shown in chat)."""

    segments: list[Segment]
    assignment: dict[str, int] = field(default_factory=dict)

    def users_of(self, segment_id: int) -> list[str]:
        if not any(s.segment_id == segment_id for s in self.segments):
            known = ", ".join(str(s.segment_id) for s in self.segments)
            raise ValueError(f"no segment {segment_id}; segments are {known}")
        return sorted((u for u, s in self.assignment.items() if s == segment_id), key=_user_order)


def _user_order(user_id: str) -> tuple[int, int | str]:
    return (0, int(user_id)) if user_id.isdigit() else (1, user_id)


def _lifted(counts: Counter[str], totals: Counter[str], n_in: int, n_all: int, k: int, min_count: int) -> list[str]:
    """Keys over-represented in the cluster: count * log(lift), with at least min_count occurrences."""
    scored = []
    for key, count in counts.items():
        if count < min_count:
            continue
        lift = (count / max(1, n_in)) / (totals[key] / max(1, n_all))
        if lift > 1.0:
            scored.append((count * math.log(lift), key))
    return [key for _, key in sorted(scored, key=lambda p: (-p[0], p[1]))[:k]]


def build_segments(
    ctx: ToolContext, n_segments: int = 8, seed: int = 0, profiles: Profiles | None = None
) -> Segmentation:
    """Cluster users' profiles with KMeans (fixed seed) and describe each cluster.

    Args:
        n_segments: how many segments (2-30; fewer when there are few users).
        seed: the KMeans random seed.
        profiles: the users' profiles when already built (build_profiles(ctx)).
    """
    from sklearn.cluster import KMeans

    if not 2 <= n_segments <= 30:
        raise ValueError(f"n_segments must be between 2 and 30, got {n_segments}")
    profiles = profiles or build_profiles(ctx)
    n_users = len(profiles.user_ids)
    if n_users < 2:
        return Segmentation([])
    k = min(n_segments, len(np.unique(profiles.matrix.round(9), axis=0)))
    if k < 2:
        return Segmentation([])
    labels = KMeans(n_clusters=k, random_state=seed, n_init=4).fit_predict(profiles.matrix)
    present = sorted({int(c) for c in labels})
    order = sorted(present, key=lambda c: (-int((labels == c).sum()), int(np.flatnonzero(labels == c)[0])))
    k = len(order)
    renumber = {old: new for new, old in enumerate(order)}
    labels = np.array([renumber[int(c)] for c in labels])
    items = {it.item_id: it for it in ctx.catalog.items()}
    all_rows = np.arange(n_users)
    global_genres = dict(profiles.genre_shares(all_rows))
    global_decades = dict(profiles.decade_shares(all_rows))
    item_totals: Counter[str] = Counter(i for u in profiles.user_ids for i in profiles.liked[u])
    user_keywords = _user_keywords(profiles, items)
    keyword_totals: Counter[str] = Counter(k for u in profiles.user_ids for k in user_keywords[u])
    segments: list[Segment] = []
    for segment_id in range(k):
        rows = np.flatnonzero(labels == segment_id)
        users = [profiles.user_ids[r] for r in rows]
        genres = profiles.genre_shares(rows)
        lifted = sorted((p for p in genres if p[1] >= 0.05), key=lambda p: -p[1] / max(global_genres[p[0]], 1e-9))
        top_genres = lifted[:3] or genres[:2]
        decades = profiles.decade_shares(rows)[:2]
        by_lift = sorted(
            (p for p in profiles.decade_shares(rows) if p[1] >= 0.1),
            key=lambda p: -p[1] / max(global_decades[p[0]], 1e-9),
        )
        item_counts: Counter[str] = Counter(i for u in users for i in profiles.liked[u])
        examples = _lifted(item_counts, item_totals, len(users), n_users, 3, min_count=max(2, len(users) // 10))
        cluster_keywords: Counter[str] = Counter(k for u in users for k in user_keywords[u])
        keywords = _lifted(cluster_keywords, keyword_totals, len(users), n_users, 5, 3)
        name = " / ".join(g for g, _ in top_genres[:2]) + (f" · {by_lift[0][0]}" if by_lift else "")
        if any(name == other.name for other in segments) and examples:
            name += f" (e.g. {main_title(items[examples[0]].title)})"
        segments.append(
            Segment(segment_id, name, len(users), top_genres, decades, keywords, [items[i].label for i in examples])
        )
    assignment = {u: int(labels[r]) for r, u in enumerate(profiles.user_ids)}
    return Segmentation(segments, assignment)


def _user_keywords(profiles: Profiles, items: dict[str, CatalogItem]) -> dict[str, set[str]]:
    """Per user, the TMDB keywords (first 10 per item) of the items they liked."""
    return {
        user: {k for item_id in profiles.liked[user] for k in items[item_id].keywords[:10]}
        for user in profiles.user_ids
    }
