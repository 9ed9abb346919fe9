"""The dialogue state of a conversation a stateless client sends whole (the OpenAI way): its earlier user turns
replayed through the same interpretation, so "no romance please" after "a 90s comedy" refines that list on
/v1/chat/completions as it does in a session.

Each earlier user message runs as a turn of the router planner in template mode (cheap and deterministic,
whatever the service's planner) with `ToolContext.replaying` set: its feedback was recorded when the client first
sent it, so nothing is written again. Nothing of a replayed turn is stored; only the state it leaves is kept.
At most MAX_REPLAYED turns are replayed (the latest ones): follow-ups look a few turns back, not the whole chat.
The titles an assistant message names join the items discussed, unless the replay showed them itself (the
product's own replies name what it showed, and a session does not count its own picks either): a client may send
another assistant's conversation, and what that assistant brought up is what the conversation is about.
Likewise a replayed turn's items count as shown only when the assistant message after it names them (the
product's replies list them, "1. Heat (1995) — ..."): items another assistant never showed are not excluded as
seen by "more".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence

from bot.agent.decision import DialogueState
from bot.agent.dialogue_state import note_discussed
from bot.agent.events import ItemView, TurnDone, TurnEvent, TurnResult
from bot.agent.turn import TurnRequest
from tools.chat_model import Message
from tools.context import ToolContext

MAX_REPLAYED = 6


def names_item(text: str, item: ItemView) -> bool:
    """Whether an assistant message names the item: its "Title (Year)", or a title of several words."""
    folded = text.casefold()
    if item.label.casefold() in folded:
        return True
    title = item.title.casefold()
    return len(title.split()) > 1 and re.search(rf"(?<!\w){re.escape(title)}(?!\w)", folded) is not None


def views_of(ctx: ToolContext, item_ids: Sequence[str]) -> list[ItemView]:
    """The catalog items of item_ids as the items last shown (no reason: none was given by the product)."""
    items = [item for item in map(ctx.catalog.get, item_ids) if item is not None]
    return [ItemView(item.item_id, item.title, item.year, tuple(item.genres), "", 0.0) for item in items]


def replay_history(
    run: Callable[[TurnRequest], Iterable[TurnEvent]],
    request: TurnRequest,
    history: Sequence[Message],
    advance: Callable[[DialogueState, TurnResult], None],
    named_in: Callable[[str], list[str]],
) -> DialogueState:
    """request.state after the history's turns (request: the turn being asked, whose context and session the
    replayed turns share); `run` is the agent loop's run, `advance` what a finished turn does to the state,
    `named_in` the catalog items an assistant message names. Leaves request.ctx knowing the likes and the items
    discussed."""
    state = request.state
    ctx: ToolContext = dataclasses.replace(request.ctx, replaying=True, llm=None)
    user_turns = sum(1 for m in history if m.get("role") == "user" and str(m.get("content") or "").strip())
    skipped = max(0, user_turns - MAX_REPLAYED)  # the user turns older than the replayed ones
    replayed_items: list[ItemView] = []  # the items the latest replayed turn showed
    for message in history:
        text = str(message.get("content") or "").strip()
        if not text:
            continue
        if message.get("role") == "assistant":
            unshown = {v.item_id for v in replayed_items if not names_item(text, v)}
            state.shown_ids = [i for i in state.shown_ids if i not in unshown]
            named = named_in(text)
            if len(unshown) == len(replayed_items) and (named or replayed_items):
                # the user saw what this message names, not the replay's picks: "it" is what the assistant named
                state.last_items = views_of(request.ctx, named)
            replayed_items = []
            note_discussed(state, [i for i in named if i not in state.shown_ids])
            continue
        if message.get("role") != "user":
            continue
        if skipped > 0:  # older than the replayed turns
            skipped -= 1
            continue
        ctx.discussed = list(state.discussed)  # what the assistant messages so far named, too
        replayed = dataclasses.replace(
            request, ctx=ctx, text=text, state=state, reply_mode="template", planner="router", history=[]
        )
        for event in run(replayed):
            if isinstance(event, TurnDone):
                advance(state, event.result)  # its items, its list call, the likes it stated
                replayed_items = list(event.result.items)
    request.ctx.stated_likes = list(state.stated_likes)
    request.ctx.discussed = list(state.discussed)
    return state
