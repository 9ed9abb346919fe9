"""The text of a message a tool gets besides its slots: the query words left once cues and filters are removed,
a search's description ("a movie about climbing Everest"), the free text to extract keywords from."""

from __future__ import annotations

from bot.agent.router.phrases import Lexicon, Token
from bot.agent.router.slots import Slots


def residual(tokens: list[Token], slots: Slots, lexicon: Lexicon, skip: set[int], keep_genres: bool) -> str | None:
    """The content words left over once cues, filters and stopwords are removed (a query for the tools)."""
    genre_tokens = {i for m in lexicon.genres.find(tokens) for i in range(m.start, m.end)}
    words = []
    for i, token in enumerate(tokens):
        if token.is_break or i in skip or token.norm in lexicon.stopwords or token.norm.isdigit():
            continue
        if i in genre_tokens:
            if keep_genres:
                words.append(token.raw)
            continue
        if i in slots.consumed or token.norm in lexicon.vocabulary:
            continue
        words.append(token.raw)
    return " ".join(words) or None


def free_text(cleaned: str, tokens: list[Token], slots: Slots) -> str | None:
    """Text to extract keywords from: after "from this text" or after a colon."""
    cue = slots.first("keywords_text")
    colon = next((t for t in tokens if t.norm == ":"), None)
    if colon is not None:
        text = cleaned[colon.end :].strip()
        return text or None
    if cue is not None and cue.end < len(tokens):
        return cleaned[tokens[cue.end].start :].strip() or None
    return None


def described_search(slots: Slots, title_starts: list[int]) -> bool:
    """A search by description ("a movie about climbing Everest"): titles after the cue are not the subject;
    "Anything else? What about A Wrinkle in Time?" asks about the title."""
    cue = slots.first("search_cue")
    if cue is None:
        return False
    asks = [m for name in ("request", "search_verb") for m in slots.cues.get(name, []) if m.end <= cue.start]
    asked = any(q.start <= cue.start < q.end for q in slots.cues.get("question", []))  # "what about X?"
    if asked and cue.end in title_starts:
        return False
    return bool(asks) and all(start >= cue.start for start in title_starts)


def description(tokens: list[Token], slots: Slots, stopwords: frozenset[str]) -> str | None:
    """What a search describes: the words from the first search cue ("about", "set on") to the sentence end; None
    when only stop words follow the cue ("how about you?" describes nothing)."""
    cue = slots.first("search_cue")
    if cue is None:
        return None
    end = cue.end
    while end < len(tokens) and tokens[end].norm not in ".!?;":
        end += 1
    if all(t.is_break or t.norm in stopwords for t in tokens[cue.end : end]):
        return None
    return " ".join(t.raw for t in tokens[cue.start : end] if not t.is_break)
