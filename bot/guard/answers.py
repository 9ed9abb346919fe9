"""The answer check: a reply to an item question must contain the fact that was asked for.

Year -> the item's year; genre -> one of its genres; rating -> its mean rating as shown ("4.2");
plot -> at least a few content words of its catalog summary. When the catalog lacks the fact, the
reply must say so (the templates' phrases, bot/guard/answers.yaml).
"""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

from bot.guard.claims import stem, words_of
from store.items import CatalogItem
from tools.marketing.stop_words import english_stop_words

PHRASES_FILE = Path(__file__).with_name("answers.yaml")
PLOT_MIN_SHARED_WORDS = 3


@functools.cache
def not_in_catalog_phrases() -> tuple[str, ...]:
    """Phrases that say the catalog does not have the asked fact (lower case)."""
    data = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("not_in_catalog"), list):
        raise ValueError(f"{PHRASES_FILE}: expected a list under 'not_in_catalog'")
    return tuple(str(p).lower() for p in data["not_in_catalog"])


def _says_not_known(reply: str) -> bool:
    lowered = reply.lower()
    return any(phrase in lowered for phrase in not_in_catalog_phrases())


def answer_problems(question: str, item: CatalogItem, reply: str) -> list[str]:
    """[] when `reply` answers `question` about `item` (or says the catalog does not have it)."""
    if question == "year":
        ok = (item.year is not None and str(item.year) in reply) or (item.year is None and _says_not_known(reply))
        return [] if ok else [f"does not give the year asked for ({item.year})"]
    if question == "genre":
        lowered = reply.lower()
        ok = any(g.lower() in lowered for g in item.genres) or (not item.genres and _says_not_known(reply))
        return [] if ok else ["does not give the genre asked for"]
    if question == "rating":
        if item.rating_mean:
            shown = f"{item.rating_mean:.1f}"
            return [] if shown in reply else [f"does not give the rating asked for ({shown})"]
        return [] if _says_not_known(reply) else ["does not say the item has no ratings"]
    if question == "plot":
        if not item.overview:
            return [] if _says_not_known(reply) else ["does not say the catalog has no summary"]
        stop = english_stop_words()
        summary = {stem(w) for w in words_of(item.overview) if w not in stop} - {stem(w) for w in words_of(item.title)}
        shared = {stem(w) for w in words_of(reply) if w not in stop} & summary
        if len(shared) < PLOT_MIN_SHARED_WORDS:
            return [f"does not say what it is about ({len(shared)} words of the summary)"]
        return []
    if question == "people":
        return [] if _says_not_known(reply) else ["does not say the catalog lists no people"]
    return []
