"""Glossing: a message in another language rewritten, phrase by phrase, into the English words the router knows.

Each language's phrase table is data (lexicon/<code>/gloss.yaml: phrase -> English words, "" drops the phrase).
Space-separated languages are matched on whole words, case- and accent-insensitively, longest phrase first; words
with no gloss stay as they are (they may be titles). Chinese is segmented with jieba, every phrase of the table and
every alias added to its dictionary so they are cut whole; Latin-script words and numbers stay, Chinese words with
no gloss are dropped. Aliases (a catalog's original titles) map to the catalog's title before any gloss applies.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jieba

from bot.agent.router.phrases import LEXICON_DIR, LexiconError, Token, clean, load_yaml, phrase_key, tokenize

GLOSS_FILE = "gloss.yaml"
SEGMENTED_LANGUAGES = frozenset({"zh"})  # languages written without spaces between words
_PUNCTUATION = str.maketrans({"。": ".", "、": ",", "《": '"', "》": '"', "「": '"', "」": '"', "～": "~"})
_SEGMENT_FREQ = 10**6  # jieba frequency of the table's phrases: high enough to be cut whole


@dataclass(frozen=True, slots=True)
class GlossTable:
    """One language's phrases (as token keys) and their English glosses."""

    language: str
    phrases: Mapping[tuple[str, ...], str]
    raw: Mapping[str, str]  # the phrases as written (what jieba is taught)
    elisions: Mapping[str, str]


def load_gloss(language: str, folder: Path = LEXICON_DIR) -> GlossTable:
    """lexicon/<language>/gloss.yaml; LexiconError names the file and the bad entry."""
    path = folder / language / GLOSS_FILE
    data = load_yaml(path)
    if data.get("language") != language:
        raise LexiconError(f"{path}: expected 'language: {language}'")
    table = data.get("gloss")
    if not isinstance(table, Mapping) or not table:
        raise LexiconError(f"{path}: expected a mapping 'gloss: {{phrase: english}}'")
    elisions = data.get("elisions") or {}
    if not isinstance(elisions, Mapping):
        raise LexiconError(f"{path}: 'elisions' must map an elided form to its full word")
    raw: dict[str, str] = {}
    for phrase, english in table.items():
        if not isinstance(phrase, str | int) or not isinstance(english, str | int | None):
            raise LexiconError(f"{path}: gloss entry {phrase!r} must map a phrase to English words")
        raw[str(phrase).strip().lower()] = "" if english is None else str(english).strip()
    phrases = {phrase_key(p): e for p, e in raw.items() if phrase_key(p)}
    return GlossTable(language, phrases, raw, {str(k).lower(): str(v) for k, v in elisions.items()})


def _is_cjk(text: str) -> bool:
    return any(unicodedata.name(c, "").startswith(("CJK UNIFIED", "CJK COMPATIBILITY")) for c in text)


class Glosser:
    """gloss(text) -> the English words of a message in one language (aliases: phrase -> catalog title)."""

    def __init__(self, table: GlossTable, aliases: Mapping[str, str] | None = None) -> None:
        self.table = table
        self.language = table.language
        self._aliases = {phrase_key(a): t for a, t in (aliases or {}).items() if phrase_key(a)}
        self._raw_aliases = {a.lower(): t for a, t in (aliases or {}).items()}
        self._elision = (
            re.compile(r"\b(" + "|".join(re.escape(e) for e in sorted(table.elisions, key=len, reverse=True)) + ")",
                       re.IGNORECASE)
            if table.elisions
            else None
        )  # fmt: skip
        self._segmenter: jieba.Tokenizer | None = None
        self._longest = max((len(k) for k in (*table.phrases, *self._aliases)), default=1)  # words of a phrase

    def gloss(self, text: str) -> str:
        return self.gloss_with_rest(text)[0]

    def gloss_with_rest(self, text: str) -> tuple[str, list[str]]:
        """The English words, and the words that had no gloss and were dropped (Chinese free text)."""
        if self.language in SEGMENTED_LANGUAGES:
            return self._gloss_segmented(self._prepared(text))
        tokens = tokenize(self._prepared(text))
        out: list[str] = []
        for start, _, found in self._matches(tokens):
            out.extend([tokens[start].raw] if found is None else [found] if found else [])
        return " ".join(out), []

    def known_share(self, text: str) -> float:
        """The share of the message's words (Chinese: of its Chinese words) that the table or the aliases know:
        evidence of the language when the detector is unsure of a short message ("muéstrame mi perfil")."""
        if self.language in SEGMENTED_LANGUAGES:
            chinese = [w.strip().lower() for w in self._segments().cut(self._prepared(text)) if _is_cjk(w)]
            known = sum(w in self.table.raw or w in self._raw_aliases for w in chinese)
            return known / len(chinese) if chinese else 0.0
        tokens = tokenize(self._prepared(text))
        words = sum(not t.is_break for t in tokens)
        known = sum(
            end - start
            for start, end, found in self._matches(tokens)
            if found is not None and tuple(t.norm for t in tokens[start:end]) in self.table.phrases
        )  # the table's phrases: an original title is no evidence of the language
        return known / words if words else 0.0

    def _prepared(self, text: str) -> str:
        """The text cleaned, its CJK punctuation made ASCII, its elisions expanded ("j'ai" -> "je ai")."""
        cleaned = clean(text).translate(_PUNCTUATION)
        if self._elision is not None:
            cleaned = self._elision.sub(lambda m: self.table.elisions[m.group(1).lower()], cleaned)
        return cleaned

    def _matches(self, tokens: list[Token]) -> list[tuple[int, int, str | None]]:
        """Longest phrase (an alias, else a gloss) first, left to right: (start, end, its gloss) for a phrase of
        tokens[start:end], (i, i + 1, None) for a token no phrase covers."""
        out: list[tuple[int, int, str | None]] = []
        i = 0
        while i < len(tokens):
            for n in range(min(self._longest, len(tokens) - i), 0, -1):
                key = tuple(t.norm for t in tokens[i : i + n])
                found = self._aliases.get(key, self.table.phrases.get(key))
                if found is not None:
                    out.append((i, i + n, found))
                    i += n
                    break
            else:
                out.append((i, i + 1, None))
                i += 1
        return out

    def _segments(self) -> jieba.Tokenizer:
        if self._segmenter is None:
            segmenter = jieba.Tokenizer()
            logging.getLogger("jieba").setLevel(logging.WARNING)
            for phrase in [*self.table.raw, *self._raw_aliases]:
                segmenter.add_word(phrase, freq=_SEGMENT_FREQ)
            self._segmenter = segmenter
        return self._segmenter

    def _gloss_segmented(self, text: str) -> tuple[str, list[str]]:
        out: list[str] = []
        dropped: list[str] = []
        for segment in self._segments().cut(text):
            word = segment.strip()
            if not word:
                continue
            key = word.lower()
            if key in self._raw_aliases:
                out.append(self._raw_aliases[key])
            elif key in self.table.raw:
                out.extend([self.table.raw[key]] if self.table.raw[key] else [])
            elif not _is_cjk(word):
                out.append(word)  # a Latin-script title word, a number, punctuation
            else:
                dropped.append(word)
        return " ".join(out), dropped


def shipped_gloss_languages(folder: Path = LEXICON_DIR) -> tuple[str, ...]:
    """The languages with a gloss table in the lexicon folder."""
    return tuple(sorted(p.parent.name for p in folder.glob(f"*/{GLOSS_FILE}")))


__all__ = ["GlossTable", "Glosser", "load_gloss", "shipped_gloss_languages"]
