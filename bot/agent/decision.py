"""What a planner decides for one turn: the intent and the tool calls to make."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.agent.events import ItemView
from tools.names import Intent

TOP_ITEM = "$top"  # placeholder argument: the first item of the latest earlier call that returned items
ACKNOWLEDGED = "acknowledged"  # a small-talk slot: the message thanks or says goodbye ("thanks, bye!")
ABOUT_RECOMMENDER = "about_recommender"  # a small-talk slot: "What kind of movies are you into?"


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """One tool call: a public tool name (search_catalog, recommend, ...) and its arguments (no user id).

    An argument value "$top" is a placeholder for the item id of the first item returned by the latest
    earlier call of the same Decision that returned items (the loop resolves it before running the call),
    e.g. [recommend(k=1), write_copy(item="$top", channel="push")].
    """

    tool: str
    arguments: dict[str, Any]


@dataclass(slots=True)
class DialogueState:
    """What the planner may know of earlier turns of this conversation."""

    last_items: list[ItemView] = field(default_factory=list)
    last_calls: list[PlannedCall] = field(default_factory=list)
    shown_ids: list[str] = field(default_factory=list)
    stated_likes: list[str] = field(default_factory=list)
    # other items the conversation is about, as item ids: named by the user without a dislike (seen, asked about,
    # an anchor) or by someone else's assistant in a client's history; weak evidence of taste (tools.recommend)
    discussed: list[str] = field(default_factory=list)
    turn_index: int = 0
    language: str = "en"  # the conversation's language: the latest turn's (bot/agent/language.py)
    # ids of items shown earlier that have since been deleted from the catalog (a live update): never pointed at
    # again ("the first one" is then no item). Not stored: worked out against the catalog when a turn starts.
    withdrawn: frozenset[str] = frozenset()


@dataclass(slots=True)
class Decision:
    """The router's decision: intent, its confidence, slots it found, and the calls to run in order."""

    intent: Intent
    confidence: float
    calls: list[PlannedCall] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    # for item questions: which fact was asked (plot, year, genre, rating, ...)
    question: str | None = None
