"""The router in every language with a gloss table: the message glossed into English, then the English router.

The turn's language is `DialogueState.language` (chosen before planning, bot/agent/language.py). The glossed text
is in the decision's slots ("glossed"), so the trace shows what the router understood. Free text that has no gloss
(a plot described in Chinese) cannot reach the English embedder's search: the decision's slots say so
("untranslated"), and the request is served from what was understood (categories, eras, titles, likes).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from bot.agent.decision import Decision, DialogueState
from bot.agent.router.gloss import Glosser, load_gloss, shipped_gloss_languages
from bot.agent.router.phrases import LEXICON_DIR, clean, load_yaml, tokenize
from bot.agent.router.routing import Router
from store.items import CatalogItem

ORIGINAL_TITLE = "original_title"  # the item field with the title in its own language (TMDB's, goodbooks')


def title_aliases(items: Iterable[CatalogItem]) -> dict[str, str]:
    """Original title -> catalog title, for items whose original title differs ("Amélie" has its French one)."""
    aliases: dict[str, str] = {}
    for item in items:
        original = item.extra.get(ORIGINAL_TITLE)
        if isinstance(original, str) and original.strip() and original.casefold() != item.title.casefold():
            aliases.setdefault(original.strip(), item.title)
    return aliases


def english_vocabulary(folder: Path = LEXICON_DIR) -> frozenset[str]:
    """Every word of the English lexicon (cue phrases, genre words, intent examples), foreign-word cues excepted."""
    words: set[str] = set()

    def collect(value: object) -> None:
        if isinstance(value, str):
            words.update(t.norm for t in tokenize(clean(value)) if not t.is_break)
        elif isinstance(value, Mapping):
            for key, inner in value.items():
                if key != "foreign_words":
                    collect(key)
                    collect(inner)
        elif isinstance(value, list):
            for inner in value:
                collect(inner)

    for name in ("cues.yaml", "genres.yaml", "intents.yaml"):
        collect(load_yaml(folder / name))
    return frozenset(words)


class MultilingualRouter:
    """route(text, state): the English router on the message, glossed first when the turn is in another language."""

    def __init__(self, english: Router, glossers: Mapping[str, Glosser], folder: Path = LEXICON_DIR) -> None:
        self.english = english
        self.glossers = dict(glossers)
        self._english_words = english_vocabulary(folder)

    @classmethod
    def for_languages(
        cls,
        english: Router,
        languages: Sequence[str],
        items: Iterable[CatalogItem] = (),
        folder: Path = LEXICON_DIR,
    ) -> MultilingualRouter:
        """Glossers for the supported languages that ship a gloss table; a missing table is an error."""
        aliases = title_aliases(items)
        shipped = set(shipped_gloss_languages(folder))
        wanted = [code for code in languages if code != "en"]
        missing = [code for code in wanted if code not in shipped]
        if missing:
            raise ValueError(f"no gloss table for language(s) {missing} in {folder}; shipped: {sorted(shipped)}")
        return cls(english, {code: Glosser(load_gloss(code, folder), aliases) for code in wanted}, folder)

    def known_shares(self, text: str) -> dict[str, float]:
        """Language -> the share of the message's words its gloss table knows (bot/agent/language.py's evidence
        for short first messages)."""
        words = [t.norm for t in tokenize(clean(text)) if not t.is_break]
        english = sum(w in self._english_words for w in words) / len(words) if words else 0.0
        return {"en": english, **{code: glosser.known_share(text) for code, glosser in self.glossers.items()}}

    def without_titles(self, text: str) -> str:
        """The message without the catalog titles it names: what the language detector reads ("algo parecido a
        The Matrix" is Spanish, though the title is most of its letters)."""
        cleaned = clean(text)
        tokens = tokenize(cleaned)
        hits = [h for h in self.english.spotter.spot(cleaned, tokens) if h.item is not None]
        for hit in sorted(hits, key=lambda h: h.start, reverse=True):
            cleaned = cleaned[: tokens[hit.start].start] + " " + cleaned[tokens[hit.end - 1].end :]
        return cleaned

    def gloss(self, text: str, language: str) -> str:
        """The English words the router sees for a message in `language` (the text itself for English)."""
        glosser = self.glossers.get(language)
        return text if glosser is None else glosser.gloss(text)

    def named_items(self, text: str) -> list[str]:
        return self.english.named_items(text)

    def route(self, text: str, state: DialogueState) -> Decision:
        glosser = self.glossers.get(state.language)
        if glosser is None:
            return self.english.route(text, state)
        glossed, untranslated = glosser.gloss_with_rest(text)
        decision = self.english.route(glossed, state, glossed=True)
        decision.slots["glossed"] = glossed
        if untranslated:
            decision.slots["untranslated"] = untranslated
        return decision


__all__ = ["MultilingualRouter", "title_aliases"]
