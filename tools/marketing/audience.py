"""Who an item should be marketed to: the users it ranks highest for (reverse recommendation), as aggregates.

`audience_for` needs the marketer role (it raises `RoleRequired`, defined here, a PermissionError the toolbox
reports as an observation). It never returns user ids or histories: only counts, shares and segment names.
`rank_users_for_item` (ids and scores) is for batch jobs on the operator's machine (the campaign CLI).
`audience_summary_public` is the anonymous answer any role may get: counts and shares of people who rated it.

Scoring (rank_users_for_item): with the recommender's EASE model, the item's rank among each user's unseen
items in their collaborative scores (reverse recommendation); for items outside EASE, or without a
recommender, the cosine of the user's taste vector (weighted mean of liked item vectors) with the item's vector.
Users who already rated or saw the item are left out of the ranking (they are counted apart).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tools.context import ToolContext
from tools.marketing.segments import Profiles, build_profiles, build_segments, decade_of
from tools.results import ToolInputError, ToolResult

if TYPE_CHECKING:
    from store.items import CatalogItem

MIN_GROUP = 5  # counts below this are reported as "fewer than 5" (k-anonymity of the public summary)


class RoleRequired(PermissionError):
    """The tool needs a role the session does not have (e.g. audience_for needs "marketer")."""

    def __init__(self, tool: str, role: str, needed: str = "marketer") -> None:
        super().__init__(f"{tool} needs the {needed} role (this session has the {role} role)")
        self.tool, self.role, self.needed = tool, role, needed


def rank_users_for_item(
    ctx: ToolContext, item: CatalogItem, k: int, profiles: Profiles | None = None
) -> list[tuple[str, float]]:
    """The k users (id, score) the item suits best, among users who have not rated or seen it, best first.

    With ctx.recommender's EASE model (and the item in it) users are ordered by the item's rank in their own
    collaborative scores (how high the recommender would put it for them), then by score; otherwise by the
    cosine of their taste vector (weighted mean of liked item vectors) with the item's vector.
    """
    profiles = profiles or build_profiles(ctx)
    candidates = [u for u in profiles.user_ids if item.item_id not in profiles.seen[u] and profiles.liked[u]]
    if not candidates:
        return []
    ranked = _ease_ranking(ctx, item, candidates, profiles)
    if ranked is None:
        ranked = _content_ranking(ctx, item, candidates, profiles)
    ranked.sort(key=lambda r: (r[1], -r[2], r[0]))
    return [(user, round(score, 4)) for user, _, score in ranked[:k]]


def ranking_method(ctx: ToolContext, item: CatalogItem) -> str:
    """ "ease" when the recommender's collaborative model knows the item, else "content"."""
    ease = getattr(ctx.recommender, "ease", None)
    return "ease" if ease is not None and item.item_id in ease.index else "content"


def _ease_ranking(
    ctx: ToolContext, item: CatalogItem, candidates: list[str], profiles: Profiles
) -> list[tuple[str, int, float]] | None:
    if ranking_method(ctx, item) != "ease":
        return None
    ease: Any = getattr(ctx.recommender, "ease", None)
    column = ease.index[item.item_id]
    out = []
    for user in candidates:
        history = {i: w / 5.0 for i, w in ctx.history.liked(user).items()}  # as Recommender.history_weights
        used, contributions = ease.contributions(history)
        if not used:
            continue
        scores = contributions.sum(axis=0)
        seen = [ease.index[i] for i in profiles.seen[user] if i in ease.index]
        scores[seen] = -np.inf
        target = float(scores[column])
        out.append((user, int((scores > target).sum()), target))
    return out


def _content_ranking(
    ctx: ToolContext, item: CatalogItem, candidates: list[str], profiles: Profiles
) -> list[tuple[str, int, float]]:
    item_vector = ctx.catalog.vectors([item.item_id])[0]
    out = []
    for user in candidates:
        liked = profiles.liked[user]
        ids = sorted(liked)
        weights = np.array([liked[i] for i in ids], dtype=np.float32)
        taste = weights @ ctx.catalog.vectors(ids)
        norm = float(np.linalg.norm(taste))
        out.append((user, 0, float(taste @ item_vector) / norm if norm > 0 else 0.0))
    return out


def _shares(pairs: list[tuple[str, float]], key: str, top: int) -> list[dict[str, Any]]:
    return [{key: name, "share": round(share, 3)} for name, share in pairs[:top] if share > 0]


def audience_for(ctx: ToolContext, item: str, k: int = 50) -> ToolResult:
    """Describe the audience an item should be marketed to: the users it suits best, as segments and shares.

    Args:
        item: the item id or title.
        k: how many best-suited users to describe (10-500).
    """
    if ctx.role != "marketer":
        raise RoleRequired("audience_for", ctx.role)
    if not 10 <= k <= 500:
        raise ToolInputError(f"k must be between 10 and 500, got {k}")
    found = ctx.titles.resolve(item)
    profiles = build_profiles(ctx)
    ranked = rank_users_for_item(ctx, found, k, profiles)
    index = {u: n for n, u in enumerate(profiles.user_ids)}
    rows = np.array([index[u] for u, _ in ranked], dtype=int)
    segmentation = build_segments(ctx, profiles=profiles)
    names = {s.segment_id: s.name for s in segmentation.segments}
    counts: dict[int, int] = {}
    for user, _ in ranked:
        segment = segmentation.assignment.get(user)
        if segment is not None:
            counts[segment] = counts.get(segment, 0) + 1
    segments = [
        {"segment_id": s, "name": names[s], "count": n, "share": round(n / max(1, len(ranked)), 3)}
        for s, n in sorted(counts.items(), key=lambda p: (-p[1], p[0]))
    ]
    already = sum(1 for u in profiles.user_ids if found.item_id in profiles.seen[u])
    data = {
        "item_id": found.item_id,
        "title": found.label,
        "audience_size": len(ranked),
        "already_seen": already,
        "ranked_by": ranking_method(ctx, found),
        "mean_score": round(float(np.mean([s for _, s in ranked])), 4) if ranked else None,
        "segments": segments,
        "top_genres": _shares(profiles.genre_shares(rows), "genre", 4),
        "top_decades": _shares(profiles.decade_shares(rows), "decade", 3),
    }
    if segments:
        lead = ", ".join(f"{s['name']} ({s['count']})" for s in segments[:3])
        summary = f"Best audience for {found.label}: {len(ranked)} users who have not seen it, mostly {lead}."
    else:
        summary = f"No audience found for {found.label}: no user history to rank."
    return ToolResult(summary=summary, data=data)


def _count(n: int) -> int | str:
    return n if n >= MIN_GROUP or n == 0 else f"fewer than {MIN_GROUP}"


def audience_summary_public(ctx: ToolContext, item: str) -> ToolResult:
    """Anonymous aggregate figures about who chose an item: counts and shares only, no user ids.

    Args:
        item: the item id or title.
    """
    found = ctx.titles.resolve(item)
    profiles = build_profiles(ctx)
    watchers = [u for u in profiles.user_ids if found.item_id in profiles.seen[u]]
    fans = [u for u in watchers if profiles.liked[u].get(found.item_id, 0.0) >= 0.6]
    total = len(profiles.user_ids)
    decades = [d for d in (decade_of(found.year),) if d]
    data: dict[str, Any] = {
        "item_id": found.item_id,
        "title": found.label,
        "watchers": _count(len(watchers)),
        "share_of_users": round(len(watchers) / total, 3) if total and len(watchers) >= MIN_GROUP else None,
        "liked_share": round(len(fans) / len(watchers), 3) if len(watchers) >= MIN_GROUP else None,
        "decade": decades[0] if decades else None,
    }
    verb = "watched" if ctx.catalog.profile.is_screen else "interacted with"  # the catalog's words (its profile)
    if len(watchers) >= MIN_GROUP:
        index = {u: n for n, u in enumerate(profiles.user_ids)}
        rows = np.array([index[u] for u in watchers], dtype=int)
        data["watcher_top_genres"] = _shares(profiles.genre_shares(rows), "genre", 3)
        summary = (
            f"{len(watchers)} of {total} users {verb} {found.label}; "
            f"{round(100 * len(fans) / len(watchers))}% of them liked it."
        )
    else:
        summary = f"Too few users {verb} {found.label} to share figures."
    return ToolResult(summary=summary, data=data)
