"""Titles written with their year in brackets ("Guardians of the Galaxy Vol. 2 (2017)", the way ReDial and many
people write a film), resolved against the catalog's items of that year.

The exact n-gram spotter finds the longest catalog title inside such a mention, which is often another film: "Vol. 2
(2017)" after "Guardians of the Galaxy" (2014), "Spider-Man: Homecoming (2017)" read as Spider-Man (2002),
"Avengers: Infinity War (2018)" as three films. The year says which film is meant: the words right before the
bracket are fuzzy-matched against the titles of that year (then of the years next to it, release years differ by
one between sources), and the best match replaces the hits inside its words. When nothing of that year matches,
a hit of another year that the bracketed title only starts with ("Spider-Man" of "Spider-Man: Homecoming") is
dropped: the message names a film the catalog does not hold, not that one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from rapidfuzz import fuzz, process

from bot.agent.router.phrases import Token
from store.items import CatalogItem

MAX_BRACKETED_TOKENS = 10  # words of a title before its "(year)"
BRACKETED_CUTOFF = 84.0  # fuzz.ratio of the words before the bracket to a title of that year
_STOPS = frozenset('!?()[]"')  # a title never spans these
_TITLE_PUNCTUATION = frozenset(":-.'")  # may stand between a title's words ("Spider-Man: Homecoming", "Vol. 2")


S = TypeVar("S", bound="Span")


@dataclass(frozen=True, slots=True)
class BracketedTitle:
    """The words tokens[start:end] matched a catalog item of the year in the bracket right after them."""

    start: int
    end: int
    item: CatalogItem
    score: float


def bracket_years(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """(index of "(", year) of each "(YYYY)" in the tokens."""
    return [
        (i, int(tokens[i + 1].norm))
        for i in range(1, len(tokens) - 2)
        if tokens[i].norm == "(" and tokens[i + 2].norm == ")" and _is_year(tokens[i + 1].norm)
    ]


def _is_year(word: str) -> bool:
    return len(word) == 4 and word.isdigit() and word[0] in "12"


class YearTitles:
    """The catalog's titles by year, for resolving "Title (year)" mentions."""

    def __init__(self, named: Iterable[tuple[CatalogItem, tuple[tuple[str, ...], ...]]]) -> None:
        """`named`: each item with the token keys of its title (the title spotter's, computed once), the best-known
        items first, so the best-known one keeps a key that several items of a year share."""
        by_year: dict[int, dict[str, CatalogItem]] = defaultdict(dict)
        for item, keys in named:
            if not item.year:
                continue
            for key in dict.fromkeys(keys):
                if key:
                    by_year[item.year].setdefault(" ".join(key), item)
        self._choices = {year: (list(titles), list(titles.values())) for year, titles in by_year.items()}

    def resolve(self, tokens: Sequence[Token], paren: int, year: int) -> BracketedTitle | None:
        """The item of `year` (else of a year next to it) best matching the words right before tokens[paren]."""
        for near in (year, year - 1, year + 1):
            choices, items = self._choices.get(near, ([], []))
            best: BracketedTitle | None = None
            for start in range(paren - 1, max(-1, paren - 1 - MAX_BRACKETED_TOKENS), -1):
                if tokens[start].norm in _STOPS:
                    break
                if tokens[start].is_break:
                    continue
                query = " ".join(t.norm for t in tokens[start:paren] if not t.is_break)
                found = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=BRACKETED_CUTOFF)
                if found is not None and (best is None or found[1] >= best.score):
                    best = BracketedTitle(start, paren, items[found[2]], float(found[1]))
            if best is not None:
                return best
        return None


class Span(Protocol):
    """What a title hit has that this module reads."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


def title_run_to(tokens: Sequence[Token], end: int, stop: int) -> bool:
    """Only title-like words stand between `end` and `stop`: capitalised words, numbers and title punctuation
    ("Spider-Man" + ": Homecoming (2017)"), not "and Some Film (1984)"."""
    return all(t.norm in _TITLE_PUNCTUATION or t.raw[:1].isupper() or t.raw.isdigit() for t in tokens[end:stop])


def parts_of_bracketed(tokens: Sequence[Token], hits: Sequence[S], paren: int) -> list[S]:
    """The hits that are only parts of the title before tokens[paren]: the run of hits and title-like words right
    before the bracket, when it is more than one whole hit ("Seven" + "Seconds" of "Seven Seconds (2018)",
    "Spider-Man" of "Spider-Man: Homecoming (2017)"; not "Fear" of "Fear (1990)")."""
    run: list[S] = []
    stop = paren
    for hit in sorted((h for h in hits if h.end <= paren), key=lambda h: -h.end):
        if not title_run_to(tokens, hit.end, stop):
            break
        run.append(hit)
        stop = hit.start
    return run if len(run) > 1 or (run and run[0].end != paren) else []
