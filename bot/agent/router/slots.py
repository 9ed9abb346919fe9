"""Slot extraction: genres (with negation), years and decades, counts, rating, question kind, feedback, copy options."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.agent.router.phrases import Lexicon, Match, Token
from store.years import YEAR_DIGITS
from tools.search import MAX_K

NOT_FEEDBACK = "unseen"  # the feedback cues' group of "haven't seen": phrases that hold a signal word but give none

NEGATION_WINDOW = 3
_YEAR = re.compile(rf"^{YEAR_DIGITS}$")
_STATEMENT_ENDS = frozenset({".", "!"})
_REQUESTS = ("similar", "more", "next_request", "open_request")  # cue lists that ask for a list
_TASTE_DETERMINERS = frozenset({"all", "most", "some", "any", "the", "those", "these", "many"})
_DECADE = re.compile(r"^(?:(1[89]\d0|20\d0)|(\d0))'?s$")


@dataclass(slots=True)
class Slots:
    """Everything the router found in one message (titles are added by the router)."""

    genres: list[str] = field(default_factory=list)
    exclude_genres: list[str] = field(default_factory=list)
    comparative_genres: list[str] = field(default_factory=list)
    year_from: int | None = None
    year_to: int | None = None
    k: int | None = None
    min_rating: float | None = None
    question: str | None = None
    feedback: list[Match] = field(default_factory=list)
    channel: str | None = None
    tone: str | None = None
    audience: str | None = None
    ordinal: int | None = None
    facets: dict[str, list[str]] = field(default_factory=dict)  # the catalog profile's facets (router/facet_slots.py)
    min_values: dict[str, float] = field(default_factory=dict)
    max_values: dict[str, float] = field(default_factory=dict)
    unmet: list[str] = field(default_factory=list)  # bounds no facet can apply ("under 400 pages")
    cues: dict[str, list[Match]] = field(default_factory=dict)
    consumed: set[int] = field(default_factory=set)

    def has(self, cue: str) -> bool:
        return bool(self.cues.get(cue))

    def first(self, cue: str) -> Match | None:
        found = self.cues.get(cue) or []
        return found[0] if found else None

    @property
    def has_facets(self) -> bool:
        return bool(self.facets or self.min_values or self.max_values)

    @property
    def has_filters(self) -> bool:
        dates = self.year_from or self.year_to
        return bool(self.genres or self.exclude_genres or dates or self.min_rating or self.has_facets)

    @property
    def only_exclusions(self) -> bool:
        """Every filter is a "no …" ("no horror films please"): a refinement of the list shown, never a new request."""
        dates = self.year_from or self.year_to
        return bool(self.exclude_genres) and not (self.genres or dates or self.min_rating or self.has_facets)

    def facet_arguments(self) -> dict[str, dict[str, list[str]] | dict[str, float]]:
        """The facet arguments of a list tool call (empty ones are dropped by the registry)."""
        return {"facets": self.facets, "min_values": self.min_values, "max_values": self.max_values}


def _add(target: list[str], value: str) -> None:
    if value not in target:
        target.append(value)


def _genres(tokens: list[Token], lexicon: Lexicon, slots: Slots, titled: frozenset[int]) -> None:
    """The genres asked for and excluded; a genre word inside a title is the title's ("Infinity War")."""
    negations = lexicon.negation.find(tokens)
    slots.cues["negation"] = negations
    ends = [
        m for m in lexicon.cues["negation_end"].find(tokens) if not any(n.start <= m.start < n.end for n in negations)
    ]
    stop_at = {m.start for m in ends} | {i for i, t in enumerate(tokens) if t.is_break and t.norm != ","}
    scope: tuple[int, int] = (-1, -1)  # tokens [start, end) where a genre is negated
    for negation in negations:
        slots.consumed.update(range(negation.start, negation.end))
    for match in lexicon.genres.find(tokens):
        if match.start in titled:
            continue
        for negation in negations:
            if negation.end <= match.start < negation.end + NEGATION_WINDOW:
                scope = (negation.end, negation.end + NEGATION_WINDOW)
        blocked = any(scope[0] <= s < match.start for s in stop_at)
        negated = scope[0] <= match.start < scope[1] and not blocked
        for name in match.value:
            _add(slots.exclude_genres if negated else slots.genres, str(name))
        if negated:
            scope = (match.end, match.end + NEGATION_WINDOW)
    slots.genres = [g for g in slots.genres if g not in slots.exclude_genres]
    for match in lexicon.comparatives.find(tokens):
        _add(slots.comparative_genres, str(match.value))


def _ends_before(matches: list[Match], index: int, tokens: list[Token]) -> bool:
    """A cue ends right before tokens[index], allowing one "the" in between."""
    return any(m.end == index or (m.end == index - 1 and tokens[index - 1].norm == "the") for m in matches)


def _bracketed(tokens: list[Token], start: int, end: int) -> bool:
    """A year written in brackets, "(2017)": how a title's year is written, never how a filter is asked for."""
    return start > 0 and end < len(tokens) and tokens[start - 1].raw == "(" and tokens[end].raw == ")"


def _years(
    tokens: list[Token], lexicon: Lexicon, slots: Slots, bounds: tuple[int, int], titled: frozenset[int]
) -> None:
    after = lexicon.cues["year_after"].find(tokens)
    before = lexicon.cues["year_before"].find(tokens)
    trailing = lexicon.cues["year_after_trailing"].find(tokens)
    decade_words = {m.start: m for m in lexicon.decades.find(tokens)}
    spans: list[tuple[int, int, int, int]] = []  # (token index, token end, first year, last year)
    for i, token in enumerate(tokens):
        if i in decade_words:
            m = decade_words[i]
            spans.append((m.start, m.end, int(m.value), int(m.value) + 9))
        elif _YEAR.match(token.norm):
            spans.append((i, i + 1, int(token.norm), int(token.norm)))
        elif match := _DECADE.match(token.norm):
            start = int(match.group(1)) if match.group(1) else 1900 + int(match.group(2))
            if not match.group(1) and start < 1920:
                start += 100
            spans.append((i, i + 1, start, start + 9))
    year_from: int | None = None
    year_to: int | None = None
    loose: list[int] = []
    for start, end, first, last in spans:
        slots.consumed.update(range(start, end))
        if start in titled or _bracketed(tokens, start, end):
            continue  # "A Nightmare on Elm Street (1984)", "Happy Death Day (2017)": a title's year, never a filter
        if _ends_before(after, start, tokens) or any(m.start == end for m in trailing):
            year_from = last + 1 if last > first else first
        elif _ends_before(before, start, tokens):
            year_to = first - 1
        else:
            loose.extend((first, last))
    if loose:
        year_from = min(loose) if year_from is None else year_from
        year_to = max(loose) if year_to is None else year_to
    low, high = bounds
    if year_from is None and year_to is None:
        if _recent(tokens, lexicon) and not slots.has("newer"):
            year_from = high - lexicon.recent_span
        elif lexicon.cues["old"].find(tokens) and not slots.has("older"):
            year_to = lexicon.old_before - 1
    clamp = lambda y: None if y is None else max(low, min(high, y))  # noqa: E731
    year_from, year_to = clamp(year_from), clamp(year_to)
    if year_from is not None and year_to is not None and year_from > year_to:
        year_from, year_to = year_to, year_from
    slots.year_from, slots.year_to = year_from, year_to


def _count(tokens: list[Token], lexicon: Lexicon, slots: Slots) -> None:
    before = lexicon.cues["count_before"].find(tokens)
    after = lexicon.cues["count_after"].find(tokens)
    numbers = {m.start: m for m in lexicon.numbers.find(tokens)}
    for i, token in enumerate(tokens):
        if i in numbers:
            value, end = int(numbers[i].value), numbers[i].end
        elif token.norm.isdigit() and len(token.norm) <= 3:
            value, end = int(token.norm), i + 1
        else:
            continue
        if any(m.start == 0 for m in lexicon.cues["not_count_after"].find(tokens[end : end + 2])):
            continue
        genre_next = any(m.start == 0 for m in lexicon.genres.find(tokens[end : end + 3]))
        if _ends_before(before, i, tokens) or any(m.start == end for m in after) or genre_next:
            slots.k = max(1, min(MAX_K, value))
            slots.consumed.update(range(i, end))
            return


def _after_cue(text: str, tokens: list[Token], match: Match | None) -> str | None:
    """The raw text after a cue up to the next sentence break."""
    if match is None or match.end >= len(tokens):
        return None
    end = match.end
    while end < len(tokens) and tokens[end].norm not in ".!?;":
        end += 1
    if end == match.end:
        return None
    return text[tokens[match.end].start : tokens[end - 1].end].strip(" ,:") or None


def extract(
    text: str, tokens: list[Token], lexicon: Lexicon, bounds: tuple[int, int], titled: frozenset[int] = frozenset()
) -> Slots:
    """All slots of one cleaned message; bounds are the catalog's (min year, max year). titled: the indices of the
    tokens of the titles in it (and their years): no question, feedback or year cue starts there ("Toy Story" asks
    nothing about a story)."""
    slots = Slots()
    outside = lambda found: [m for m in found if m.start not in titled]  # noqa: E731
    for name, matcher in lexicon.cues.items():
        found = matcher.find(tokens)
        if found:
            slots.cues[name] = found
    slots.cues["intent"] = lexicon.intent_cues.find(tokens)
    category = {i for m in slots.cues.get("category_ref", []) for i in range(m.start, m.end)}
    for name in ("singular_ref", "plural_ref"):  # "from that genre" points at no item
        if name in slots.cues:
            slots.cues[name] = [m for m in slots.cues[name] if m.start not in category]
    taste = {i for m in slots.cues.get("taste_statement", []) for i in range(m.start, m.end)}
    if taste and "similar" in slots.cues:  # "I like horror movies" states a taste; "like" there is no "like X"
        slots.cues["similar"] = [m for m in slots.cues["similar"] if m.start not in taste]
    inverted = {m.end for m in slots.cues.get("question_inversion", [])}
    if any(m.start in inverted for m in slots.cues.get("similar", [])):  # "is it like X?" compares, asks no picks
        slots.cues["compare"] = [m for m in slots.cues["similar"] if m.start in inverted]
        slots.cues["similar"] = [m for m in slots.cues["similar"] if m.start not in inverted]
    _genres(tokens, lexicon, slots, titled)
    _years(tokens, lexicon, slots, bounds, titled)
    _count(tokens, lexicon, slots)
    if slots.has("min_rating"):
        slots.min_rating = lexicon.min_rating_value
    chat = {i for m in slots.cues.get("acknowledgement", []) for i in range(m.start, m.end)}
    # no question inside "sounds interesting" or "that genre"
    question = [m for m in outside(lexicon.question.find(tokens)) if m.start not in chat | category]
    if "?" in text:  # "I enjoy good action movies. What else?": the question is the sentence with the "?"
        question = [m for m in question if not _in_statement(tokens, m.end)]
    if slots.has("hearsay") and "?" not in text:  # "heard it is very good": an opinion, no question of the rating
        question = [m for m in question if m.value != "rating"]
    if any(slots.has(cue) for cue in _REQUESTS):  # "Heat is good, anything similar?": praise; the question asks
        praise = {(m.start, m.end) for m in slots.cues.get("praise", [])}
        question = [m for m in question if (m.start, m.end) not in praise]
    asked = {i for m in question for i in range(m.start, m.end)}
    if asked and "similar" in slots.cues:  # "Did people like the first one?": no "like X" inside a question cue
        slots.cues["similar"] = [m for m in slots.cues["similar"] if m.start not in asked]
    # "what about something like Heat?" asks for Heat's neighbours, not its rating; a bare "like" after an opinion
    # cue is the verb ("Do you think he'd like Encino Man?")
    explicit = [m.start for m in slots.cues.get("similar", []) if m.end - m.start > 1 or tokens[m.start].norm != "like"]
    if explicit:
        question = [m for m in question if not (m.value == "rating" and m.end <= min(explicit))]
    slots.question = str(question[0].value) if question else None
    slots.cues["question"] = question
    tastes = _taste_starts(tokens, lexicon)  # "i like old movies too": a taste, no like of the item shown
    feedback = [m for m in outside(lexicon.feedback.find(tokens)) if m.value != NOT_FEEDBACK]
    slots.feedback = [m for m in feedback if not _states_taste(tokens, m, tastes)]
    channel = lexicon.channel.find(tokens)
    slots.channel = str(channel[0].value) if channel else None
    tone = slots.first("tone")
    slots.tone = tokens[tone.start].norm if tone else None
    slots.audience = _after_cue(text, tokens, slots.first("audience_cue"))
    ordinal = lexicon.ordinals.find(tokens)
    slots.ordinal = int(ordinal[0].value) if ordinal else None
    for matches in (lexicon.genres.find(tokens), question, channel, ordinal, slots.feedback):
        for m in matches:
            slots.consumed.update(range(m.start, m.end))
    return slots


def _taste_starts(tokens: list[Token], lexicon: Lexicon) -> set[int]:
    """Where a genre, an era or a decade is named ("horror", "old movies", "90s")."""
    eras = [*lexicon.genres.find(tokens), *lexicon.cues["old"].find(tokens), *lexicon.cues["recent"].find(tokens)]
    return {m.start for m in eras} | {i for i, t in enumerate(tokens) if _DECADE.match(t.norm)}


def _states_taste(tokens: list[Token], cue: Match, tastes: set[int]) -> bool:
    """A like or dislike cue said of a genre or an era ("I like old movies", "I love all horror"), not of an item."""
    after = cue.end + 1 if cue.end < len(tokens) and tokens[cue.end].norm in _TASTE_DETERMINERS else cue.end
    return cue.value in ("like", "dislike") and after in tastes


def _recent(tokens: list[Token], lexicon: Lexicon) -> bool:
    """Whether the message asks for recent items: a recency cue that says nothing of what the user likes now
    ("recent movies", not "a current favorite")."""
    nouns = lexicon.cues["not_recent_after"]
    return any(not nouns.find(tokens[m.end : m.end + 1]) for m in lexicon.cues["recent"].find(tokens))


def _in_statement(tokens: list[Token], index: int) -> bool:
    """Whether the sentence holding tokens[index - 1] ends with "." or "!" (a statement, not the question)."""
    ends = (t.norm for t in tokens[index:] if t.norm in _STATEMENT_ENDS or t.norm == "?")
    return next(ends, "?") in _STATEMENT_ENDS
