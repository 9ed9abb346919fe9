"""The feedback tool: likes, dislikes and "seen" said in chat go to the history store."""

from __future__ import annotations

from typing import Literal

from tools.context import ToolContext
from tools.localized import localized_profile
from tools.results import ScoredItem, ToolResult


def record_feedback(ctx: ToolContext, item: str, signal: Literal["like", "dislike", "seen"]) -> ToolResult:
    """Record the current user's feedback on one item: they liked it, disliked it, or have seen it.

    Args:
        item: The item's id or title (typos are fine).
        signal: "like", "dislike" or "seen".
    """
    found = ctx.titles.resolve(item)
    event_id = None if ctx.replaying else ctx.history.add_event(ctx.user_id, found.item_id, signal)
    if signal == "like" and found.item_id not in ctx.stated_likes:
        ctx.stated_likes.append(found.item_id)
    if signal == "seen" and found.item_id not in ctx.discussed:  # the same turn's recommendations hear of it
        ctx.discussed.append(found.item_id)
    if signal == "dislike" and found.item_id in ctx.discussed:
        ctx.discussed.remove(found.item_id)
    words = ctx.locale
    reason = words.phrase(f"signal_{signal}", consumed=localized_profile(ctx.catalog.profile, words).consumed)
    return ToolResult(
        [ScoredItem(found, 1.0, reason, {"signal": signal})],
        f"recorded {signal} for {found.label}",
        {"event_id": event_id, "item_id": found.item_id, "signal": signal},
    )
