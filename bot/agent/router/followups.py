"""Follow-ups that point at the previous turn: "the second one", "more", "older", "funnier", "no horror though"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.agent.decision import Decision, DialogueState, PlannedCall
from bot.agent.events import ItemView
from bot.agent.router.slots import Slots
from bot.agent.router.title_spotter import TitleHit
from tools.names import Intent, ToolName
from tools.registry import ToolRegistry

RULE_CONFIDENCE = 0.9  # the confidence of a decision a rule made (not the intent model)
# the intent of a re-run list call: the one its first call had ("like Heat", then "after 2000" is still "like Heat")
FOLLOWUP_INTENTS = {ToolName.SEARCH_CATALOG: Intent.SEARCH, ToolName.SIMILAR_ITEMS: Intent.SIMILAR}


def referenced_item(slots: Slots, state: DialogueState, *, pronoun: bool) -> ItemView | None:
    """The listed item a message points at: an ordinal ("the second one", "#2", "the last one"), or, when
    pronoun is true and the message says "it"/"that one", the first shown item."""
    items = state.last_items
    if not items:
        return None
    chosen: ItemView | None = None
    if slots.ordinal is not None:
        index = len(items) - 1 if slots.ordinal < 0 else slots.ordinal - 1
        chosen = items[index] if 0 <= index < len(items) else None
    elif pronoun and slots.has("singular_ref"):
        chosen = items[0]
    # an item deleted from the catalog since it was listed is no longer there to point at
    return None if chosen is None or chosen.item_id in state.withdrawn else chosen


def _add_all(target: list[str], values: list[str]) -> list[str]:
    out = list(target)
    for value in values:
        if value not in out:
            out.append(value)
    return out


def merge(arguments: dict[str, Any], slots: Slots) -> dict[str, Any]:
    """The previous call's filters refined by this message's slots (new values win, genres accumulate)."""
    out = dict(arguments)
    genres = _add_all(list(out.get("genres") or []), slots.genres + slots.comparative_genres)
    excluded = _add_all(list(out.get("exclude_genres") or []), slots.exclude_genres)
    out["genres"] = [g for g in genres if g not in excluded]
    out["exclude_genres"] = excluded
    if slots.year_from is not None or slots.year_to is not None:
        out["year_from"], out["year_to"] = slots.year_from, slots.year_to
    if slots.min_rating is not None:
        out["min_rating"] = slots.min_rating
    if slots.k is not None:
        out["k"] = slots.k
    for key, given in slots.facet_arguments().items():
        if given:
            out[key] = {**(out.get(key) or {}), **given}
    return out


def like_shown(state: DialogueState, slots: Slots) -> dict[str, Any] | None:
    """ "more like those": recommend arguments with the stated likes (else the first shown items) as likes and this
    message's own constraints kept ("more like those but by Stephen King"); None when there is nothing to be like."""
    likes = list(state.stated_likes) or [i.item_id for i in state.last_items if i.item_id not in state.withdrawn][:3]
    if not likes:
        return None
    return {"likes": likes, "exclude_ids": list(state.shown_ids), **filter_arguments(slots)}


def filter_arguments(slots: Slots, years: Sequence[int] = ()) -> dict[str, Any]:
    """This message's own filters as list-call arguments ("like Heat but funnier, after 2000": Comedy, from 2000);
    `years`: those of the items it names, for "older" / "newer" ("like The Hobbit but newer": after 1937)."""
    genres = _add_all(slots.genres, slots.comparative_genres)
    arguments: dict[str, Any] = {"genres": [g for g in genres if g not in slots.exclude_genres]}
    arguments.update(exclude_genres=slots.exclude_genres, year_from=slots.year_from, year_to=slots.year_to, k=slots.k)
    return {**arguments, **slots.facet_arguments(), **relative_years(slots, list(years))}


def like_call(tools: ToolRegistry, item: str, slots: Slots, years: Sequence[int] = ()) -> Decision:
    """Items like one item ("something like Heat but funnier, after 2000"), within this message's filters;
    `years`: the item's year when known (for "older" / "newer")."""
    arguments = {"item": item, **filter_arguments(slots, years)}
    call = PlannedCall(ToolName.SIMILAR_ITEMS, tools.clean_arguments(ToolName.SIMILAR_ITEMS, arguments))
    return Decision(Intent.SIMILAR, RULE_CONFIDENCE, [call])


def shift_years(arguments: dict[str, Any], items: list[ItemView], *, older: bool) -> dict[str, Any]:
    """'something older' -> year_to before the oldest shown item; 'more recent' -> year_from after the newest."""
    out = dict(arguments)
    years = [i.year for i in items if i.year]
    if not years:
        return out
    if older:
        out["year_to"], out["year_from"] = min(years) - 1, None
    else:
        out["year_from"], out["year_to"] = max(years) + 1, None
    return out


def relative_years(slots: Slots, years: list[int]) -> dict[str, int]:
    """ "something older than Carrie": before the named items' years ("newer": after), unless years were said."""
    if not years or slots.year_from is not None or slots.year_to is not None:
        return {}
    if slots.has("older"):
        return {"year_to": min(years) - 1}
    if slots.has("newer"):
        return {"year_from": max(years) + 1}
    return {}


def clamp_years(arguments: dict[str, Any], bounds: tuple[int, int]) -> dict[str, Any]:
    """Years kept inside the catalog's (min, max) years, year_from <= year_to."""
    out = dict(arguments)
    low, high = bounds
    for key in ("year_from", "year_to"):
        if out.get(key) is not None:
            out[key] = max(low, min(high, int(out[key])))
    if out.get("year_from") is not None and out.get("year_to") is not None and out["year_from"] > out["year_to"]:
        out["year_from"], out["year_to"] = out["year_to"], out["year_from"]
    return out


def rerun(
    tools: ToolRegistry,
    state: DialogueState,
    slots: Slots,
    *,
    bounds: tuple[int, int],
    exclude_shown: bool,
    older: bool = False,
    newer: bool = False,
    extra_excluded: list[str] | None = None,
) -> PlannedCall | None:
    """The last list call again, refined by this message (None when there was no list call)."""
    lists = [c for c in state.last_calls if tools.is_refinable(c.tool)]
    if not lists:
        return None
    last = lists[-1]  # similar_items takes the filters too: "like Heat", then "after 2000" stays like Heat
    arguments = merge(last.arguments, slots)
    has_years = slots.year_from is not None or slots.year_to is not None
    if (older or newer) and not has_years:
        arguments = shift_years(arguments, state.last_items, older=older)
    excluded = list(arguments.get("exclude_ids") or [])
    if exclude_shown:
        excluded = _add_all(excluded, list(state.shown_ids))
    excluded = _add_all(excluded, list(extra_excluded or []))
    arguments["exclude_ids"] = excluded
    tool = ToolName(last.tool)
    return PlannedCall(tool, tools.clean_arguments(tool, clamp_years(arguments, bounds)))


def followup_decision(
    tools: ToolRegistry, slots: Slots, hits: Sequence[TitleHit], state: DialogueState, bounds: tuple[int, int]
) -> Decision | None:
    """The previous list call re-run for a follow-up ("more", "older", "funnier", "no horror though"), or None
    when the message is no follow-up (it names titles, asks for similar items or makes a new request)."""
    if not state.last_calls or hits or slots.has("similar"):
        return None
    older, newer = slots.has("older"), slots.has("newer")
    more = slots.has("more")
    refine = slots.has_filters and (not slots.has("request") or slots.has("refine") or slots.only_exclusions)
    if not (more or older or newer or slots.comparative_genres or refine):
        return None
    call = rerun(tools, state, slots, bounds=bounds, exclude_shown=more or older or newer, older=older, newer=newer)
    if call is None:
        return None
    return Decision(FOLLOWUP_INTENTS.get(ToolName(call.tool), Intent.RECOMMEND), RULE_CONFIDENCE, [call])
