"""Decisions for the tasks about one item that are not lists: marketing copy, keywords, audience, and the profile."""

from __future__ import annotations

from bot.agent.decision import TOP_ITEM, Decision, DialogueState, PlannedCall
from bot.agent.router.followups import RULE_CONFIDENCE
from bot.agent.router.phrases import Token
from bot.agent.router.query_text import free_text
from bot.agent.router.slots import Slots
from bot.agent.router.targets import target_of
from bot.agent.router.title_spotter import TitleHit, TitleSpotter
from tools.names import Intent, ToolName
from tools.registry import ToolRegistry


def copy_decision(
    tools: ToolRegistry,
    spotter: TitleSpotter,
    cleaned: str,
    tokens: list[Token],
    slots: Slots,
    hits: list[TitleHit],
    state: DialogueState,
) -> Decision:
    """Copy for the item named or pointed at, else for the top pick of the message's genres."""
    pointed = hits or slots.ordinal is not None or slots.has("singular_ref")
    item = target_of(spotter, cleaned, tokens, slots, hits, state) if pointed else None
    calls: list[PlannedCall] = []
    if item is None:
        arguments = tools.clean_arguments(ToolName.RECOMMEND, {"genres": slots.genres, "k": 1})
        calls.append(PlannedCall(ToolName.RECOMMEND, arguments))
        item = TOP_ITEM
    arguments = {"item": item, "channel": slots.channel, "tone": slots.tone, "audience": slots.audience}
    calls.append(PlannedCall(ToolName.WRITE_COPY, {k: v for k, v in arguments.items() if v is not None}))
    return Decision(Intent.MARKETING_COPY, RULE_CONFIDENCE, calls)


def task_decision(
    intent: str,
    spotter: TitleSpotter,
    cleaned: str,
    tokens: list[Token],
    slots: Slots,
    hits: list[TitleHit],
    state: DialogueState,
    score: float,
) -> Decision:
    """The profile, keywords (of an item or of a text) or an item's audience."""
    confidence = max(0.0, min(1.0, score))
    if intent == "profile":
        return Decision(Intent.PROFILE, confidence, [PlannedCall(ToolName.USER_PROFILE, {})])
    text = free_text(cleaned, tokens, slots) if intent == "keywords" else None
    item = None if text else target_of(spotter, cleaned, tokens, slots, hits, state)
    if intent == "keywords":
        arguments = {"item": item} if item else {"text": text or cleaned}
        return Decision(Intent.KEYWORDS, confidence, [PlannedCall(ToolName.EXTRACT_KEYWORDS, arguments)])
    calls = [PlannedCall(ToolName.AUDIENCE_FOR, {"item": item})] if item else []
    return Decision(Intent.AUDIENCE, confidence, calls)
