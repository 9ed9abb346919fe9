"""The router's decision for a message that gives feedback on titles or on an item shown ("I loved Heat",
"seen the first one"): record it, and answer with recommendations where the conversation asks for them."""

from __future__ import annotations

from typing import Any

from bot.agent.decision import Decision, DialogueState, PlannedCall
from bot.agent.router.chat_turns import LIKE, SEEN, opinion_signal, praised, shown_referenced, title_signals
from bot.agent.router.followups import RULE_CONFIDENCE, like_call, referenced_item, relative_years, rerun
from bot.agent.router.slots import Slots
from bot.agent.router.title_spotter import TitleHit, title_of
from tools.names import Intent, ToolName
from tools.registry import ToolRegistry


def _picks(tools: ToolRegistry, slots: Slots, calls: list[PlannedCall], liked: list[str], years: list[int]) -> Decision:
    """The feedback calls, then recommendations from the liked titles within this message's filters."""
    arguments: dict[str, Any] = {"genres": slots.genres, "exclude_genres": slots.exclude_genres}
    arguments.update(likes=liked, year_from=slots.year_from, year_to=slots.year_to, k=slots.k)
    arguments.update(slots.facet_arguments())
    arguments.update(relative_years(slots, years))
    recommend = PlannedCall(ToolName.RECOMMEND, tools.clean_arguments(ToolName.RECOMMEND, arguments))
    return Decision(Intent.RECOMMEND, RULE_CONFIDENCE, [*calls, recommend])


def _asks_similar(slots: Slots) -> bool:
    """A similarity cue that is not part of a feedback cue ("something similar", not "didn't like")."""
    inside = {i for m in slots.feedback for i in range(m.start, m.end)}
    return any(m.start not in inside for m in slots.cues.get("similar", []))


def negated(slots: Slots, hit: TitleHit) -> bool:
    """The title is said right after a negation ("but not It (1990)"): no feedback on it ("I hate X" is feedback)."""
    inside = {i for m in slots.feedback for i in range(m.start, m.end)}
    return any(m.end == hit.start and m.start not in inside for m in slots.cues.get("negation", []))


def feedback_decision(
    text: str,
    slots: Slots,
    hits: list[TitleHit],
    state: DialogueState,
    *,
    tools: ToolRegistry,
    bounds: tuple[int, int],
    unknown_title: bool = False,
) -> Decision | None:
    """The feedback calls of a message (None: it gives no feedback on anything it names or points to);
    unknown_title: the message names a title the catalog lacks ("Spider-Man: Homecoming (2017)")."""
    opinion = praised(text, slots, hits)  # "Ant-Man (2015) was pretty good!", "those are awesome"
    if not slots.feedback and opinion is None:
        return None
    # "i watched Spider-Man: Homecoming (2017) and it was awesome": "it" is the film named, not the item shown
    ref = None if unknown_title else referenced_item(slots, state, pronoun=True)
    shown = [i.item_id for i in shown_referenced(slots, state)]  # "those are awesome", "I have seen both movies!"
    # "those" with an opinion ("those are awesome") or only "seen" ("I have seen both"); "i like those kind of
    # movies" is a taste, not a like of each
    seen_only = bool(slots.feedback) and all(m.value == SEEN for m in slots.feedback)
    pointing = [ref.item_id] if ref else shown if slots.has("plural_ref") and (opinion or seen_only) else []
    named = [h for h in hits if h.item and not negated(slots, h)]  # "I have seen It (2017), but not It (1990)"
    targets = [title_of(h) for h in named] or pointing
    signal = opinion_signal(slots, hits) if slots.feedback else str(opinion)  # "I saw X, it was awesome": a like
    if not targets:
        # "i watched Spider-Man: Homecoming (2017) and it was awesome", a film the catalog lacks: nothing to record,
        # a taste stated all the same, answered with picks
        return _picks(tools, slots, [], [], []) if unknown_title and signal == LIKE else None
    several = len(named) > 1 and len(slots.feedback) > 1  # "I loved Heat but hated Toy Story": one per title
    signals = title_signals(slots, named) if several else [signal] * len(targets)
    pairs = list(zip(targets, signals, strict=True))
    calls = [PlannedCall(ToolName.RECORD_FEEDBACK, {"item": t, "signal": s}) for t, s in pairs]
    liked = [t for t, s in pairs if s == LIKE]
    asking = slots.has("next_request") or "?" in text  # "… any ideas?", "Is that a great one? I have seen X"
    years = [h.item.year for h in hits if h.item is not None and h.item.year]
    if hits and len(liked) == 1 and _asks_similar(slots):  # "I watched Up (2009), loved it. Something similar?"
        similar = like_call(tools, liked[0], slots, years)
        return Decision(Intent.SIMILAR, RULE_CONFIDENCE, [*calls, *similar.calls])
    if hits and (liked or (asking and slots.has_filters)):
        # likes stated in chat are the user's taste: answer with recommendations at once (at the start or later);
        # so is a request with filters next to other feedback ("I hated Alien. Any crime films?")
        return _picks(tools, slots, calls, liked, years)
    if set(signals) == {SEEN} and hits and not pointing and asking:
        # "Is that a great one? I have seen American Pie (1999)": a conversation about what to watch next: noted,
        # and the seen title's neighbours (their reason, "similar to …", is true; a seen title is no like)
        calls.append(PlannedCall(ToolName.SIMILAR_ITEMS, {"item": targets[0]}))
        return Decision(Intent.SIMILAR, RULE_CONFIDENCE, calls)
    if named and ref is not None and slots.question and "?" in text:
        # "Is that a great one? I have never seen it. I have seen American Pie": noted, and the question answered
        calls.append(PlannedCall(ToolName.ITEM_DETAILS, {"item": ref.item_id}))
        return Decision(Intent.ITEM_QUESTION, RULE_CONFIDENCE, calls, question=slots.question)
    listed = {i.item_id for i in state.last_items}
    # feedback on what was shown, pointed at or named ("I have seen It (2017)" after It was suggested): a fresh list
    on_shown = [h.item.item_id for h in named if h.item is not None and h.item.item_id in listed] or (
        [] if named else pointing
    )
    if on_shown:
        refresh = rerun(tools, state, slots, bounds=bounds, exclude_shown=True, extra_excluded=on_shown)
        calls.extend([refresh] if refresh else [])
    return Decision(Intent.FEEDBACK, RULE_CONFIDENCE, calls)
