"""The profile tool: the current user's taste, computed from their history (never another user's)."""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from typing import Any

from store.event_weights import IMPLICIT_KINDS
from store.history import Event, latest_opinions
from tools.context import ToolContext
from tools.results import ToolResult

HALF_LIFE_DAYS = 365.0 * 2
LIKE_WEIGHT = 1.5  # an explicit like; an interaction of strength s (store.event_weights) weighs s × this
TOP_N = 8
DECADE_SHARE = 0.25  # a decade named in "mostly from …" holds at least this share of the items


def _event_weight(signal: str, rating: float | None, mean: float) -> float:
    """How much an event says the user likes the item, relative to the user's own mean rating."""
    if signal == "like":
        return LIKE_WEIGHT
    if signal == "dislike":
        return -LIKE_WEIGHT
    if signal == "seen":
        return 0.0
    return float(rating or 0.0) - mean


def _weighted_events(
    ctx: ToolContext, events: list[Event], latest: dict[str, Event], mean: float
) -> list[tuple[Event, float]]:
    """Per item, the event that speaks for it and its weight: the latest opinion (like, dislike, rating), else the
    shop's interactions (views ... purchases) as LIKE_WEIGHT × their strength under the event weights."""
    implicit = ctx.history.interaction_strengths(events)
    last_action = {e.item_id: e for e in events if e.signal in IMPLICIT_KINDS}
    weighted = [
        (event, _event_weight(event.signal, event.rating, mean))
        for item_id, event in latest.items()
        if not (event.signal == "seen" and item_id in implicit)
    ]
    for item_id, strength in implicit.items():
        opinion = latest.get(item_id)
        if opinion is None or opinion.signal == "seen":
            weighted.append((last_action[item_id], LIKE_WEIGHT * strength))
    return weighted


def build_profile(ctx: ToolContext, now: float | None = None) -> dict[str, Any]:
    events = ctx.history.events(ctx.user_id)
    latest = latest_opinions(events)  # the one read of this user's history, shared by every step below
    ratings = [e.rating for e in latest.values() if e.signal == "rating" and e.rating is not None]
    mean = sum(ratings) / len(ratings) if ratings else 3.5
    weighted = _weighted_events(ctx, events, latest, mean)
    # Recency is measured within each kind of evidence: MovieLens-era ratings decay against the newest rating,
    # feedback given in chat (and the shop's events) against the newest of those, so one new like does not erase
    # a rating history.
    newest_rating = max((e.ts for e, _ in weighted if e.signal == "rating"), default=now or time.time())
    newest_feedback = max((e.ts for e, _ in weighted if e.signal != "rating"), default=now or time.time())
    genres: dict[str, float] = defaultdict(float)
    decades: dict[str, float] = defaultdict(float)
    tags: Counter[str] = Counter()
    scored: list[tuple[float, str]] = []
    disliked: list[str] = []
    for event, weight in weighted:
        item = ctx.catalog.get(event.item_id)
        if item is None:
            continue
        newest = newest_rating if event.signal == "rating" else newest_feedback
        recency = math.pow(0.5, max(0.0, newest - event.ts) / 86400.0 / HALF_LIFE_DAYS)
        for genre in item.genres:
            genres[genre] += weight * recency
        if item.year and weight > -0.99 and event.signal != "dislike":  # the decades of what they watch, not hate
            decades[f"{item.year // 10 * 10}s"] += recency
        if weight > 0:
            for word in (*item.keywords[:5], *item.tags[:5]):
                tags[word] += 1
        scored.append((weight + (event.rating or 0) / 10.0, item.label))
        if weight < -0.99 or event.signal == "dislike":
            disliked.append(item.label)
    ranked_genres = sorted(genres.items(), key=lambda x: -x[1])
    ranked_decades = sorted(decades.items(), key=lambda x: -x[1])
    top_genres: list[dict[str, Any]] = [{"genre": g, "weight": round(w, 3)} for g, w in ranked_genres]
    total = sum(decades.values()) or 1.0
    ranked_decades = [(d, w / total) for d, w in ranked_decades]  # shares of the (recency-weighted) items
    top_decades: list[dict[str, Any]] = [{"decade": d, "weight": round(w, 3)} for d, w in ranked_decades]
    favourites = [label for value, label in sorted(scored, key=lambda x: -x[0])[:5] if value > 0]
    counts = {
        "events": len(events),
        "items": len({e.item_id for e in events}),
        "ratings": len(ratings),
        "likes": sum(e.signal == "like" for e in latest.values()),
        "dislikes": sum(e.signal == "dislike" for e in latest.values()),
        "seen": sum(e.signal == "seen" for e in latest.values()),
        "interactions": sum(e.signal in IMPLICIT_KINDS for e in events),  # the shop's views ... purchases
    }
    liked_genres = [g for g, w in ranked_genres if w > 0][:3]
    liked_decades = main_decades(ranked_decades)
    words = ctx.catalog.profile  # the catalog's nouns: "films" for the demo, "books", "products" ...
    if not events:
        summary = f"No history yet: tell me a few {words.item.plural} you loved."
    else:
        noun = words.item.singular if counts["items"] == 1 else words.item.plural
        leaning = ", ".join(liked_genres) or f"no {words.category.singular} yet"
        summary = f"Based on {counts['items']} {noun}: you lean towards {leaning}"
        if liked_decades:
            summary += f", mostly from the {' and '.join(liked_decades)}"
        if favourites:
            summary += f"; favourites include {', '.join(favourites[:2])}"
        summary += "."
    return {
        "top_genres": top_genres[:TOP_N],
        "decades": top_decades[:TOP_N],
        "main_decades": liked_decades,
        "top_tags": [t for t, _ in tags.most_common(TOP_N)],
        "favourites": favourites,
        "disliked": disliked[:5],
        "counts": counts,
        "mean_rating": round(mean, 3) if ratings else None,
        "summary": summary,
    }


def main_decades(ranked: list[tuple[str, float]]) -> list[str]:
    """The one or two decades most of the items are from ("mostly from the 1990s"): each holds at least
    DECADE_SHARE of them and together at least half; none when the history is spread wider."""
    main = [decade for decade, share in ranked[:2] if share >= DECADE_SHARE]
    return main if sum(share for decade, share in ranked if decade in main) >= 0.5 else []


def user_profile(ctx: ToolContext) -> ToolResult:
    """Show the current user's taste profile: top categories and decades, favourite and disliked items, counts."""
    profile = build_profile(ctx)
    return ToolResult([], profile["summary"], profile)
