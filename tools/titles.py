"""Title lookup: exact, prefix and fuzzy (typos) matching of titles against the catalog."""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence

from rapidfuzz import fuzz, process

from store.items import CatalogItem
from store.years import YEAR_DIGITS
from tools.results import ToolInputError

_YEAR = re.compile(rf"\(?\b{YEAR_DIGITS}\b\)?")
_ARTICLES = ("the ", "a ", "an ")
_AKA = re.compile(r"^a\.?k\.?a\.?\s+", re.IGNORECASE)  # "Seven (a.k.a. Se7en)"
RESOLVE_MIN_SCORE = 86.0


def normalize(text: str) -> str:
    """Lowercase, accents and punctuation removed, leading article dropped: "The Amélie!" -> "amelie"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    plain = re.sub(r"[^\w\s]", " ", plain)
    plain = re.sub(r"\s+", " ", plain).strip()
    for article in _ARTICLES:
        if plain.startswith(article) and len(plain) > len(article):
            return plain[len(article) :]
    return plain


def title_keys(item: CatalogItem) -> set[str]:
    """The names an item answers to: its title, the part before an alternative title, the alternative."""
    keys = {normalize(item.title)}
    main, _, alt = item.title.partition(" (")
    if alt:
        keys.add(normalize(main))
        keys.add(normalize(_AKA.sub("", alt.rstrip(")"))))
    keys.discard("")
    return keys


# a sequel mark at the end of a main title: a number, a roman numeral, "part two" / "part 2"
_SEQUEL = re.compile(r"\s+(?:part\s+)?(?:\d{1,2}|[ivx]{1,4}|one|two|three|four|five)$")


def series_key(title: str) -> str:
    """The title without its year, its subtitle (after a colon) and a trailing sequel mark, normalised: the same
    for "Toy Story", "Toy Story 3" and "The Godfather: Part II" / "The Godfather"."""
    main = title.split(" (")[0].split(":")[0]
    return _SEQUEL.sub("", normalize(main)).strip()


class SeriesIndex:
    """The items of each series, by id (only series of more than one item are kept). Someone who hated Toy Story
    is not shown Toy Story 3 next (tools.recommend.candidate_mask)."""

    def __init__(self, items: Sequence[CatalogItem]) -> None:
        members: dict[str, list[str]] = {}
        for item in items:
            key = series_key(item.title)
            if key:
                members.setdefault(key, []).append(item.item_id)
        self._members = {key: found for key, found in members.items() if len(found) > 1}
        self._key_of = {item_id: key for key, found in self._members.items() for item_id in found}

    def same_series(self, item_ids: Iterable[str]) -> list[str]:
        """Every item in the same series as one of item_ids (themselves included), by id."""
        keys = {self._key_of[i] for i in item_ids if i in self._key_of}
        return [item_id for key in sorted(keys) for item_id in self._members[key]]


class TitleIndex:
    """Built once from the catalog's items; lookups take well under a few milliseconds."""

    def __init__(self, items: Sequence[CatalogItem]) -> None:
        self._items = list(items)
        self._by_id = {item.item_id: item for item in self._items}
        self._exact: dict[str, list[int]] = {}
        self._choices: list[str] = []
        self._owners: list[int] = []
        for index, item in enumerate(self._items):
            for key in title_keys(item):
                self._exact.setdefault(key, []).append(index)
                self._choices.append(key)
                self._owners.append(index)
        self._popularity = [math.log1p(item.rating_count) for item in self._items]
        order = sorted(range(len(self._choices)), key=lambda n: self._choices[n])
        self._sorted = [self._choices[n] for n in order]
        self._sorted_owners = [self._owners[n] for n in order]
        self._series = SeriesIndex(self._items)

    def same_series(self, item_ids: Iterable[str]) -> list[str]:
        """Every item in the same series as one of item_ids (themselves included), by id."""
        return self._series.same_series(item_ids)

    def items(self) -> list[CatalogItem]:
        return self._items

    def _by_popularity(self, indices: Sequence[int], year: int | None) -> list[int]:
        pool = [i for i in indices if year is None or self._items[i].year == year] or list(indices)
        return sorted(set(pool), key=lambda i: -self._popularity[i])

    @staticmethod
    def _split_year(text: str) -> tuple[str, int | None]:
        matches = list(_YEAR.finditer(text))
        match = matches[-1] if matches else None
        if match and normalize(text[: match.start()]):
            return text[: match.start()] + text[match.end() :], int(match.group(1))
        return text, None

    def get_exact(self, text: str) -> CatalogItem | None:
        """The item whose title is exactly `text` (case, accents, punctuation and article ignored)."""
        whole = self._exact.get(normalize(text))
        if whole:  # "Blade Runner 2049", "Fantasia 2000": a title ending in a number that looks like a year
            return self._items[self._by_popularity(whole, None)[0]]
        body, year = self._split_year(text)
        indices = self._exact.get(normalize(body))
        if not indices:
            return None
        return self._items[self._by_popularity(indices, year)[0]]

    def match(self, text: str, limit: int = 5) -> list[tuple[CatalogItem, float]]:
        """Best matches with a 0..100 score: exact titles first, then fuzzy matches, popular items winning ties."""
        body, year = self._split_year(text)
        query = normalize(body)
        if not query:
            return []
        scored: dict[int, float] = {}
        for index in self._exact.get(query, ()):
            scored[index] = 100.0
        # titles that start with the query as whole words ("star wars" -> "star wars episode iv ...")
        position = bisect.bisect_left(self._sorted, query + " ")
        while position < len(self._sorted) and self._sorted[position].startswith(query + " "):
            index = self._sorted_owners[position]
            scored[index] = max(scored.get(index, 0.0), 93.0)
            position += 1
        # typos: plain edit-distance ratio (partial matching would let "go" match "godfahter")
        hits = process.extract(query, self._choices, scorer=fuzz.ratio, limit=max(limit * 8, 40), score_cutoff=60)
        for _, score, choice_index in hits:
            index = self._owners[choice_index]
            value = min(99.0, float(score)) - (10.0 if len(query) < 4 else 0.0)
            scored[index] = max(scored.get(index, 0.0), value)
        if year is not None:
            for index in list(scored):
                if self._items[index].year == year:
                    scored[index] += 0.5
                elif scored[index] >= 100.0:
                    scored[index] = 98.0
        ranked = sorted(scored, key=lambda i: (-round(scored[i]), -self._popularity[i]))
        return [(self._items[i], min(100.0, scored[i])) for i in ranked[:limit]]

    def resolve(self, ref: str) -> CatalogItem:
        """An item by id or title (fuzzy); ToolInputError with the nearest titles when nothing is close."""
        ref = str(ref).strip()
        if not ref:
            raise ToolInputError("an item id or title is needed")
        if ref in self._by_id:
            return self._by_id[ref]
        exact = self.get_exact(ref)
        if exact is not None:
            return exact
        matches = self.match(ref, limit=3)
        if matches and matches[0][1] >= RESOLVE_MIN_SCORE:
            return matches[0][0]
        raise ToolInputError(f"No item matches {ref!r}", suggestions=self.suggestions(ref))

    def suggestions(self, text: str, limit: int = 3) -> list[str]:
        """Nearest titles for a "not found" message (lenient token matching, popular titles first)."""
        query = normalize(self._split_year(text)[0])
        if not query:
            return []
        hits = process.extract(query, self._choices, scorer=fuzz.token_set_ratio, limit=40, score_cutoff=50)
        owners = {self._owners[position]: score for _, score, position in hits}
        ranked = sorted(owners, key=lambda i: (-round(owners[i] / 5), -self._popularity[i]))
        return [self._items[i].label for i in ranked[:limit]]
