"""What a message points at: the one item it is about (a named title, a listed item, a misspelt title after a
cue), and the slots a decision reports."""

from __future__ import annotations

from typing import Any

from bot.agent.decision import DialogueState
from bot.agent.router.followups import referenced_item
from bot.agent.router.phrases import Token
from bot.agent.router.slots import Slots
from bot.agent.router.title_spotter import TitleHit, TitleSpotter, title_of


def slot_view(slots: Slots, hits: list[TitleHit]) -> dict[str, Any]:
    """The slots a decision reports (for traces and dialogue tests): only those the message filled."""
    view: dict[str, Any] = {
        "titles": [title_of(h) for h in hits],
        "genres": slots.genres,
        "exclude_genres": slots.exclude_genres,
        "year_from": slots.year_from,
        "year_to": slots.year_to,
        "k": slots.k,
        "min_rating": slots.min_rating,
        "channel": slots.channel,
        "tone": slots.tone,
        "audience": slots.audience,
        "ordinal": slots.ordinal,
        "unmet": slots.unmet,
        **slots.facet_arguments(),
    }
    return {k: v for k, v in view.items() if v not in (None, [], {})}


def fuzzy_title(spotter: TitleSpotter, cleaned: str, tokens: list[Token], slots: Slots) -> TitleHit | None:
    """A misspelt or unknown title right after a title cue ("tell me about pulp fcition")."""
    starts: list[int] = []
    for name in ("similar", "title_span_start"):
        starts.extend(m.end for m in slots.cues.get(name, []))
    starts.extend(m.end for m in slots.feedback)
    starts.extend(m.end for m in slots.cues.get("question", []))
    best: TitleHit | None = None
    for start in sorted(set(starts))[:4]:
        hit = spotter.span_after(cleaned, tokens, start)
        if hit is not None and (best is None or hit.score > best.score):
            best = hit
    return best


def target_of(
    spotter: TitleSpotter, cleaned: str, tokens: list[Token], slots: Slots, hits: list[TitleHit], state: DialogueState
) -> str | None:
    """The one item a message is about: a named title, a listed item it points at, or a fuzzy/raw title."""
    if hits:
        return title_of(hits[0])
    ref = referenced_item(slots, state, pronoun=True)
    if ref is not None:
        return ref.item_id
    fuzzy = fuzzy_title(spotter, cleaned, tokens, slots)
    if fuzzy is not None:
        hits.append(fuzzy)
        return title_of(fuzzy)
    return None
