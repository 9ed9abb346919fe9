"""What people write for a facet value, matched against the catalog's own values: "agatha christie",
"Stephen  King", "Tolkien" -> "J.R.R. Tolkien" when that is unambiguous, else the candidates to ask about.

Three steps, first hit wins: the same words (case, accents, punctuation and spacing ignored); every written word is a
word of the value ("Tolkien"), where one value must clearly dominate by item count; a close spelling (rapidfuzz).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process

FUZZY_CUTOFF = 85.0  # token_sort_ratio of a misspelt value ("stphen king") to the catalog's
FUZZY_MARGIN = 5.0  # the best spelling must beat the second by this much, else it is ambiguous
SUGGEST_CUTOFF = 60.0  # values this close are suggested when nothing matched
DOMINANCE = 4  # a partial name ("Tolkien") picks the value with at least this many times the items of the next
MIN_WORD_CHARS = 3  # shorter written words ("j", "of") never match a value by containment alone
MAX_CANDIDATES = 5
_NON_WORD = re.compile(r"[^0-9a-z]+")


def value_key(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces: "J.R.R.  Tolkien" -> "j r r tolkien"."""
    decomposed = unicodedata.normalize("NFKD", str(text).lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", plain).strip()


@dataclass(frozen=True, slots=True)
class ValueMatch:
    """The outcome of matching one written value: `value` (the catalog's spelling) when exactly one value matched;
    otherwise `candidates` are the values to ask about (several matched) or to suggest (none did)."""

    written: str
    value: str | None
    candidates: tuple[str, ...] = ()
    how: str = ""  # "exact", "words", "spelling", "" (no match)

    @property
    def ambiguous(self) -> bool:
        return self.value is None and self.how != ""


class FacetValueMatcher:
    """The values of one exact facet, indexed for matching what people write."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        """counts: the catalog's spelling of each value -> how many items have it."""
        by_key: dict[str, str] = {}
        for value in sorted(counts, key=lambda v: -counts[v]):
            key = value_key(value)
            if key:
                by_key.setdefault(key, value)
        self._counts = dict(counts)
        self._by_key = by_key
        self._keys = list(by_key)
        self._words = {key: frozenset(key.split()) for key in self._keys}

    def match(self, written: str) -> ValueMatch:
        key = value_key(written)
        if not key:
            return ValueMatch(written, None)
        if key in self._by_key:
            return ValueMatch(written, self._by_key[key], (self._by_key[key],), "exact")
        words = frozenset(w for w in key.split() if len(w) >= MIN_WORD_CHARS)
        if words and len(words) == len(set(key.split())):
            holders = [self._by_key[k] for k in self._keys if words <= self._words[k]]
            if holders:
                return self._pick(written, sorted(holders, key=lambda v: -self._counts[v]), "words")
        found = process.extract(key, self._keys, scorer=fuzz.token_sort_ratio, limit=MAX_CANDIDATES)
        close = [(self._by_key[k], score) for k, score, _ in found if score >= FUZZY_CUTOFF]
        if close:
            if len(close) == 1 or close[0][1] - close[1][1] >= FUZZY_MARGIN:
                return ValueMatch(written, close[0][0], (close[0][0],), "spelling")
            return ValueMatch(written, None, tuple(v for v, _ in close), "spelling")
        suggestions = tuple(self._by_key[k] for k, score, _ in found if score >= SUGGEST_CUTOFF)
        return ValueMatch(written, None, suggestions[:3])

    def _pick(self, written: str, holders: list[str], how: str) -> ValueMatch:
        first = holders[0]
        if len(holders) == 1 or self._counts[first] >= DOMINANCE * self._counts[holders[1]]:
            return ValueMatch(written, first, (first,), how)
        return ValueMatch(written, None, tuple(holders[:MAX_CANDIDATES]), how)


__all__ = ["FacetValueMatcher", "ValueMatch", "value_key"]
