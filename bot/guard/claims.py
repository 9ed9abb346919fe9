"""The claim check: every sentence of generated text must be supported by the facts it was written from.

One mechanism for chat replies and marketing copy. A sentence passes when each of its content words —
every word that is not a function word nor a generic word of praise or connection (claims.yaml) — has
its stem among the stems of the facts (titles, overview, tagline, genres, keywords, reasons). So a
person, place, company, franchise or plot element the facts do not contain fails ("a young musician",
"the Italian film industry", "artificial intelligence"), whatever its case. Genre words ("funny",
"romantic", "scary") must name a genre of the items themselves, not only a word of the facts; decades
("the 1980s", "the '80s", "eighties") and other numbers must be those of the facts.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import snowballstemmer
import yaml

from tools.marketing.stop_words import english_stop_words

VOCABULARY_FILE = Path(__file__).with_name("claims.yaml")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.])(?:'|’)?(\d+(?:[.,]\d+)?)(s|'s)?(?![\w])")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_CAPITALISED = re.compile(r"(?<![\w'’-])[A-Z][\w'’-]*")
_CONTRACTION_ENDS = frozenset({"t", "s", "ll", "re", "ve", "d", "m"})  # Can't, You'll, We're, ...
_DECADE_WORDS = {
    "twenties": 1920, "thirties": 1930, "forties": 1940, "fifties": 1950, "sixties": 1960,
    "seventies": 1970, "eighties": 1980, "nineties": 1990,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ClaimVocabulary:
    """claims.yaml: words that need no support, and each genre's words."""

    generic: frozenset[str]
    genre_words: Mapping[str, frozenset[str]]  # stem -> the genres it claims
    genre_surface: frozenset[str]  # the genre words as written
    generic_surface: frozenset[str] = frozenset()  # the generic words as written
    words_by_genre: Mapping[str, frozenset[str]] | None = None  # genre (lower case) -> its words as written
    claim_phrases: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = ()  # phrase -> stems that support it

    def allowed_words(self, genres: Iterable[str]) -> set[str]:
        """The words a sentence about items of these genres may use without facts: generic and genre words."""
        words = set(self.generic_surface)
        for genre in genres:
            words |= (self.words_by_genre or {}).get(genre.lower(), frozenset())
        return words

    @classmethod
    def load(cls, path: Path = VOCABULARY_FILE) -> ClaimVocabulary:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"{path}: cannot read the claim vocabulary: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("generic"), list):
            raise ValueError(f"{path}: expected a list under 'generic' and a mapping under 'genres'")
        genres = data.get("genres")
        if not isinstance(genres, dict):
            raise ValueError(f"{path}: expected a mapping genre -> words under 'genres'")
        by_stem: dict[str, set[str]] = {}
        surface: set[str] = set()
        by_genre: dict[str, frozenset[str]] = {}
        for genre, genre_words in genres.items():
            parts = {part for word in genre_words for part in words_of(str(word))}
            by_genre[str(genre).lower()] = frozenset(parts)
            for part in parts:
                by_stem.setdefault(stem(part), set()).add(str(genre).lower())
            surface |= parts
        generic_surface = frozenset(w for entry in data["generic"] for w in words_of(str(entry)))
        generic = frozenset(stem(w) for w in generic_surface)
        phrases = tuple(
            (re.compile(str(entry["phrase"]), re.I), frozenset(stem(w) for w in entry["support"]))
            for entry in data.get("claim_phrases") or ()
        )
        by_stem_frozen = {k: frozenset(v) for k, v in by_stem.items()}
        return cls(generic, by_stem_frozen, frozenset(surface), generic_surface, by_genre, phrases)


@functools.cache
def default_vocabulary() -> ClaimVocabulary:
    """The vocabulary in bot/guard/claims.yaml (read once)."""
    return ClaimVocabulary.load()


@functools.cache
def _stemmer() -> snowballstemmer.Stemmer:
    return snowballstemmer.stemmer("english")


def words_of(text: str) -> list[str]:
    """Lower-case words (letters only; possessive 's dropped; hyphenated words split)."""
    found: list[str] = []
    for match in _WORD.finditer(text.lower().replace("’", "'")):
        word = match.group(0).removesuffix("'s")
        found.extend(p for p in re.split(r"[-']", word) if p)
    return found


@functools.cache
def function_word_stems() -> frozenset[str]:
    """The stems of the English stop words (computed once)."""
    return frozenset(stem(w) for w in english_stop_words())


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_stemmer().stemWord(word.lower()))


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """What generated text may claim: the stems of its facts' words, the items' genres, years and numbers."""

    stems: frozenset[str]
    genres: frozenset[str]
    years: frozenset[int]
    numbers: frozenset[str]
    pairs: frozenset[tuple[str, str]] = frozenset()  # neighbouring content stems of each fact text
    title_stems: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls, texts: Iterable[str], genres: Iterable[str] = (), years: Iterable[int] = (), title: str = ""
    ) -> ClaimFacts:
        texts = [t for t in texts if t]
        joined = "\n".join(texts)
        free = function_word_stems() | default_vocabulary().generic
        pairs: set[tuple[str, str]] = set()
        for text in texts:
            seq = [s for s in (stem(w) for w in words_of(text)) if s not in free]
            pairs.update(itertools.pairwise(seq))
        numbers = {m.group(1).replace(",", ".") for m in _NUMBER.finditer(joined)}
        all_years = set(years) | {int(n) for n in numbers if n.isdigit() and 1800 <= int(n) <= 2100}
        genre_names = {g.lower() for g in genres}
        return cls(
            frozenset(stem(w) for w in words_of(joined)),
            frozenset(genre_names),
            frozenset(all_years),
            frozenset(numbers | {str(y) for y in all_years}),
            frozenset(pairs),
            frozenset(stem(w) for w in words_of(title)),
        )


class ClaimLevel(StrEnum):
    """How much of a sentence needs support: every content word (chat replies: the model only restates facts),
    or only its named things (marketing copy, where fresh verbs and adjectives are the job)."""

    CONTENT = "content"
    NAMES = "names"


def named_words(sentence: str, common: frozenset[str]) -> set[str]:
    """Lower-case words written capitalised: mid-sentence, or sentence-initial when not a common word."""
    named: set[str] = set()
    for match in _CAPITALISED.finditer(sentence):
        initial = not sentence[: match.start()].strip(" \"“'‘(—-")
        key = match.group(0).lower().replace("’", "'").removesuffix("'s")
        for part in (p for p in re.split(r"[-']", key) if p and p not in _CONTRACTION_ENDS):
            if not (initial and (part in common or part in english_stop_words())):
                named.add(part)
    return named


def claim_problems(
    text: str,
    facts: ClaimFacts,
    vocabulary: ClaimVocabulary | None = None,
    *,
    level: ClaimLevel = ClaimLevel.CONTENT,
    common: frozenset[str] = frozenset(),
) -> list[str]:
    """One problem per unsupported claim: a content word (or, at level NAMES, a named thing), a genre word,
    a decade or a number the facts lack. `common`: words that are not names when they open a sentence."""
    vocabulary = vocabulary or default_vocabulary()
    stop = english_stop_words()
    problems: list[str] = []
    for sentence in (s for s in _SENTENCE.split(text) if s.strip()):
        problems.extend(_phrase_problems(sentence, facts, vocabulary))
        if level == ClaimLevel.CONTENT and facts.pairs:
            problems.extend(_recombination_problems(sentence, facts, vocabulary))
        unsupported: list[str] = []
        names = named_words(sentence, common) if level == ClaimLevel.NAMES else set()
        for word in words_of(sentence):
            if word in stop or len(word) < 2:
                continue
            if level == ClaimLevel.NAMES and word not in names and word not in vocabulary.genre_surface:
                continue
            root = stem(word)
            claimed = vocabulary.genre_words.get(root)
            if claimed is not None:
                if not claimed & facts.genres and root not in facts.stems:
                    problems.append(f"genre not of these items: {word!r}")
                continue
            if root in vocabulary.generic or root in facts.stems:
                continue
            unsupported.append(word)
        if unsupported:
            problems.append("not in the facts: " + ", ".join(repr(w) for w in dict.fromkeys(unsupported)))
        problems.extend(_number_problems(sentence, facts))
        for word, decade in _DECADE_WORDS.items():
            if re.search(rf"\b{word}\b", sentence, re.I) and not any(decade <= y < decade + 10 for y in facts.years):
                problems.append(f"decade not in the facts: {word!r}")
    return list(dict.fromkeys(problems))


MIN_COPIED_SHARE = 0.6


def _recombination_problems(sentence: str, facts: ClaimFacts, vocabulary: ClaimVocabulary) -> list[str]:
    """A sentence that restates facts keeps their order: most of its content words stand next to a content word
    they also stand next to in the facts. Words of the facts recombined into a new claim do not."""
    free = function_word_stems() | vocabulary.generic
    seq = [s for s in (stem(w) for w in words_of(sentence)) if s not in free]
    covered = [False] * len(seq)
    for i in range(len(seq) - 1):
        if (seq[i], seq[i + 1]) in facts.pairs:
            covered[i] = covered[i + 1] = True
    skip = facts.title_stems | set(vocabulary.genre_words)
    content = [c for s, c in zip(seq, covered, strict=True) if s not in skip]
    if len(content) < 3:
        return []
    share = sum(content) / len(content)
    if share < MIN_COPIED_SHARE:
        return [f"recombines the facts: {share:.0%} of its content words next to a neighbour they have there"]
    return []


def _phrase_problems(sentence: str, facts: ClaimFacts, vocabulary: ClaimVocabulary) -> list[str]:
    """Claim phrases ("made into a movie", "based on", "a love story") need one of their support words in the
    facts' text or among the item's genres."""
    problems: list[str] = []
    known = facts.stems | {stem(genre) for genre in facts.genres}
    for pattern, support in vocabulary.claim_phrases:
        found = pattern.search(sentence)
        if found and not support & known:
            problems.append(f"claim not in the facts: {found.group(0)!r}")
    return problems


def _number_problems(sentence: str, facts: ClaimFacts) -> list[str]:
    problems: list[str] = []
    for match in _NUMBER.finditer(sentence):
        digits, plural = match.group(1).replace(",", "."), match.group(2)
        if plural and digits.isdigit() and int(digits) % 10 == 0:  # a decade: "1980s", "'80s", "80s"
            start = int(digits) if len(digits) == 4 else 1900 + int(digits)
            if not any(start <= y < start + 10 for y in facts.years):
                problems.append(f"decade not in the facts: {match.group(0)!r}")
        elif digits not in facts.numbers:
            problems.append(f"number not in the facts: {match.group(0)!r}")
    return problems
