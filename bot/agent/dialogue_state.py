"""The dialogue state between turns: what the planner may know of earlier turns, stored with the session."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.agent.decision import DialogueState, PlannedCall
from bot.agent.events import ItemView, TurnResult
from tools.names import ToolName
from tools.registry import ToolRegistry

MAX_SHOWN_IDS = 500
MAX_DISCUSSED = 50
# the calls whose item a turn is about (the item a fact was asked of, the anchor of "like X")
ABOUT_ITEM: dict[str, str] = {ToolName.ITEM_DETAILS: "item", ToolName.SIMILAR_ITEMS: "item"}


def state_from_dict(data: dict[str, Any]) -> DialogueState:
    return DialogueState(
        last_items=[ItemView.from_dict(d) for d in data.get("last_items", [])],
        last_calls=[PlannedCall(c["tool"], dict(c["arguments"])) for c in data.get("last_calls", [])],
        shown_ids=list(data.get("shown_ids", [])),
        stated_likes=list(data.get("stated_likes", [])),
        discussed=list(data.get("discussed", [])),
        turn_index=int(data.get("turn_index", 0)),
        language=str(data.get("language") or "en"),
    )


def state_to_dict(state: DialogueState) -> dict[str, Any]:
    return {
        "last_items": [v.to_dict() for v in state.last_items],
        "last_calls": [{"tool": c.tool, "arguments": c.arguments} for c in state.last_calls],
        "shown_ids": state.shown_ids[-MAX_SHOWN_IDS:],
        "stated_likes": state.stated_likes,
        "discussed": state.discussed[-MAX_DISCUSSED:],
        "turn_index": state.turn_index,
        "language": state.language,
    }


def advance_state(
    state: DialogueState, result: TurnResult, tools: ToolRegistry, resolve_id: Callable[[str], str | None]
) -> None:
    """The state after a turn: its items are the last shown, its last refinable list call is what follow-ups
    re-run, the likes it recorded join the conversation's stated likes (as item ids), and the other items it named
    (seen, asked about, an anchor) join the discussed ones; a dislike takes an item out of them."""
    list_calls = [PlannedCall(c.name, c.arguments) for c in result.tool_calls if c.ok and tools.is_refinable(c.name)]
    if result.items:
        state.last_items = list(result.items)
        state.shown_ids = [*state.shown_ids, *(i.item_id for i in result.items)]
    if list_calls:
        state.last_calls = list_calls[-1:]
    for call in result.tool_calls:
        if not call.ok:
            continue
        if call.name == ToolName.RECORD_FEEDBACK:
            item = resolve_id(str(call.arguments.get("item", "")))
            signal = call.arguments.get("signal")
            if item and signal == "like" and item not in state.stated_likes:
                state.stated_likes.append(item)
            elif item and signal == "dislike" and item in state.discussed:
                state.discussed.remove(item)
            elif item and signal == "seen":
                note_discussed(state, [item])
        elif call.name in ABOUT_ITEM:
            item = resolve_id(str(call.arguments.get(ABOUT_ITEM[call.name], "")))
            note_discussed(state, [item] if item else [])
    state.turn_index += 1


def note_discussed(state: DialogueState, item_ids: list[str]) -> None:
    """The items join the conversation's discussed ones (not those already stated likes; in order, once)."""
    for item_id in item_ids:
        if item_id not in state.discussed and item_id not in state.stated_likes:
            state.discussed.append(item_id)


def withdraw_deleted(state: DialogueState, exists: Callable[[str], bool]) -> DialogueState:
    """The state with the items deleted from the catalog since they were shown taken out of what follow-ups use.

    The listed items keep their places ("the second one" still means the second item the user saw) but a
    deleted one is `withdrawn`, so the router points at nothing instead of at it; likes stated in chat and the
    previous list call no longer name it, so "more like those" and "more" cannot bring it back.
    """
    referenced = {i.item_id for i in state.last_items} | set(state.shown_ids) | set(state.stated_likes)
    referenced |= set(state.discussed)
    gone = frozenset(item_id for item_id in referenced if not exists(item_id))
    if not gone:
        return state
    calls: list[PlannedCall] = []
    for call in state.last_calls:
        if call.tool == ToolName.SIMILAR_ITEMS and str(call.arguments.get("item", "")) in gone:
            continue
        arguments = dict(call.arguments)
        if isinstance(arguments.get("likes"), list):
            arguments["likes"] = [like for like in arguments["likes"] if str(like) not in gone]
        calls.append(PlannedCall(call.tool, arguments))
    state.last_calls = calls
    state.stated_likes = [item_id for item_id in state.stated_likes if item_id not in gone]
    state.discussed = [item_id for item_id in state.discussed if item_id not in gone]
    state.withdrawn = gone
    return state
