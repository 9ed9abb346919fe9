"""The catalog's own item words for the router: "book", "novel", "read" for a bookshop (lexicon/nouns.yaml).

They are request words (a message naming the catalog's items is in scope), stay out of search queries, and the
intent examples (written for films) are rewritten with them; out-of-scope examples that ask for the catalog's own
items ("suggest a good book to read" for a bookshop) are dropped. A noun word used as a verb ("can you book me a
table") names nothing: such a message is out of scope unless something else in it is about the catalog. How people
say they had an item ("I've already read X") joins the `seen` feedback cues.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.agent.router.phrases import LEXICON_DIR, Token, clean, load_yaml, phrase_key, tokenize
from store.catalog_profile import CatalogProfile
from tools.names import Intent

NOUNS_FILE = "nouns.yaml"
_PLACEHOLDERS = ("singular", "plural", "consumed")


@dataclass(frozen=True, slots=True)
class NounWords:
    singular: tuple[str, ...]
    plural: tuple[str, ...]
    verbs: tuple[str, ...] = ()
    consumed: tuple[str, ...] = ()  # "read", "watched": what people say they did with an item

    @property
    def words(self) -> frozenset[str]:
        return frozenset(w for phrase in (*self.singular, *self.plural) for w in phrase_key(phrase))


def _noun_words(entry: object, singular: str, plural: str) -> NounWords:
    data = entry if isinstance(entry, Mapping) else {}

    def listed(key: str, first: str = "") -> tuple[str, ...]:
        values = [str(v) for v in data.get(key) or []]
        return tuple(dict.fromkeys([first, *values] if first else values))

    return NounWords(listed("singular", singular), listed("plural", plural), listed("verbs"), listed("consumed"))


def _whole_words(words: Sequence[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b", re.I)


def _keys(phrases: Sequence[str]) -> frozenset[str]:
    return frozenset(w for phrase in phrases for w in phrase_key(phrase))


class CatalogWords:
    """The words for one catalog's items, and the examples' words they replace."""

    def __init__(self, profile: CatalogProfile, lexicon_dir: Path | None = None) -> None:
        folder = lexicon_dir if lexicon_dir and (lexicon_dir / NOUNS_FILE).is_file() else LEXICON_DIR
        data = load_yaml(folder / NOUNS_FILE)
        nouns = data.get("nouns") or {}
        examples_noun = str(data.get("examples_noun") or "")
        self.noun = profile.item.singular.lower()
        self.own = _noun_words(nouns.get(self.noun), profile.item.singular, profile.item.plural)
        self.rewrites = self.noun != examples_noun
        self.examples = _noun_words(nouns.get(examples_noun), "", "")
        self._templates = {str(k): [str(v) for v in vs] for k, vs in (data.get("noun_cues") or {}).items()}
        self._swaps = [
            (_whole_words(self.examples.singular), profile.item.singular),
            (_whole_words(self.examples.plural), profile.item.plural),
            (_whole_words(self.examples.verbs), self.own.verbs[0] if self.own.verbs else ""),
        ]
        verb_use = data.get("verb_use") or {}
        self._objects = _keys([str(w) for w in verb_use.get("objects") or []])
        self._subjects = _keys([str(w) for w in verb_use.get("subjects") or []])
        # words that may be verbs: singular nouns that are not also plurals or the catalog's own verbs ("read")
        self._verbable = _keys(self.own.singular) - _keys(self.own.plural) - _keys(self.own.verbs)

    def additions(self) -> dict[str, list[str]]:
        """Phrases for the Lexicon's cue lists (lexicon/nouns.yaml noun_cues) and its stopwords."""
        out: dict[str, list[str]] = {}
        for cue, templates in self._templates.items():
            phrases = out.setdefault(cue, [])
            for template in templates:
                for name in _PLACEHOLDERS:
                    if "{" + name + "}" in template:
                        phrases.extend(template.replace("{" + name + "}", w) for w in getattr(self.own, name))
        out.setdefault("stopwords", []).extend([*self.own.singular, *self.own.plural])
        return out

    def _as_verb(self, tokens: Sequence[Token], i: int) -> bool:
        """tokens[i] is a noun word used as a verb: "book me a table", "can you book a flight"."""
        if tokens[i].norm not in self._verbable or i + 1 >= len(tokens) or tokens[i + 1].norm not in self._objects:
            return False
        return i == 0 or tokens[i - 1].is_break or tokens[i - 1].norm in self._subjects

    def names_items(self, tokens: Sequence[Token]) -> bool:
        """The message names the catalog's items ("a fantasy novel with dragons"), not as a verb ("book me")."""
        words = self.own.words
        return any(t.norm in words and not self._as_verb(tokens, i) for i, t in enumerate(tokens))

    def noun_as_verb(self, tokens: Sequence[Token]) -> bool:
        """A catalog noun word is used as a verb ("can you book me a table for two?")."""
        return any(self._as_verb(tokens, i) for i in range(len(tokens)))

    def adapt_example(self, intent: str, text: str) -> str | None:
        """An intent example in the catalog's words; None for an out-of-scope example about the catalog's items."""
        if not self.rewrites:
            return text
        if intent == Intent.OUT_OF_SCOPE and self.names_items(tokenize(clean(text))):
            return None
        for pattern, word in self._swaps:
            if pattern is not None and word:
                text = pattern.sub(word, text)
        return text


__all__ = ["CatalogWords", "NounWords"]
