"""Words and phrases for the router: a tokenizer, a whole-word phrase matcher and the lexicon YAML files.

Cue words never live in code: they are read from bot/agent/router/lexicon/*.yaml and matched as token sequences.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.agent.router.categories import category_phrases, genre_mapping

MAX_PARSE_CHARS = 2000
_TOKEN = re.compile(r"#\d+|[^\W_]+(?:['-][^\W_]+)*|[.,;:!?()\"\[\]<>/]")
_BREAKS = frozenset('.,;:!?()"[]<>/')
LEXICON_DIR = Path(__file__).with_name("lexicon")
REQUEST_PHRASES = ("more", "next_request", "open_request")  # cue lists that ask for picks; their phrases are no title
# plain phrase lists of cues.yaml, each available as Lexicon.cues[name]
CUE_LISTS = (
    "next_request", "similar", "tone", "audience_cue", "copy_action", "keywords_text", "more", "older", "newer",
    "plural_ref", "singular_ref", "refine", "count_before", "count_after", "year_after", "year_before", "recent",
    "old", "title_before", "title_after", "title_span_start", "search_cue", "search_verb", "request",
    "year_after_trailing", "negation_end", "not_count_after", "foreign_words", "explain", "asked_opinion", "praise",
    "criticism", "acknowledgement", "open_request", "taste_statement", "hearsay",
    "question_inversion", "reply_opener", "pair_ref", "category_ref", "not_recent_after",
    "recommender_taste", "not_unit", "indefinite", "yes_no_opener",
)  # fmt: skip


class LexiconError(ValueError):
    """A lexicon file is missing or malformed (the message names the file and the key)."""


@dataclass(frozen=True, slots=True)
class Token:
    """One word (or punctuation mark) of a message: normalised form, original text and character span."""

    norm: str
    raw: str
    start: int
    end: int

    @property
    def is_break(self) -> bool:
        return self.norm in _BREAKS


def clean(text: str) -> str:
    """NFKC, no control characters, curly quotes made straight, at most MAX_PARSE_CHARS."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_PARSE_CHARS]
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return "".join(c if c.isprintable() or c in "\n\t" else " " for c in text)


def fold(word: str) -> str:
    """Lower-case without accents: "Amélie" -> "amelie"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokenize(text: str) -> list[Token]:
    """Tokens of an already cleaned text."""
    return [Token(fold(m.group()), m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def phrase_key(phrase: str) -> tuple[str, ...]:
    """The token sequence a lexicon phrase stands for."""
    return tuple(t.norm for t in tokenize(clean(str(phrase))) if not t.is_break or t.norm in "#")


@dataclass(frozen=True, slots=True)
class Match:
    """A phrase found at tokens[start:end], with the value the lexicon gives it."""

    start: int
    end: int
    value: Any


class PhraseMatcher:
    """Finds lexicon phrases in a token list: longest match first, left to right, no overlaps."""

    def __init__(self, phrases: Iterable[tuple[str, Any]]) -> None:
        self._table: dict[tuple[str, ...], Any] = {}
        for phrase, value in phrases:
            key = phrase_key(phrase)
            if key:
                self._table.setdefault(key, value)
        self._longest = max((len(k) for k in self._table), default=0)

    @property
    def words(self) -> set[str]:
        return {w for key in self._table for w in key}

    def find(self, tokens: list[Token]) -> list[Match]:
        words = [t.norm for t in tokens]
        found: list[Match] = []
        i = 0
        while i < len(words):
            for size in range(min(self._longest, len(words) - i), 0, -1):
                key = tuple(words[i : i + size])
                if key in self._table:
                    found.append(Match(i, i + size, self._table[key]))
                    i += size
                    break
            else:
                i += 1
        return found


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise LexiconError(f"{where}: expected a list of phrases, got {type(value).__name__}")
    booleans = [v for v in value if isinstance(v, bool)]
    if booleans:
        raise LexiconError(f"{where}: {booleans[0]!r} was read as a boolean; quote words like no/yes/on/off")
    return [str(v) for v in value]


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise LexiconError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def load_yaml(path: Path) -> Mapping[str, Any]:
    """A lexicon file as a mapping; LexiconError names the file and the YAML problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise LexiconError(f"{path}: lexicon file not found") from exc
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: invalid YAML: {exc}") from exc
    return _mapping(data, str(path))


class Lexicon:
    """All cue phrases of cues.yaml and genres.yaml, as matchers and values.

    For one catalog: `categories` are its category names (the genre lexicon then names only those, plus each
    category's own name: bot.agent.router.categories); `additions` are more phrases for cue lists of CUE_LISTS, for
    one group of a grouped cue ("feedback.seen", "question.people") and for "stopwords" (the catalog's item nouns:
    bot.agent.router.catalog_words; its people facet: bot.agent.router.facet_slots)."""

    def __init__(
        self,
        lexicon_dir: Path | None = None,
        *,
        categories: Sequence[str] | None = None,
        additions: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        folder = lexicon_dir or LEXICON_DIR
        extra = additions or {}
        cues = load_yaml(folder / "cues.yaml")
        genres = load_yaml(folder / "genres.yaml")
        self.folder = folder
        cue_file = str(folder / "cues.yaml")

        def get(key: str) -> Any:
            if key not in cues:
                raise LexiconError(f"{cue_file}: missing key {key!r}")
            return cues[key]

        def plain(key: str) -> PhraseMatcher:
            return PhraseMatcher((p, key) for p in [*_strings(get(key), f"{cue_file}: {key}"), *extra.get(key, ())])

        def grouped(key: str, data: Mapping[str, Any] | None = None, file: str = cue_file) -> PhraseMatcher:
            groups = _mapping(data if data is not None else get(key), f"{file}: {key}")
            return PhraseMatcher(
                (p, label)
                for label, phrases in groups.items()
                for p in [*_strings(phrases, f"{file}: {key}.{label}"), *extra.get(f"{key}.{label}", ())]
            )

        genre_file = str(folder / "genres.yaml")
        groups = {
            str(name): _strings(phrases, f"{genre_file}: genres.{name}")
            for name, phrases in _mapping(genres.get("genres"), f"{genre_file}: genres").items()
        }
        genre_table: dict[str, list[str]] = {}
        for name, phrases in groups.items():
            for phrase in phrases:
                genre_table.setdefault(phrase, []).append(name)
        comparatives = _mapping(genres.get("comparatives", {}), f"{genre_file}: comparatives")
        if categories is not None:
            genre_table = category_phrases(groups, categories)
            named = genre_mapping(groups, categories)
            comparatives = {named[g][0]: v for g, v in comparatives.items() if g in named}
        self.genre_names: tuple[str, ...] = tuple(dict.fromkeys(n for names in genre_table.values() for n in names))
        # a phrase may name several genres ("romcom" -> Comedy + Romance): values are tuples
        self.genres = PhraseMatcher((p, tuple(names)) for p, names in genre_table.items())
        self.comparatives = grouped("comparatives", comparatives, genre_file)
        self.negation = plain("negation")
        self.feedback = grouped("feedback")
        self.question = grouped("question")
        self.channel = grouped("channel")
        self.intent_cues = grouped("intent_cues")
        self.ordinals = PhraseMatcher(
            (p, int(k)) for k, v in _mapping(get("ordinals"), f"{cue_file}: ordinals").items() for p in _strings(v, k)
        )
        numbers = _mapping(get("numbers"), f"{cue_file}: numbers")
        self.numbers = PhraseMatcher((p, int(v)) for p, v in numbers.items())
        decades = _mapping(get("decades"), f"{cue_file}: decades")
        self.decades = PhraseMatcher((p, int(v)) for p, v in decades.items())
        self.cues: dict[str, PhraseMatcher] = {key: plain(key) for key in CUE_LISTS}
        rating = _mapping(get("min_rating"), f"{cue_file}: min_rating")
        self.cues["min_rating"] = PhraseMatcher(
            (p, "min_rating") for p in _strings(rating.get("phrases"), "min_rating")
        )
        self.min_rating_value = float(rating.get("value", 4.0))
        self.recent_span = int(get("recent_span"))
        self.old_before = int(get("old_before"))
        self.intent_cue_boost = float(get("intent_cue_boost"))
        self.foreign_share = float(get("foreign_share"))
        stopwords = [*_strings(get("stopwords"), f"{cue_file}: stopwords"), *extra.get("stopwords", ())]
        self.stopwords = frozenset(phrase_key(" ".join(stopwords)))
        vocab: set[str] = set()
        for matcher in (self.genres, self.comparatives, self.negation, self.feedback, self.question, self.channel):
            vocab |= matcher.words
        for matcher in self.cues.values():
            vocab |= matcher.words
        self.vocabulary = frozenset(vocab)
