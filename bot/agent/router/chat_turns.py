"""How people talk around requests (issue 14, measured on ReDial seeker messages): the cue lists are in
lexicon/cues.yaml, the rules here decide what they mean next to the other slots.

- An acknowledgement ("sounds good, I'll check it out", "thank you, good bye") with no request, filter, feedback or
  question in it is chat: no list is re-run for it.
- "Have you seen X?" asks about X; it says nothing about having seen X (no feedback is recorded). "is it
  interesting?" with nothing shown asks about an item nobody named (the reply says it is not found).
- "I saw X and it was awesome" is a like of X, "I have seen it but not a fan" a dislike: the opinion after "seen";
  so is an opinion with no feedback word ("Ant-Man (2015) was pretty good!", "those are awesome").
- Several cues in one message give each title its own signal ("I loved Heat but hated Toy Story").
- "I like action movies" states a taste to be answered with picks, not a question about the profile.
- "I'm open to anything" asks for picks without constraints.
- "What kind of movies are you into?" asks about the recommender, "No heard it is very good" reports hearsay: chat.
- "What are those about?", "Are those both kid movies?" ask about each item shown (two for "both").
"""

from __future__ import annotations

import re

from bot.agent.decision import ABOUT_RECOMMENDER, Decision, DialogueState, PlannedCall
from bot.agent.events import ItemView
from bot.agent.router.followups import referenced_item
from bot.agent.router.phrases import Match, Token
from bot.agent.router.slots import Slots
from bot.agent.router.title_spotter import TitleHit, title_of
from tools.names import Intent, ToolName

LIKE, DISLIKE, SEEN = "like", "dislike", "seen"
MAX_ASKED_ITEMS = 10  # "What are those about?" answers for every item shown, at most this many (the tools' k)
_LIST_REQUESTS = ("similar", "more", "next_request", "open_request", "older", "newer", "explain")
_SENTENCE_END = re.compile(r"[.!?]")
_HEARSAY_READINGS = ("item_question", "recommend", "search")  # what hearsay without a question is not


def _outside_titles(matches: list[Match], hits: list[TitleHit]) -> list[Match]:
    """The cue matches that are not words of a named title ("Good Will Hunting" praises nothing)."""
    spans = [range(h.start, h.end) for h in hits]
    return [m for m in matches if not any(m.start in span for span in spans)]


def is_acknowledgement(text: str, slots: Slots, hits: list[TitleHit]) -> bool:
    """Chat that closes or acknowledges a suggestion, asking for nothing (a request word inside the acknowledgement,
    "thanks for the suggestions", asks for nothing)."""
    thanks = _outside_titles(slots.cues.get("acknowledgement", []), hits)
    if not thanks or _outside_titles(slots.cues.get("criticism", []), hits):  # "that doesnt sound interesting"
        return False
    inside = {i for m in thanks for i in range(m.start, m.end)}
    asks = ("next_request", "more", "older", "newer", "open_request", "explain", "search_verb", "similar")
    asking = any(m.start not in inside for cue in asks for m in slots.cues.get(cue, []))
    return not (slots.feedback or slots.has_filters or "?" in text or asking)


def is_remark(slots: Slots) -> bool:
    """The message opens with an answer particle ("Yeah, me too.", "No, i haven't but i want to!") or gives an
    opinion ("I was but wasn't. Still good though."): a remark in the conversation, whatever the rest is about."""
    opinion = slots.has("praise") or slots.has("criticism")
    return opinion or any(m.start == 0 for m in slots.cues.get("reply_opener", []))


def asked_about_shown(text: str, slots: Slots, hits: list[TitleHit], state: DialogueState) -> list[ItemView]:
    """The shown items a question about "those" asks about ("What are those about?": each one; "Are those both kid
    movies?": the first two, a genre question), or about "it" with a category or dates ("Is it scary?", "Is it from
    the 90s?": the item shown, a genre or year question, not a list of horror films); none when the message names
    titles, asks for a list ("any more like those?") or sets filters ("what about those from the 90s?")."""
    if "?" not in text or hits or any(slots.has(cue) for cue in _LIST_REQUESTS):
        return []
    asked = shown_question(slots)
    if slots.has("plural_ref"):
        return shown_referenced(slots, state, MAX_ASKED_ITEMS) if asked is not None else []
    if asked not in ("genre", "year") or slots.question or slots.has("indefinite"):
        return []
    one = referenced_item(slots, state, pronoun=True)
    return [one] if one is not None else []


def shown_referenced(slots: Slots, state: DialogueState, limit: int | None = None) -> list[ItemView]:
    """The shown items "those" points at: the first two for "both", else the first `limit` (all by default)."""
    shown = [i for i in state.last_items if i.item_id not in state.withdrawn]
    return shown[: 2 if slots.has("pair_ref") else limit]


def shown_questions(
    text: str, slots: Slots, hits: list[TitleHit], state: DialogueState, confidence: float
) -> Decision | None:
    """The item_details calls of a question about the items shown ("What are those about?"), or None."""
    asked = asked_about_shown(text, slots, hits, state)
    if not asked:
        return None
    calls = [PlannedCall(ToolName.ITEM_DETAILS, {"item": item.item_id}) for item in asked]
    return Decision(Intent.ITEM_QUESTION, confidence, calls, question=shown_question(slots))


def shown_question(slots: Slots) -> str | None:
    """What a question about shown items asks: its question cue without filters, "genre" for a yes/no question
    naming a category ("are those comedies?", "a comedy from the 90s?": the answer names the item with its year),
    "year" for one naming only dates ("Is it from the 90s?")."""
    dates = slots.year_from or slots.year_to
    if slots.question and not slots.has_filters:
        return slots.question
    yes_no = slots.has("question_inversion") or any(m.start == 0 for m in slots.cues.get("yes_no_opener", []))
    if not yes_no or slots.exclude_genres:
        return None
    if slots.genres:
        return "genre"
    return "year" if dates else None


def compared(slots: Slots, hits: list[TitleHit], state: DialogueState, confidence: float) -> Decision | None:
    """ "is it like Cabin Fever (2000)?": the item shown and the titles named, side by side (their genres)."""
    named = [title_of(h) for h in hits if h.item is not None]
    if not (slots.has("compare") and named):
        return None
    shown = referenced_item(slots, state, pronoun=True)
    items = [*([shown.item_id] if shown is not None else []), *named]
    calls = [PlannedCall(ToolName.ITEM_DETAILS, {"item": item}) for item in dict.fromkeys(items)]
    return Decision(Intent.ITEM_QUESTION, confidence, calls, question="genre")


def asks_about_named(text: str, slots: Slots, hits: list[TitleHit]) -> bool:
    """ "Have you seen X?" / "ever heard of X?": a question about the titles named, without feedback on them; with
    an opinion and no question mark ("Have you seen X it was very funny") the user's own statement."""
    opinion = _outside_titles([*slots.cues.get("praise", []), *slots.cues.get("criticism", [])], hits)
    stated = "?" not in text and bool(opinion)  # "Have you seen X it was a superhero movie but very funny."
    return bool(hits) and slots.has("asked_opinion") and not slots.feedback and not stated


def asks_about_unnamed(text: str, slots: Slots, hits: list[TitleHit], state: DialogueState) -> bool:
    """ "is it interesting?" with nothing shown and no title named: a question about an item nobody named."""
    unnamed = not (hits or state.last_items or slots.has_filters)
    return unnamed and "?" in text and slots.has("singular_ref")


def opinion_signal(slots: Slots, hits: list[TitleHit]) -> str:
    """The signal of the message's first feedback cue, with the opinion a "seen" carries: a later like or dislike
    cue, else criticism (dislike) or praise (like) outside the titles."""
    signal = str(slots.feedback[0].value)
    if signal != SEEN:
        return signal
    later = [str(m.value) for m in slots.feedback[1:] if m.value in (LIKE, DISLIKE)]
    if later:
        return later[0]
    if slots.has("question_inversion") or slots.has("hearsay"):  # "Is that a great one? I have seen X": asked
        return SEEN
    if _outside_titles(slots.cues.get("criticism", []), hits):
        return DISLIKE
    if _outside_titles(slots.cues.get("praise", []), hits):
        return LIKE
    return SEEN


def title_signals(slots: Slots, hits: list[TitleHit]) -> list[str]:
    """Each named title's own signal in a message with several feedback cues ("I loved Heat and The Matrix but
    hated Toy Story", "Heat was great, Alien was boring"): a cue said after a title ("was great", starting with a
    title_after word) right behind it, else the last cue said before it, else the first after it."""
    cues = sorted(slots.feedback, key=lambda m: m.start)
    after_words = {m.start for m in slots.cues.get("title_after", [])}
    behind = [m for m in cues if m.start in after_words]  # "… was great"
    ahead = [m for m in cues if m.start not in after_words]  # "loved …", "I have seen …"
    signals = []
    for hit in hits:
        right_behind = [m for m in behind if hit.end <= m.start <= hit.end + 1]
        before = [m for m in ahead if m.end <= hit.start]
        later = [m for m in cues if m.start >= hit.end]
        chosen = right_behind[0] if right_behind else before[-1] if before else later[0] if later else cues[0]
        signals.append(str(chosen.value))
    return signals


def praised(text: str, slots: Slots, hits: list[TitleHit]) -> str | None:
    """An opinion without a feedback cue ("Ant-Man (2015) was pretty good!", "that one was cute", "those are
    awesome"): like on praise, dislike on criticism, None when it is a question or somebody else's opinion."""
    blocked = ("hearsay", "question_inversion", "audience_cue", "copy_action")
    business = any(m.value in ("audience", "marketing_copy", "keywords") for m in slots.cues.get("intent", []))
    if slots.feedback or "?" in text or business or any(slots.has(cue) for cue in blocked):
        return None
    if not (hits or slots.has("singular_ref") or slots.has("plural_ref")):
        return None
    praise = _outside_titles(slots.cues.get("praise", []), hits)
    said = {i for m in praise for i in range(m.start, m.end)}
    if any(not set(range(m.start, m.end)) <= said for m in slots.cues.get("question", [])):
        return None  # "The Matrix is any good": a question cue that is not the praise itself
    if _outside_titles(slots.cues.get("criticism", []), hits):
        return DISLIKE
    return LIKE if praise else None


def states_taste(text: str, slots: Slots, names_catalog: bool, tokens: list[Token]) -> bool:
    """A statement of taste ("I like comedy and action movies", "I love all movies"), not a question about the
    profile ("what do I like?", "my taste"): it asks for picks."""
    stated = slots.has("taste_statement") and bool(slots.genres or names_catalog)
    return stated and not (asks_own_profile(slots) or slots.question or _asked(text, slots, tokens))


def asks_own_profile(slots: Slots) -> bool:
    """A profile cue ("my taste", "what do I like") or a question why the picks are what they are."""
    return any(m.value == "profile" for m in slots.cues.get("intent", [])) or slots.has("explain")


def _asked(text: str, slots: Slots, tokens: list[Token]) -> bool:
    """Whether a sentence that states the taste ends with a question mark ("what do I like?"); a question in
    another sentence ("I like kid movies. How are you?") asks nothing about the taste."""
    for match in slots.cues.get("taste_statement", []):
        end = _SENTENCE_END.search(text, tokens[match.start].start)
        if end is None or end.group() == "?":
            return end is not None
    return False


def chat_reading(text: str, top: str, slots: Slots, hits: list[TitleHit], confidence: float) -> Decision | None:
    """Chat the intent model reads as a request about an item or the profile: a question about the recommender's
    own taste ("What kind of movies are you into?", "What is your favorite movie of all times?", answered as such),
    hearsay without a question or request ("No heard it is very good", "I also heard X was good, I just have not
    seen it yet!")."""
    asking = slots.has_filters or any(slots.has(cue) for cue in (*_LIST_REQUESTS, "search_verb"))
    # read as "similar" ("your favorite movie"), it is a question about the recommender only when it names no title
    # and asks for nothing else ("Do you like Heat?" asks about Heat)
    taste_question = top == "similar" and "?" in text and not (hits or asking or slots.question)
    if (top == "profile" or taste_question) and slots.has("recommender_taste") and not asks_own_profile(slots):
        return Decision(Intent.SMALLTALK, confidence, slots={ABOUT_RECOMMENDER: True})
    remark = slots.has("hearsay") and "?" not in text and slots.question is None and not asking
    return Decision(Intent.SMALLTALK, confidence) if remark and top in _HEARSAY_READINGS else None


def asks_open(slots: Slots, hits: list[TitleHit]) -> bool:
    """ "I'm open to any suggestion", "anything really": picks without constraints."""
    return slots.has("open_request") and not hits and not slots.has("explain")


__all__ = [
    "DISLIKE",
    "LIKE",
    "SEEN",
    "asks_about_named",
    "asks_about_unnamed",
    "asks_open",
    "asks_own_profile",
    "chat_reading",
    "compared",
    "is_acknowledgement",
    "is_remark",
    "opinion_signal",
    "praised",
    "states_taste",
    "title_signals",
]
