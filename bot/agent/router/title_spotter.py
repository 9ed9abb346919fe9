"""Finds catalog titles mentioned in free text: exact n-grams first, then fuzzy spans after title cues.

Short common-word titles ("Heat", "Up", "It", "Her", "Kids") are only accepted in title-ish contexts:
quoted, capitalised mid-sentence, or right after / before a title cue ("loved Heat", "what is Heat about").
Titles made only of function words or lexicon words ("It", "More", "Love") need capitals or quotes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from bot.agent.router.bracketed_titles import YearTitles, bracket_years, parts_of_bracketed
from bot.agent.router.phrases import REQUEST_PHRASES, Lexicon, Token, phrase_key
from store.items import CatalogItem

MAX_TITLE_TOKENS = 10
_INDEFINITE = frozenset({"a", "an"})
MISREMEMBERED_YEARS = 6  # "Fear (1990)" for Fear (1996); a title's film more years away is another (a remake)
FUZZY_CUTOFF = 86.0
MAX_SPAN_TOKENS = 7
_ARTICLES = ("the", "a", "an")


@dataclass(frozen=True, slots=True)
class TitleHit:
    """A title found in the message: tokens[start:end]; item is None when nothing in the catalog matched."""

    start: int
    end: int
    item: CatalogItem | None
    raw: str
    score: float


def title_keys(item: CatalogItem) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The token keys of the whole title and of its main part (before an alternative title in brackets)."""
    return phrase_key(item.title), phrase_key(item.title.split(" (")[0])


def _keys(item: CatalogItem, named: tuple[tuple[str, ...], ...]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """(full keys, prefix keys): the title, its main part, without a leading article; the part before a colon."""
    main = item.title.split(" (")[0]
    keys = list(named)
    for key in list(keys):
        if len(key) > 1 and key[0] in _ARTICLES:
            keys.append(key[1:])
    prefix = phrase_key(main.split(":")[0]) if ":" in main else ()
    prefixes = [prefix] if len(prefix) > 1 else []
    return [k for k in keys if k and len(k) <= MAX_TITLE_TOKENS], prefixes


def items_of(titles: Any) -> list[CatalogItem]:
    """The catalog items of a title index (its .items, a list or a method)."""
    items = getattr(titles, "items", None)
    items = items() if callable(items) else items
    if items is None:
        raise TypeError("Router needs the catalog items: pass items=... or a TitleIndex with an .items attribute")
    return list(items)


def title_of(hit: TitleHit) -> str:
    """How a spotted title is passed to tools: "Title (year)" without an alternative title, or the raw words."""
    if hit.item is None:
        return hit.raw
    main = hit.item.title.split(" (")[0]
    return f"{main} ({hit.item.year})" if hit.item.year else main


def whole_title(tokens: Sequence[Token], hits: Sequence[TitleHit]) -> TitleHit | None:
    """The catalog title a message consists of ("The Girl with the Dragon Tattoo", "The Godfather?"), if any."""
    if len(hits) != 1 or hits[0].item is None:
        return None
    hit = hits[0]
    before = [t.norm for t in tokens[: hit.start] if not t.is_break]
    after = [t for t in tokens[hit.end :] if not t.is_break]
    # the spotter may have taken "Godfather" without its leading "The"
    return hit if not after and (not before or (len(before) == 1 and before[0] in _ARTICLES)) else None


class TitleSpotter:
    """An index of the catalog's titles for spotting them inside messages."""

    def __init__(self, items: Sequence[CatalogItem], lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        table: dict[tuple[str, ...], CatalogItem] = {}
        # most rated first, so an ambiguous key ("It") maps to the best-known item; whole titles before
        # colon prefixes, so "Robin Hood" is Robin Hood, not "Robin Hood: Men in Tights"
        ranked = sorted(items, key=lambda i: -i.rating_count)
        named = [(item, title_keys(item)) for item in ranked]
        keyed = [(item, *_keys(item, keys)) for item, keys in named]
        by_year: dict[tuple[tuple[str, ...], int], CatalogItem] = {}
        for item, full, _ in keyed:
            for key in full:
                table.setdefault(key, item)
                if item.year:
                    by_year.setdefault((key, item.year), item)
        for item, _, prefixes in keyed:
            for key in prefixes:
                table.setdefault(key, item)
            before_colon = phrase_key(item.title.split(" (")[0].split(":")[0])
            if item.year and ":" in item.title and before_colon:
                # "Jumanji (2017)": Jumanji: Welcome to the Jungle, not Jumanji (1995)
                by_year.setdefault((before_colon, item.year), item)
        self._table = table
        self._by_year = by_year
        self._choices = [" ".join(k) for k in table]
        self._items = list(table.values())
        self._years = YearTitles(named)

    def _plain(self, words: Sequence[str]) -> bool:
        vocab = self.lexicon.vocabulary
        return all(w in self.lexicon.stopwords or w in vocab for w in words)

    def _capitalised(self, tokens: list[Token], start: int, end: int) -> bool:
        sentence_start = start == 0 or tokens[start - 1].norm in ".!?"
        words = [t.raw for t in tokens[start:end] if t.raw[:1].isalpha()]
        return (not sentence_start) and bool(words) and words[0][:1].isupper()

    def _written_as_title(self, tokens: list[Token], start: int, end: int) -> bool:
        """Capitalised away from a sentence start, every word but the stop words too ("Anything Else", not
        "Anything else would you recommend?")."""
        words = [t for t in tokens[start:end] if t.raw[:1].isalpha() and t.norm not in self.lexicon.stopwords]
        return self._capitalised(tokens, start, end) and all(t.raw[:1].isupper() for t in words)

    def _quoted(self, text: str, tokens: list[Token], start: int, end: int) -> bool:
        before = text[max(0, tokens[start].start - 1) : tokens[start].start]
        after = text[tokens[end - 1].end : tokens[end - 1].end + 1]
        return before in {'"', "'"} and after in {'"', "'"}

    def _cued(self, tokens: list[Token], start: int, end: int) -> bool:
        before = self.lexicon.cues["title_before"]
        after = self.lexicon.cues["title_after"]
        window = tokens[max(0, start - 3) : start]
        lead = any(m.end == len(window) for m in before.find(window))
        trail = end < len(tokens) and bool(after.find(tokens[end : end + 1]))
        return lead or trail

    def _request_phrase(self, tokens: list[Token], start: int, end: int) -> bool:
        """The words are a request phrase of the lexicon ("anything else", "what next"), not a title."""
        span = tokens[start:end]
        return any(
            m.start == 0 and m.end == len(span) for cue in REQUEST_PHRASES for m in self.lexicon.cues[cue].find(span)
        )

    def _accept(self, text: str, tokens: list[Token], start: int, end: int) -> bool:
        words = [t.norm for t in tokens[start:end]]
        if self._quoted(text, tokens, start, end):
            return True
        if self._request_phrase(tokens, start, end):  # "Anything else would you recommend?"
            return False
        if start > 0 and tokens[start - 1].norm in _INDEFINITE and not self._written_as_title(tokens, start, end):
            return False  # "it was a superhero movie": a description, not Superhero Movie (2008)
        if self._plain(words):
            return self._written_as_title(tokens, start, end)
        if len(words) == 1 or all(w in self.lexicon.stopwords or w in _ARTICLES for w in words[:-1]):
            return self._written_as_title(tokens, start, end) or self._cued(tokens, start, end)
        return True

    def spot(self, text: str, tokens: list[Token]) -> list[TitleHit]:
        """Exact title mentions, longest first, left to right (punctuation inside a title is skipped)."""
        words = [i for i, t in enumerate(tokens) if not t.is_break]
        hits: list[TitleHit] = []
        w = 0
        while w < len(words):
            for size in range(min(MAX_TITLE_TOKENS, len(words) - w), 0, -1):
                start, end = words[w], words[w + size - 1] + 1
                key = tuple(tokens[i].norm for i in words[w : w + size])
                item = self._table.get(key)
                if item is not None and self._accept(text, tokens, start, end):
                    item = self._with_year(key, item, [tokens[i].norm for i in words[w + size : w + size + 1]])
                    hits.append(TitleHit(start, end, item, text[tokens[start].start : tokens[end - 1].end], 100.0))
                    w += size
                    break
            else:
                w += 1
        return self._bracketed(text, tokens, hits)

    def _bracketed(self, text: str, tokens: list[Token], hits: list[TitleHit]) -> list[TitleHit]:
        """The hits with each "Title (year)" resolved among that year's titles (see bracketed_titles)."""
        for paren, year in bracket_years(tokens):
            last = max((h for h in hits if h.end <= paren), key=lambda h: h.end, default=None)
            if last is not None and last.end == paren and _of_year(last, year):
                continue  # "Heat (1995)": that year's film already
            found = self._years.resolve(tokens, paren, year)
            if found is not None:
                raw = text[tokens[found.start].start : tokens[found.end - 1].end]
                hits = [h for h in hits if h.end <= found.start or h.start >= found.end]
                hits.append(TitleHit(found.start, found.end, found.item, raw, found.score))
            else:  # "Spider-Man: Homecoming (2017)" is not Spider-Man (2002)
                parts = parts_of_bracketed(tokens, hits, paren)
                hits = [h for h in hits if h not in parts or _of_year(h, year)]
                # "Fear (1990)" is Fear (1996), a year misremembered; "The Black Panther (1977)" is not the 2017 film
                hits = [h for h in hits if h.end != paren or not _dated(h) or _of_year(h, year, MISREMEMBERED_YEARS)]
        return sorted(hits, key=lambda h: h.start)

    def _with_year(self, key: tuple[str, ...], item: CatalogItem, following: list[str]) -> CatalogItem:
        """ "Father of the Bride (1950)": a year right after the title picks that year's item."""
        if following and following[0].isdigit() and len(following[0]) == 4:
            return self._by_year.get((key, int(following[0])), item)
        return item

    def span_after(self, text: str, tokens: list[Token], start: int) -> TitleHit | None:
        """The title-like words starting at tokens[start] (up to punctuation or a title-ending cue), fuzzy-matched.

        Returns a hit with item=None when the words look like a title but match nothing in the catalog.
        """
        after = self.lexicon.cues["title_after"]
        end = start
        while end < len(tokens) and end - start < MAX_SPAN_TOKENS and not tokens[end].is_break:
            if end > start and after.find(tokens[end : end + 1]):
                break
            end += 1
        while end > start and tokens[end - 1].norm in self.lexicon.stopwords:
            end -= 1
        while start < end and tokens[start].norm in self.lexicon.stopwords and tokens[start].norm not in _ARTICLES:
            start += 1
        if end <= start:
            return None
        words = [t.norm for t in tokens[start:end]]
        if self._plain(words) and not self._capitalised(tokens, start, end):
            return None
        best: TitleHit | None = None
        for stop in range(end, start, -1):
            query = " ".join(t.norm for t in tokens[start:stop])
            if len(query) < 4:
                break
            found = process.extractOne(query, self._choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            if found is not None and (best is None or found[1] > best.score):
                raw = text[tokens[start].start : tokens[stop - 1].end]
                best = TitleHit(start, stop, self._items[found[2]], raw, float(found[1]))
        if best is not None:
            return best
        if any(w not in self.lexicon.vocabulary and w not in self.lexicon.stopwords for w in words):
            return TitleHit(start, end, None, text[tokens[start].start : tokens[end - 1].end], 0.0)
        return None


def unnamed_bracketed(tokens: Sequence[Token], hits: Sequence[TitleHit]) -> bool:
    """A "Title (year)" whose title no hit ends right before: a title the catalog lacks."""
    ends = {h.end for h in hits}
    return any(paren not in ends for paren, _ in bracket_years(tokens))


def _dated(hit: TitleHit) -> bool:
    return hit.item is not None and bool(hit.item.year)


def _of_year(hit: TitleHit | None, year: int, off_by: int = 1) -> bool:
    """The hit is an item of that year, or of a year next to it (release years differ by one between sources;
    `off_by` years for a year people misremember)."""
    return hit is not None and hit.item is not None and abs((hit.item.year or 0) - year) <= off_by


def titled_tokens(tokens: Sequence[Token], hits: Sequence[TitleHit]) -> frozenset[int]:
    """The indices of the tokens of the titles found, with a title's year right after it ("Heat (1995)")."""
    inside: set[int] = set()
    for hit in hits:
        inside.update(range(hit.start, hit.end))
        year = str(hit.item.year) if hit.item is not None and hit.item.year else None
        after = hit.end
        while year is not None and after < len(tokens) and after <= hit.end + 2:
            if tokens[after].norm == year:
                inside.add(after)
                break
            if tokens[after].norm.isalnum():  # only brackets or punctuation between a title and its year
                break
            after += 1
    return frozenset(inside)
