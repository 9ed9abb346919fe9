"""Facet slots from the catalog profile: "by Stephen King", "from Acme" (an exact facet's cue words, the value
matched fuzzily against the catalog's own values), "under 20 euros", "between 10 and 30 $" (a range facet, known by
its unit or label, or the only one). Cue phrases for ranges and units: lexicon/facets.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.agent.router.phrases import LEXICON_DIR, Lexicon, PhraseMatcher, Token, load_yaml
from store.catalog_profile import CatalogProfile, Facet, FacetKind
from store.facet_index import FacetIndex
from store.years import YEAR_DIGITS

FACETS_FILE = "facets.yaml"
_YEAR = re.compile(rf"^{YEAR_DIGITS}$")
_HOW_RANK = {"exact": 3, "words": 2, "spelling": 1}


@dataclass(slots=True)
class FacetSlots:
    """What a message asks of the facets: values by field (the catalog's spelling when one matched, else as
    written, so the tool asks which one), numeric bounds by field, and the tokens that said it."""

    values: dict[str, list[str]] = field(default_factory=dict)
    min_values: dict[str, float] = field(default_factory=dict)
    max_values: dict[str, float] = field(default_factory=dict)
    spans: set[int] = field(default_factory=set)
    unmet: list[str] = field(default_factory=list)  # "under 400 pages" where no facet has pages: said, not applied

    def __bool__(self) -> bool:
        return bool(self.values or self.min_values or self.max_values)


@dataclass(frozen=True, slots=True)
class _Value:
    start: int
    end: int
    text: str
    rank: tuple[int, int, int]  # (matched one value, how, length)


class FacetSpotter:
    """Finds the profile's facets in a message; a catalog without facets finds nothing."""

    def __init__(
        self,
        profile: CatalogProfile,
        index: FacetIndex | None,
        lexicon: Lexicon,
        item_words: frozenset[str] = frozenset(),
    ) -> None:
        """item_words: what people call the catalog's items ("books", "novels"): "Stephen King books" names the
        author right before them."""
        self.item_words = item_words
        folder = lexicon.folder if (lexicon.folder / FACETS_FILE).is_file() else LEXICON_DIR
        data = load_yaml(folder / FACETS_FILE)
        self.lexicon = lexicon
        self.index = index
        exact = [f for f in profile.facets if f.kind == FacetKind.EXACT and f.cue_words] if index else []
        self._primary = {f.field: f.cue_words[0] for f in exact}
        by_cue: dict[str, list[str]] = {}
        for facet in exact:
            for cue in facet.cue_words:
                by_cue.setdefault(cue, []).append(facet.field)
        self._cues = PhraseMatcher((cue, tuple(fields)) for cue, fields in by_cue.items())
        self._ranges = [f for f in profile.facets if f.kind == FacetKind.RANGE]
        self._units = {
            f.field: PhraseMatcher((w, f.field) for w in self._unit_words(f, profile, data)) for f in self._ranges
        }
        self._symbols = tuple(str(s) for s in data.get("currency_symbols") or []) if profile.price_field else ()
        self._price = profile.price_field
        self._bounds = {
            key: PhraseMatcher((str(p), key) for p in data.get(key) or [])
            for key in ("range_max", "range_min", "range_between", "range_joiners", "value_joiners")
        }
        self._max_words = int(data.get("max_value_words") or 6)

    @staticmethod
    def _unit_words(facet: Facet, profile: CatalogProfile, data: Mapping[str, Any]) -> list[str]:
        words = [w for w in (facet.unit, facet.label, facet.field, profile.currency) if w]
        if facet.field == profile.price_field:
            words.extend(str(w) for w in data.get("currency_words") or [])
        return [v for w in words for v in (w, w[:-1] if w.endswith("s") else w + "s")]

    # ---- exact facets ------------------------------------------------------------------------------------
    def _value_after(self, text: str, tokens: list[Token], start: int, field_name: str) -> _Value | None:
        assert self.index is not None
        matcher = self.index.matcher(field_name)
        best: _Value | None = None
        for end in range(start + 1, len(tokens) + 1):
            last = tokens[end - 1]
            if sum(1 for t in tokens[start:end] if not t.is_break) > self._max_words:
                break
            if last.is_break and not (last.norm == "." and end - 1 > start and tokens[end - 2].end == last.start):
                break
            if last.is_break or self._bounds["value_joiners"].find(tokens[end - 1 : end]):
                continue
            words = [t.norm for t in tokens[start:end] if not t.is_break]
            if all(w in self.lexicon.stopwords or w in self.lexicon.vocabulary for w in words):
                continue
            raw = text[tokens[start].start : last.end]
            match = matcher.match(raw)
            rank = (int(match.value is not None), _HOW_RANK.get(match.how, 0), end - start)
            if rank[1] and (best is None or rank > best.rank):
                best = _Value(start, end, match.value or raw, rank)
        return best

    def _capitalised_after(self, text: str, tokens: list[Token], start: int) -> _Value | None:
        """Name-like words after a facet's first cue that match no value: passed on, so the tool says so."""
        end = start
        while end < len(tokens) and end - start < self._max_words and tokens[end].raw[:1].isupper():
            end += 1
        if end == start:
            return None
        return _Value(start, end, text[tokens[start].start : tokens[end - 1].end], (0, 0, end - start))

    def _exact(self, text: str, tokens: list[Token], found: FacetSlots) -> None:
        for cue in self._cues.find(tokens):
            for field_name in cue.value:
                start = cue.end
                value = self._value_after(text, tokens, start, field_name)
                if value is None and self._primary[field_name] == " ".join(t.norm for t in tokens[cue.start : cue.end]):
                    value = self._capitalised_after(text, tokens, start)
                while value is not None:
                    found.values.setdefault(field_name, []).append(value.text)
                    found.spans.update(range(cue.start, value.end))
                    joiner = self._bounds["value_joiners"].find(tokens[value.end : value.end + 1])
                    value = self._value_after(text, tokens, value.end + 1, field_name) if joiner else None
                    if value is not None:
                        found.spans.add(value.start - 1)
                if field_name in found.values:
                    break

    def _before_items(self, text: str, tokens: list[Token], found: FacetSlots) -> None:
        """ "Stephen King books", "Agatha Christie novels": a facet value written exactly right before the catalog's
        item word (no cue word; only an exact value, so "good books" names nobody)."""
        assert self.index is not None
        for i, token in enumerate(tokens):
            if token.norm not in self.item_words or i in found.spans:
                continue
            for field_name in self._primary:
                if field_name in found.values:
                    continue
                matcher = self.index.matcher(field_name)
                for start in range(max(0, i - self._max_words), i):
                    span = tokens[start:i]
                    if any(t.is_break for t in span) or all(t.norm in self.lexicon.stopwords for t in span):
                        continue
                    match = matcher.match(text[span[0].start : span[-1].end])
                    if match.value is not None and match.how == "exact":
                        found.values[field_name] = [match.value]
                        found.spans.update(range(start, i))
                        break

    # ---- range facets ------------------------------------------------------------------------------------
    def _number(self, text: str, tokens: list[Token], i: int) -> tuple[float, int] | None:
        """The number at tokens[i] ("20", "19.99") and the token index after it."""
        if i >= len(tokens) or not tokens[i].norm.isdigit():
            return None
        dot = i + 1 < len(tokens) - 1 and tokens[i + 1].norm in ".," and tokens[i + 1].start == tokens[i].end
        if dot and tokens[i + 2].norm.isdigit() and tokens[i + 2].start == tokens[i + 1].end:
            return float(f"{tokens[i].norm}.{tokens[i + 2].norm}"), i + 3
        return float(tokens[i].norm), i + 1

    def _unit_at(self, text: str, tokens: list[Token], start: int, end: int) -> tuple[str | None, int, int]:
        """The range facet a number's unit names (symbol, word before or after), and the span with the unit."""
        around = (
            text[max(0, tokens[start].start - 1) : tokens[start].start]
            + text[tokens[end - 1].end : tokens[end - 1].end + 1]
        )
        if self._price and any(s in around for s in self._symbols):
            return self._price, start, end
        for field_name, units in self._units.items():
            if end < len(tokens) and any(m.start == 0 for m in units.find(tokens[end : end + 2])):
                return field_name, start, end + next(m.end for m in units.find(tokens[end : end + 2]) if m.start == 0)
        return None, start, end

    def _ranges_in(self, text: str, tokens: list[Token], found: FacetSlots) -> None:
        if not self._ranges:
            return
        for kind in ("range_between", "range_max", "range_min"):
            for cue in self._bounds[kind].find(tokens):
                first = self._number(text, tokens, cue.end)
                if first is None or cue.start in found.spans:
                    continue
                low, end = first
                high: float | None = None
                joiner = self._bounds["range_joiners"].find(tokens[end : end + 1]) if kind == "range_between" else []
                second = self._number(text, tokens, end + 1) if joiner else None
                if second is not None:
                    high, end = second
                field_name, _, end = self._unit_at(text, tokens, cue.end, end)
                label = self._label_before(tokens, cue.start)
                field_name = field_name or label
                if field_name is None and len(self._ranges) == 1 and not _YEAR.match(tokens[cue.end].norm):
                    field_name = self._ranges[0].field
                if field_name is None:
                    continue
                if kind == "range_max":
                    found.max_values[field_name] = low
                elif kind == "range_min":
                    found.min_values[field_name] = low
                elif high is not None:
                    found.min_values[field_name], found.max_values[field_name] = min(low, high), max(low, high)
                else:
                    continue
                found.spans.update(range(cue.start - (1 if label else 0), end))

    def _unmet_ranges(self, text: str, tokens: list[Token], found: FacetSlots) -> None:
        """A bound with a unit that no facet has ("under 400 pages" for a catalog without page counts, "under 2
        hours" without running times): kept as written so the reply says it is not applied, and out of the query."""
        for kind in ("range_between", "range_max", "range_min"):
            for cue in self._bounds[kind].find(tokens):
                number = self._number(text, tokens, cue.end)
                if number is None or cue.start in found.spans or _YEAR.match(tokens[cue.end].norm):
                    continue
                unit = number[1]
                if unit >= len(tokens) or not self._unit_word(tokens, unit):
                    continue
                found.unmet.append(text[tokens[cue.start].start : tokens[unit].end])
                found.spans.update(range(cue.start, unit + 1))

    def _unit_word(self, tokens: list[Token], i: int) -> bool:
        """A word that can be a number's unit: not a count of items ("3 movies"), an age ("10 years old") or a
        stop word ("5 of")."""
        token = tokens[i]
        counted = any(
            m.start == 0 for name in ("count_after", "not_unit") for m in self.lexicon.cues[name].find(tokens[i:])
        )
        plain = token.norm in self.lexicon.stopwords or token.norm in self.item_words
        return token.norm.isalpha() and not (counted or plain)

    def _label_before(self, tokens: list[Token], start: int) -> str | None:
        for field_name, units in self._units.items():
            if start > 0 and units.find(tokens[start - 1 : start]):
                return field_name
        return None

    def find(self, text: str, tokens: list[Token]) -> FacetSlots:
        found = FacetSlots()
        if self.index is not None and self._primary:
            self._exact(text, tokens, found)
            self._before_items(text, tokens, found)
        self._ranges_in(text, tokens, found)
        self._unmet_ranges(text, tokens, found)
        return found


def people_question_cues(profile: CatalogProfile, lexicon_dir: Path | None = None) -> dict[str, list[str]]:
    """More cues of the `people` item question for the catalog's people facet: its label and field, and the verbs
    facets.yaml lists for it ("who wrote" for authors, "who makes" for a brand); none without a people facet."""
    facet = profile.people_facet()
    if facet is None:
        return {}
    folder = lexicon_dir if lexicon_dir and (lexicon_dir / FACETS_FILE).is_file() else LEXICON_DIR
    table = load_yaml(folder / FACETS_FILE).get("people_questions") or {}
    cues = [facet.label, facet.field.replace("_", " ")]
    for key in dict.fromkeys((facet.label.lower(), facet.field.lower())):
        cues.extend(str(phrase) for phrase in table.get(key) or [])
    return {"question.people": list(dict.fromkeys(c for c in cues if c))}


__all__ = ["FacetSlots", "FacetSpotter", "people_question_cues"]
